"""The trial the differential blinding tests change, one participant at a time."""

import pytest

from diary.models import Participant
from diary.services.calls import weekly_call_record
from diary.services.randomization import participant_randomize
from tests.blinding.test_report_differencing import ARMS, RANDOMIZED_ON, WEEKS_CALLED
from tests.factories import make_list, make_trial, make_user, ready_to_randomize


@pytest.fixture
def trial_with_data(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    trial = make_trial(arms=ARMS)
    c1, c2 = trial.sites.order_by("code")
    users = {
        "research_assistant": make_user("research_assistant", c1, c2),
        "coordinator": make_user("coordinator"),
        "statistician": make_user("statistician"),
        "investigator": make_user("investigator", c1),
    }
    make_list(trial, bottles_per_stratum=24, spares=4)
    for i in range(12):
        site = c1 if i % 2 else c2
        p = ready_to_randomize(trial, site, participant_id=f"{site.code}-{i + 1:03d}")
        participant_randomize(
            participant=p, by_user=users["coordinator"], randomized_on=RANDOMIZED_ON
        )
        p = Participant.objects.get(pk=p.pk)
        weeks = p.diary_weeks.filter(protocol_week__phase="intervention").select_related(
            "protocol_week"
        )
        for week in weeks.order_by("protocol_week__week")[:WEEKS_CALLED]:
            n = week.protocol_week.week
            cramps = (p.pk * 3 + n) % 5
            weekly_call_record(
                diary_week=week,
                reached=not (i == 3 and n == 2),
                call_date=week.due_date,
                cramps=cramps if not (i == 3 and n == 2) else None,
                duration_min="2.5" if cramps else None,
                severity=str(3 + n % 4) if cramps else None,
                capsules_missed=n % 3 if not (i == 3 and n == 2) else None,
                by_user=users["research_assistant"],
            )
    return trial, users
