"""A query's life through the services: raised on any value of any clinical record,
answered by the site (with a correction through the record's service and its
reason), closed, re-opened; every step kept; who may do what."""

import pytest

from diary.errors import AccessDenied, InvalidValue, ReasonRequired, RuleConflict, StaleRecord
from diary.models import Participant, Query
from diary.selectors.datamgmt import open_queries_for, queried_values, queries_for, query_counts
from diary.services.queries import query_answer, query_close, query_raise, query_reopen
from tests.datamgmt.conftest import call


def _raise(by_user, diary_week, field="severity", text="Please check against the diary card."):
    return query_raise(
        record="diary", object_id=diary_week.pk, field=field, text=text, by_user=by_user
    )


def test_the_full_life_of_a_query_is_kept_step_by_step(participant, monitor, ra_c1):
    diary_week = call(participant, 1, severity="6")
    query = _raise(monitor, diary_week)
    assert query.state == "open" and query.value_shown == "6"
    query = query_answer(
        query=query,
        text="The card says 7.",
        correct=True,
        correction="7",
        reason="transcription error",
        by_user=ra_c1,
        expected_version=query.version,
    )
    assert query.state == "answered"
    diary_week.refresh_from_db()
    assert str(diary_week.severity) == "7.00"
    last = diary_week.history.first()
    assert last.history_change_reason == "transcription error"
    assert last.history_user == ra_c1
    query = query_reopen(query=query, text="And the duration?", by_user=monitor)
    assert query.state == "open"
    query = query_answer(query=query, text="Duration confirmed.", by_user=ra_c1)
    query = query_close(query=query, by_user=monitor, text="Thank you.")
    assert query.state == "closed" and query.closed_at is not None
    steps = list(query.steps.values_list("kind", "by_name"))
    assert steps == [
        ("raised", "monica"),
        ("answered", "research_assistant-C1"),
        ("reopened", "monica"),
        ("answered", "research_assistant-C1"),
        ("closed", "monica"),
    ]
    correction = query.steps.filter(kind="answered").first().correction
    assert correction == {
        "value": "severity",
        "old": "6",
        "new": "7",
        "reason": "transcription error",
    }


def test_queries_may_be_raised_on_every_kind_of_record(participant, coordinator):
    screening = participant.screening
    for record, obj, field in (
        ("participant", participant, "weight_kg"),
        ("screening", screening, "age"),
        ("diary", call(participant, 1), "cramps"),
    ):
        query_raise(
            record=record, object_id=obj.pk, field=field, text="Check.", by_user=coordinator
        )
    assert sorted(Query.objects.values_list("record", flat=True)) == [
        "diary",
        "participant",
        "screening",
    ]


def test_a_correction_of_an_entered_value_needs_its_reason(participant, monitor, ra_c1):
    query = _raise(monitor, call(participant, 1))
    with pytest.raises(ReasonRequired):
        query_answer(query=query, text="7", correct=True, correction="7", by_user=ra_c1)
    assert Query.objects.get(pk=query.pk).state == "open"  # nothing of it was kept


def test_a_correction_breaking_the_record_rules_is_refused(participant, monitor, ra_c1):
    query = _raise(monitor, call(participant, 1))
    with pytest.raises(InvalidValue):
        query_answer(
            query=query, text="x", correct=True, correction="11", reason="r", by_user=ra_c1
        )


def test_only_monitors_and_coordinators_raise_and_close(participant, ra_c1, investigator, monitor):
    diary_week = call(participant, 1)
    for user in (ra_c1, investigator):
        with pytest.raises(AccessDenied):
            _raise(user, diary_week)
    query = _raise(monitor, diary_week)
    with pytest.raises(AccessDenied):
        query_close(query=query, by_user=ra_c1)


def test_an_investigator_answers_with_text_but_corrects_nothing(participant, monitor, investigator):
    query = _raise(monitor, call(participant, 1))
    with pytest.raises(AccessDenied):
        query_answer(
            query=query, text="7", correct=True, correction="7", reason="r", by_user=investigator
        )
    assert query_answer(query=query, text="Confirmed.", by_user=investigator).state == "answered"


def test_a_monitor_of_another_site_cannot_raise_or_see(participant, monitor_c2, coordinator):
    diary_week = call(participant, 1)
    with pytest.raises(AccessDenied):
        _raise(monitor_c2, diary_week)
    _raise(coordinator, diary_week)
    assert not queries_for(monitor_c2).exists()


def test_a_stale_version_is_refused(participant, monitor, ra_c1):
    query = _raise(monitor, call(participant, 1))
    query_answer(query=query, text="ok", by_user=ra_c1)
    with pytest.raises(StaleRecord):
        query_close(query=query, by_user=monitor, expected_version=1)


def test_only_an_open_query_is_answered(participant, monitor, ra_c1):
    query = _raise(monitor, call(participant, 1))
    query_close(query=query, by_user=monitor)
    with pytest.raises(RuleConflict):
        query_answer(query=query, text="late", by_user=ra_c1)


def test_an_unknown_value_is_refused(participant, monitor):
    with pytest.raises(InvalidValue):
        _raise(monitor, call(participant, 1), field="arm")


def test_the_queue_counts_and_marks_come_from_one_selector(participant, monitor, ra_c1, site_c1):
    diary_week = call(participant, 1)
    first = _raise(monitor, diary_week)
    _raise(monitor, diary_week, field="cramps")
    query_answer(query=first, text="ok", by_user=ra_c1)
    counts = query_counts(queries_for(ra_c1), sites=["C1"])
    assert (counts.total.open, counts.total.answered, counts.total.closed) == (1, 1, 0)
    assert counts.by_site["C1"].unresolved == 2
    assert [q.field for q in open_queries_for(ra_c1)] == ["cramps"]
    marks = queried_values(Participant.objects.get(pk=participant.pk))
    assert set(marks) == {f"diary:{diary_week.pk}:severity", f"diary:{diary_week.pk}:cramps"}
