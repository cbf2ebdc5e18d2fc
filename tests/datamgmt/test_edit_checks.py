"""Each edit check declared with the records raises a query on a hand-made record that
breaks it, and none on a clean one; a corrected value closes the check's open query;
the daily run finds what depends on the date."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from diary.declarations import ADVERSE_EVENT, DIARY_WEEK
from diary.errors import InvalidValue
from diary.models import DiaryWeek, Query
from diary.services.adverse_events import adverse_event_record, adverse_event_update
from diary.services.calls import weekly_call_record
from diary.services.queries import edit_checks_run
from tests.datamgmt.conftest import call, week


def _queries(check: str):
    return Query.objects.filter(edit_check=check)


def test_the_checks_are_declared_with_their_records():
    assert {c.name for c in DIARY_WEEK.checks} == {
        "diary_changed_after_confirmation",
        "severe_but_brief",
        "call_outside_window",
        "capsules_missed_missing",
    }
    assert [c.name for c in ADVERSE_EVENT.checks] == ["outcome_missing"]


def test_a_clean_week_raises_no_query(participant):
    call(participant, 1)
    assert not Query.objects.exists()


def test_severity_8_with_a_duration_under_0_2_minutes_raises_a_query(participant):
    diary_week = call(participant, 1, severity="8", duration_min="0.15")
    query = _queries("severe_but_brief").get()
    assert (query.record, query.object_id, query.field) == ("diary", diary_week.pk, "duration_min")
    assert query.state == "open" and query.raised_by is None and query.value_shown == "0.15"
    assert "severity 8" in query.text and "0.15 minutes" in query.text
    assert query.steps.get().by_name == "edit check severe_but_brief"


def test_severity_8_with_a_duration_of_0_2_minutes_is_clean(participant):
    call(participant, 1, severity="8", duration_min="0.2")
    call(participant, 2, severity="7.9", duration_min="0.1")
    assert not _queries("severe_but_brief").exists()


def test_a_reached_call_more_than_3_days_outside_its_window_raises_a_query(participant):
    due = week(participant, 1).due_date  # window: due ± 2 days
    call(participant, 1, call_date=due + timedelta(days=6), out_of_window=True)
    query = _queries("call_outside_window").get()
    assert query.field == "call_date"
    assert str(due) in query.text


def test_a_call_up_to_3_days_outside_its_window_is_clean(participant):
    due = week(participant, 1).due_date
    call(participant, 1, call_date=due + timedelta(days=5), out_of_window=True)
    assert not _queries("call_outside_window").exists()


def _imported_without_capsules(participant):
    """A reached intervention week as an imported package may hold it: the capsules
    missed not recorded (entry refuses that; the edit check finds it in older data)."""
    diary_week = call(participant, 1)
    DiaryWeek.objects.filter(pk=diary_week.pk).update(capsules_missed=None)
    edit_checks_run()
    return week(participant, 1)


def test_entry_refuses_a_reached_intervention_call_without_capsules_missed(participant):
    with pytest.raises(InvalidValue) as refused:
        call(participant, 1, capsules_missed=None)
    assert refused.value.field == "capsules_missed"
    assert week(participant, 1).reached is None


def test_capsules_missed_missing_on_a_reached_call_raises_a_query(participant):
    _imported_without_capsules(participant)
    query = _queries("capsules_missed_missing").get()
    assert query.field == "capsules_missed" and query.value_shown == ""


def test_capsules_are_not_asked_in_the_screening_diary(participant):
    assert week(participant, 1, "screening").capsules_missed is None
    assert not _queries("capsules_missed_missing").exists()


def test_a_not_reached_call_raises_no_capsule_query(participant):
    diary_week = week(participant, 1)
    weekly_call_record(
        diary_week=diary_week, reached=False, call_date=diary_week.due_date, by_user=None
    )
    assert not Query.objects.exists()


def test_a_corrected_value_closes_the_checks_open_query(participant, ra_c1):
    diary_week = _imported_without_capsules(participant)
    weekly_call_record(
        diary_week=diary_week,
        reached=True,
        call_date=diary_week.call_date,
        cramps=2,
        duration_min="1.5",
        severity="5",
        capsules_missed=1,
        reason="capsules asked at the next call",
        by_user=ra_c1,
    )
    query = _queries("capsules_missed_missing").get()
    assert query.state == "closed"
    assert [s.kind for s in query.steps.all()] == ["raised", "closed"]


def _event(participant, **values):
    return adverse_event_record(
        participant=participant,
        **{
            "onset_on": RECENT,
            "term": "Headache",
            "serious": False,
            "grade": "mild",
            "relatedness": "unlikely",
            **values,
        },
        by_user=None,
    )


RECENT = timezone.localdate() - timedelta(days=5)


def test_an_adverse_event_without_outcome_30_days_after_onset_raises_a_query(participant):
    event = _event(participant)
    assert not _queries("outcome_missing").exists()  # 5 days after the onset
    counts = edit_checks_run(today=RECENT + timedelta(days=30))
    query = _queries("outcome_missing").get()
    assert counts["raised"] == 1
    assert (query.record, query.object_id, query.field) == ("ae", event.pk, "outcome")
    assert str(RECENT) in query.text


def test_an_adverse_event_recorded_late_without_outcome_raises_a_query_at_once(participant):
    _event(participant, onset_on=RECENT - timedelta(days=40))
    assert _queries("outcome_missing").count() == 1


def test_an_adverse_event_with_an_outcome_or_younger_than_30_days_is_clean(participant):
    _event(participant, outcome="resolved", onset_on=RECENT - timedelta(days=60))
    _event(participant, term="Nausea")
    edit_checks_run(today=RECENT + timedelta(days=29))
    assert not _queries("outcome_missing").exists()


def test_the_daily_run_raises_once_and_closes_when_the_outcome_is_entered(participant, ra_c1):
    event = _event(participant)
    edit_checks_run(today=RECENT + timedelta(days=31))
    edit_checks_run(today=RECENT + timedelta(days=32))
    assert _queries("outcome_missing").count() == 1
    adverse_event_update(event=event, changes={"outcome": "resolved"}, by_user=ra_c1)
    assert _queries("outcome_missing").get().state == "closed"


def test_the_daily_run_finds_values_written_around_the_services(participant):
    diary_week = call(participant, 1)
    type(diary_week).objects.filter(pk=diary_week.pk).update(
        severity=Decimal("9"), duration_min=Decimal("0.1")
    )
    assert not Query.objects.exists()
    edit_checks_run()
    assert _queries("severe_but_brief").count() == 1
