"""A randomized participant at C1 with a recorded screening diary and intervention
weeks, and the staff of data management: a monitor and an investigator at C1."""

from datetime import date

import pytest

from diary.models import DiaryWeek, Participant
from diary.services.calls import weekly_call_record
from diary.services.randomization import participant_randomize
from tests.factories import make_list, make_user, ready_to_randomize

PASSWORD = "a-long-test-password"
RANDOMIZED_ON = date(2023, 2, 1)


@pytest.fixture
def monitor(site_c1):
    return make_user("monitor", site_c1, username="monica")


@pytest.fixture
def monitor_c2(site_c2):
    return make_user("monitor", site_c2, username="monitor-c2")


@pytest.fixture
def investigator(site_c1):
    user = make_user("investigator", site_c1, username="ivan")
    user.first_name, user.last_name = "Ivana", "Investigator"
    user.save()
    return user


@pytest.fixture
def participant(trial, site_c1, coordinator) -> Participant:
    make_list(trial)
    p = ready_to_randomize(trial, site_c1, participant_id="C1-101")
    participant_randomize(participant=p, by_user=coordinator, randomized_on=RANDOMIZED_ON)
    return Participant.objects.get(pk=p.pk)


def week(participant, n: int, phase: str = "intervention") -> DiaryWeek:
    return DiaryWeek.objects.select_related("protocol_week", "participant__trial").get(
        participant=participant, protocol_week__phase=phase, protocol_week__week=n
    )


def call(participant, n: int, *, by_user=None, out_of_window=False, **values) -> DiaryWeek:
    """A reached call for intervention week n on its due date (clean values unless
    given); a call outside the window must be confirmed (`out_of_window`)."""
    diary_week = week(participant, n)
    values = {
        "call_date": diary_week.due_date,
        "cramps": 2,
        "duration_min": "1.5",
        "severity": "5",
        "capsules_missed": 0,
        **values,
    }
    weekly_call_record(
        diary_week=diary_week, reached=True, by_user=by_user, out_of_window=out_of_window, **values
    )
    return week(participant, n)
