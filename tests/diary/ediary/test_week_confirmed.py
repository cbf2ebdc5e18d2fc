"""The weekly call confirms the diary: the week's values derived from its nights,
confirmed as they are, corrected with a reason, or told by phone; the source kept."""

from datetime import timedelta
from decimal import Decimal

import pytest

from diary.declarations import WeekSource
from diary.errors import ReasonRequired, RuleConflict
from diary.services.calls import weekly_call_record
from diary.services.nights import night_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_two(keeper):
    """Intervention week 2 (nights 7 to 13 days after randomization), every night
    reported by staff: 3 cramps."""
    start = keeper.randomized_on + timedelta(days=7)
    for day in range(7):
        cramps = []
        if day == 1:
            cramps = [{"duration_min": "1.5", "severity": 4}, {"duration_min": 2, "severity": 6}]
        if day == 5:
            cramps = [{"duration_min": "0.5", "severity": 7}]
        night_record(
            participant=keeper, night=start + timedelta(days=day), cramps=cramps, source="staff"
        )
    return keeper.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=2)


def test_confirming_stores_the_derived_values_and_their_source(week_two, ra_c1):
    week = weekly_call_record(
        diary_week=week_two,
        call_date=week_two.due_date,
        reached=True,
        capsules_missed=0,
        by_user=ra_c1,
        source="diary",
    )
    assert (week.cramps, week.duration_min, week.severity) == (3, Decimal("1.33"), Decimal("5.67"))
    assert week.source == WeekSource.DIARY


def test_confirming_other_values_than_the_diary_is_refused(week_two, ra_c1):
    with pytest.raises(RuleConflict, match="the diary gives 3"):
        weekly_call_record(
            diary_week=week_two,
            reached=True,
            cramps=4,
            duration_min=1,
            severity=5,
            capsules_missed=0,
            by_user=ra_c1,
            source="diary",
        )


def test_correcting_the_diary_needs_a_reason(week_two, ra_c1):
    values = {"cramps": 4, "duration_min": 1, "severity": 5, "capsules_missed": 0}
    values["call_date"] = week_two.due_date  # in the week's window
    with pytest.raises(ReasonRequired):
        weekly_call_record(
            diary_week=week_two, reached=True, by_user=ra_c1, source="corrected", **values
        )
    week = weekly_call_record(
        diary_week=week_two,
        reached=True,
        by_user=ra_c1,
        source="corrected",
        reason="One cramp was not entered",
        **values,
    )
    assert week.source == "corrected" and week.cramps == 4
    assert week.history.first().history_change_reason == "One cramp was not entered"


def test_the_call_form_shows_the_nights_and_the_derived_week(client, week_two, ra_c1):
    client.force_login(ra_c1)
    page = client.get("/participants/C1-101/weeks/intervention/2/").content.decode()
    assert "s diary this week" in page
    assert "Confirm the diary" in page
    answer = client.post(
        "/participants/C1-101/weeks/intervention/2/",
        {
            "version": week_two.version,
            "reached": "yes",
            "call_date": (week_two.due_date).isoformat(),
            "cramps": "3",
            "duration_min": "1.33",
            "severity": "5.67",
            "capsules_missed": "0",
            "new_health_problem": "no",
            "source": "diary",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    week_two.refresh_from_db()
    assert week_two.source == "diary" and week_two.cramps == 3
