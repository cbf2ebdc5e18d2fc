from datetime import date
from decimal import Decimal

import pytest

from diary.errors import InvalidValue, ReasonRequired
from diary.models import DiaryWeek
from diary.services.calls import weekly_call_record
from tests.factories import enrol


@pytest.fixture
def screening_week(trial, ra_c1, site_c1):
    participant = enrol(trial, site_c1, screened_on=date(2023, 1, 2))
    return participant.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=1)


def test_records_a_reached_week(screening_week, ra_c1):
    week = weekly_call_record(
        diary_week=screening_week,
        reached=True,
        call_date=date(2023, 1, 9),
        cramps=2,
        duration_min="1.5",
        severity="4",
        by_user=ra_c1,
    )
    assert (week.cramps, week.duration_min, week.severity) == (2, Decimal("1.5"), Decimal("4"))
    assert week.attempts == 1


def test_not_reached_records_an_attempt_and_no_values(screening_week, ra_c1):
    weekly_call_record(
        diary_week=screening_week, reached=False, call_date=date(2023, 1, 9), by_user=ra_c1
    )
    week = weekly_call_record(
        diary_week=screening_week, reached=False, call_date=date(2023, 1, 10), by_user=ra_c1
    )
    assert week.attempts == 2 and week.reached is False and week.cramps is None


def test_reached_after_a_missed_attempt_needs_no_reason(screening_week, ra_c1):
    weekly_call_record(
        diary_week=screening_week, reached=False, call_date=date(2023, 1, 9), by_user=ra_c1
    )
    week = weekly_call_record(
        diary_week=screening_week,
        reached=True,
        call_date=date(2023, 1, 10),
        cramps=0,
        by_user=ra_c1,
    )
    assert week.reached and week.attempts == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"cramps": 2, "duration_min": "1", "severity": "11"}, "severity"),
        ({"cramps": 2, "duration_min": "1", "severity": "0"}, "severity"),
        ({"cramps": 2, "duration_min": "-1", "severity": "3"}, "duration_min"),
        ({"cramps": -1}, "cramps"),
        ({"cramps": "two"}, "cramps"),
        ({"cramps": 2, "severity": "3"}, "duration_min"),
        ({"cramps": 0, "duration_min": "1"}, "duration_min"),
        ({}, "cramps"),
    ],
)
def test_a_value_out_of_range_is_refused_naming_the_field_and_never_saved(
    screening_week, ra_c1, values, field
):
    with pytest.raises(InvalidValue) as exc:
        weekly_call_record(
            diary_week=screening_week,
            reached=True,
            call_date=date(2023, 1, 9),
            by_user=ra_c1,
            **values,
        )
    assert field in exc.value.errors
    assert DiaryWeek.objects.get(pk=screening_week.pk).reached is None


def test_correcting_a_stored_value_needs_a_reason_kept_in_history(screening_week, ra_c1):
    weekly_call_record(
        diary_week=screening_week,
        reached=True,
        call_date=date(2023, 1, 9),
        cramps=1,
        duration_min="2",
        severity="5",
        by_user=ra_c1,
    )
    with pytest.raises(ReasonRequired):
        weekly_call_record(
            diary_week=screening_week,
            reached=True,
            cramps=3,
            duration_min="2",
            severity="5",
            by_user=ra_c1,
        )
    assert DiaryWeek.objects.get(pk=screening_week.pk).cramps == 1
    weekly_call_record(
        diary_week=screening_week,
        reached=True,
        cramps=3,
        duration_min="2",
        severity="5",
        by_user=ra_c1,
        reason="participant recounted the diary",
    )
    latest = DiaryWeek.history.filter(id=screening_week.pk).order_by("-history_id").first()
    assert latest.cramps == 3
    assert latest.history_change_reason == "participant recounted the diary"
    assert latest.history_user == ra_c1


def test_a_call_date_before_the_week_began_is_refused(screening_week, ra_c1):
    with pytest.raises(InvalidValue) as exc:
        weekly_call_record(
            diary_week=screening_week,
            reached=True,
            call_date=date(2022, 12, 1),
            cramps=0,
            by_user=ra_c1,
        )
    assert exc.value.field == "call_date"


def test_not_reached_cannot_erase_a_recorded_week(screening_week, ra_c1):
    weekly_call_record(
        diary_week=screening_week, reached=True, call_date=date(2023, 1, 9), cramps=0, by_user=ra_c1
    )
    with pytest.raises(InvalidValue):
        weekly_call_record(diary_week=screening_week, reached=False, by_user=ra_c1)
    assert DiaryWeek.objects.get(pk=screening_week.pk).cramps == 0


def test_a_recorded_zero_is_corrected_only_with_a_reason(screening_week, ra_c1):
    from diary.errors import ReasonRequired

    call_date = screening_week.due_date
    weekly_call_record(
        diary_week=screening_week, reached=True, call_date=call_date, cramps=0, by_user=ra_c1
    )
    with pytest.raises(ReasonRequired, match="cramps"):
        weekly_call_record(
            diary_week=screening_week,
            reached=True,
            call_date=call_date,
            cramps=2,
            duration_min="1",
            severity="2",
            by_user=ra_c1,
        )
    screening_week.refresh_from_db()
    assert screening_week.cramps == 0


def test_reached_must_be_yes_or_no(screening_week, ra_c1):
    with pytest.raises(InvalidValue) as refused:
        weekly_call_record(diary_week=screening_week, reached=None, cramps=2, by_user=ra_c1)
    assert refused.value.field == "reached"
    screening_week.refresh_from_db()
    assert screening_week.reached is None
