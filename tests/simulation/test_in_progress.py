"""A trial in progress for the demo's working day: the plan cut at a day, entered
through the services, leaves work for every demo account."""

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from diary.models import AdverseEvent, Participant, Query, RandomizationList
from diary.selectors.calls import calls_due
from diary.simulation import plan_null_trial
from diary.simulation.in_progress import PHONE_PREFIX, plan_in_progress

TODAY = date(2026, 3, 4)


@pytest.fixture(scope="module")
def cut():
    whole = plan_null_trial(seed=3, participants=80)
    return whole, plan_in_progress(whole, today=TODAY)


def test_nothing_of_the_plan_happens_after_the_day(cut):
    _, plan = cut
    now = pd.Timestamp(TODAY)
    assert (plan.screening["screened_on"] <= now).all()
    assert (plan.participants["consented_on"] <= now).all()
    assert (plan.participants["randomized_on"].dropna() <= now).all()
    assert (plan.participants["withdrawn_on"].dropna() <= now).all()
    assert (plan.diary["call_date"] <= now - pd.Timedelta(days=3)).all() or (
        plan.diary[plan.diary["call_date"] > now - pd.Timedelta(days=3)]["phase"].eq("screening")
    ).all()
    assert (plan.adverse_events["onset_on"] < now).all()
    assert (plan.adverse_events["resolved_on"].dropna() <= now).all()


def test_the_trial_is_under_way_with_bottles_left_and_an_ongoing_event(cut):
    whole, plan = cut
    randomized = plan.participants["randomized_on"].notna()
    assert 0 < randomized.sum() < len(whole.participants)
    # Bottles are given in order: the randomized hold the first numbers of the list.
    assert sorted(plan.participants.loc[randomized, "bottle_number"]) == list(
        range(1, randomized.sum() + 1)
    )
    assert len(plan.allocation) == len(whole.allocation)
    ongoing = plan.adverse_events[plan.adverse_events["outcome"].eq("ongoing")]
    sites = plan.participants.set_index("participant_id")["site_code"]
    assert "C1" in set(sites[ongoing["participant_id"]])
    assert plan.participants["phone"].str.startswith(PHONE_PREFIX).all()
    # Every randomized participant completed the screening diary.
    screening = plan.diary[plan.diary["phase"].eq("screening")]
    weeks = screening.groupby("participant_id")["week"].nunique()
    for pid in plan.participants.loc[randomized, "participant_id"]:
        assert weeks.get(pid) == 2, pid


@pytest.mark.django_db
def test_demo_day_leaves_work_for_the_demo_accounts(tmp_path):
    today = date.today() - timedelta(days=1)
    with override_settings(DEBUG=True):
        call_command("demo_day", today=today, participants=40, seed=3, stdout=io.StringIO())
    assert Participant.objects.filter(randomized_on__isnull=True).exists()
    assert Participant.objects.exclude(phone="").count() == Participant.objects.count()
    assert AdverseEvent.objects.filter(resolved_on__isnull=True).exists()
    given = set(
        Participant.objects.exclude(bottle_number=None).values_list("bottle_number", flat=True)
    )
    on_list = set(RandomizationList.objects.get().entries.values_list("bottle_number", flat=True))
    assert on_list - given  # bottles left
    coordinator = get_user_model().objects.get(username="coordinator")
    queue = calls_due(user=coordinator, on_date=today)
    assert queue.due and queue.overdue and queue.coming_up
    assert Query.objects.filter(state="open").count() == 1


@pytest.mark.django_db
def test_demo_day_refuses_before_writing_when_debug_is_off():
    from django.core.management.base import CommandError

    with override_settings(DEBUG=False), pytest.raises(CommandError, match="local use only"):
        call_command("demo_day", participants=10, stdout=io.StringIO())
    assert not Participant.objects.exists()
