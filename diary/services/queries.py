"""Queries: a question on one value of a clinical record, and its answer.

open -> answered (site staff, with text; optionally with a correction of the value,
made through the record's own service with its reason) -> closed (monitor or
coordinator), or re-opened (from answered or closed). Every step is a QueryStep
row: who, when, what was said, and the correction made with an answer.

Who: monitors and coordinators raise, close and re-open queries (the data manager's
work is a coordinator's duty, diary.roles); research assistants, coordinators and
investigators of the participant's site answer them, and those who enter data may
correct the value with the answer. Edit checks declared with the records
(diary.declarations, `Record.checks`) raise queries themselves: whenever a record
is written (diary.services.casebooks) and every day for all records
(`edit_checks_run`, for checks that depend on the date and for imported data). A
check's query still open when the value no longer fires the check is closed by the
check; a closed query is not raised again while the record is as it was closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.utils import timezone

from diary.errors import AccessDenied, InvalidValue, RuleConflict
from diary.models import Participant, Query, QueryStep
from diary.models.datamgmt import QUERY_TEXT_MAX, VALUE_SHOWN_MAX
from diary.roles import QUERY_ANSWERING_ROLES, QUERY_RAISING_ROLES, may_enter_data, role_of
from diary.selectors.casebook import (
    ClinicalRecord,
    check_context,
    clinical_record,
    clinical_records,
    content_type_of,
    shown,
    values_of,
)
from diary.selectors.scoping import participants_for
from diary.services.audit import ensure_current, ensure_trial_open, free_text

# Corrections made with an answer, by record: (instance, value name, new value, by_user,
# reason) -> None, through the record's own service.
Correction = Callable[..., None]


def _who(user) -> str:
    return (user.get_full_name() or user.get_username())[:150] if user else "system"


def _text(text: str, *, field: str = "text", required: bool = True) -> str:
    from diary.declarations import control_characters

    text = (text or "").strip()
    if required and not text:
        raise InvalidValue("Write the text.", field=field)
    if len(text) > QUERY_TEXT_MAX:
        raise InvalidValue(f"Use at most {QUERY_TEXT_MAX} characters.", field=field)
    if control_characters(text) or "\x00" in text:
        raise InvalidValue(
            "Remove the control characters; only tabs and line breaks are allowed.", field=field
        )
    return text


def _in_scope(participant_id: int, by_user) -> None:
    if not participants_for(by_user).filter(pk=participant_id).exists():
        raise AccessDenied("This participant is not at one of your sites.")


def _record_version(instance) -> int | None:
    return getattr(instance, "version", None)


def _step(query: Query, kind: str, *, text: str, by_user, by_name: str = "", correction=None):
    return QueryStep.objects.create(
        query=query,
        kind=kind,
        text=text,
        by_user=by_user,
        by_name=by_name or _who(by_user),
        correction=correction or {},
    )


# -- raising --------------------------------------------------------------------------


@transaction.atomic
def query_raise(
    *, record: str, object_id: int, field: str, text: str, by_user, instance=None
) -> Query:
    """A monitor or a coordinator asks about one value of a record."""
    if role_of(by_user) not in QUERY_RAISING_ROLES:
        raise AccessDenied("Only a monitor or a coordinator raises a query.")
    try:
        kind = clinical_record(record)
    except KeyError:
        raise InvalidValue(f"Unknown record {record!r}.", field="record") from None
    if field not in kind.value_names:
        raise InvalidValue(
            f"{kind.label} has no value {field!r}; choose one of: {', '.join(kind.value_names)}.",
            field="value",
        )
    if kind.record[field].direct_identifier:
        # Contact details are not clinical data: a query would show them to roles
        # that may not read them (the value is copied into the query).
        raise InvalidValue(
            f"{kind.record[field].label} is contact information, not clinical data: it "
            "cannot be queried.",
            field="value",
        )
    instance = instance or kind.model.objects.filter(pk=object_id).first()
    participant = kind.participant_object(instance) if instance is not None else None
    if participant is None:
        raise RuleConflict("No such record of a participant.", field="record_id")
    _in_scope(participant.pk, by_user)
    ensure_trial_open(participant.trial)
    text = _text(text)
    query = Query.objects.create(
        participant=participant,
        content_type=content_type_of(kind),
        object_id=instance.pk,
        record=kind.name,
        field=field,
        text=text,
        value_shown=shown(getattr(instance, field))[:VALUE_SHOWN_MAX],
        raised_by=by_user,
        record_version=_record_version(instance),
    )
    _step(query, QueryStep.Kind.RAISED, text=text, by_user=by_user)
    return query


# -- answering, closing, re-opening ---------------------------------------------------


def _locked_query(query: Query, expected_version: int | None) -> Query:
    query = (
        Query.objects.select_for_update(of=("self",))
        .select_related("participant__trial")
        .get(pk=query.pk)
    )
    ensure_current(query, expected_version, fields=("state",))
    return query


def _advance(query: Query, **changes) -> None:
    changes["version"] = query.version + 1
    Query.objects.filter(pk=query.pk).update(**changes)
    for name, value in changes.items():
        setattr(query, name, value)


def query_answer(
    *,
    query: Query,
    text: str,
    by_user,
    correction=None,
    correct: bool = False,
    reason: str = "",
    expected_version: int | None = None,
) -> Query:
    """Site staff answer an open query, optionally correcting the value (`correct`
    with the new value `correction`, through the record's service: a correction of
    an entered value needs its reason)."""
    if role_of(by_user) not in QUERY_ANSWERING_ROLES:
        raise AccessDenied("Only the site's staff answer a query.")
    _in_scope(query.participant_id, by_user)
    if correct and not may_enter_data(by_user):
        raise AccessDenied(
            "Your role may not change clinical data; answer with text, and ask a research "
            "assistant to correct the value.",
            field="correction",
        )
    text = _text(text)
    with transaction.atomic():
        query = _locked_query(query, expected_version)
        ensure_trial_open(query.participant.trial)
        if query.state != Query.State.OPEN:
            raise RuleConflict(
                f"This query is {query.get_state_display().lower()}; only an open query is "
                "answered.",
                field="state",
            )
        _advance(query, state=Query.State.ANSWERED, answered_at=timezone.now())
        made = {}
        if correct:
            made = _correct(query, correction, by_user=by_user, reason=reason)
        _step(query, QueryStep.Kind.ANSWERED, text=text, by_user=by_user, correction=made)
    return query


@transaction.atomic
def query_close(
    *, query: Query, by_user, text: str = "", expected_version: int | None = None
) -> Query:
    """Close a query (answered, or open and raised in error), with an optional note."""
    if role_of(by_user) not in QUERY_RAISING_ROLES:
        raise AccessDenied("Only a monitor or a coordinator closes a query.")
    _in_scope(query.participant_id, by_user)
    text = _text(text, required=False)
    query = _locked_query(query, expected_version)
    if query.state == Query.State.CLOSED:
        raise RuleConflict("This query is already closed.", field="state")
    instance = _instance_of(query)
    _advance(
        query,
        state=Query.State.CLOSED,
        closed_at=timezone.now(),
        record_version=_record_version(instance) if instance is not None else None,
    )
    _step(query, QueryStep.Kind.CLOSED, text=text, by_user=by_user)
    return query


@transaction.atomic
def query_reopen(*, query: Query, text: str, by_user, expected_version: int | None = None) -> Query:
    """Re-open an answered or closed query, saying what is still missing."""
    if role_of(by_user) not in QUERY_RAISING_ROLES:
        raise AccessDenied("Only a monitor or a coordinator re-opens a query.")
    _in_scope(query.participant_id, by_user)
    text = _text(text)
    query = _locked_query(query, expected_version)
    ensure_trial_open(query.participant.trial)
    if query.state == Query.State.OPEN:
        raise RuleConflict("This query is open already.", field="state")
    _advance(query, state=Query.State.OPEN, closed_at=None)
    _step(query, QueryStep.Kind.REOPENED, text=text, by_user=by_user)
    return query


def _instance_of(query: Query):
    try:
        kind = clinical_record(query.record)
    except KeyError:
        return None
    return kind.model.objects.filter(pk=query.object_id).first()


# -- corrections through the records' services ----------------------------------------


def _correct_diary_week(instance, name, value, *, by_user, reason):
    from diary.declarations.records import WEEK_VALUES
    from diary.services.calls import weekly_call_record

    if instance.reached is not True:
        raise RuleConflict(
            "This week has no reached call to correct; enter the call on its page.", field=name
        )
    if name == "reached":
        raise RuleConflict(
            "Whether the participant was reached is not corrected from a query.", field=name
        )
    values = {n: getattr(instance, n) for n in ("call_date", *WEEK_VALUES)}
    values[name] = value
    weekly_call_record(diary_week=instance, reached=True, by_user=by_user, reason=reason, **values)


def _correct_participant(instance, name, value, *, by_user, reason):
    from diary.services.participants import EDITABLE_FIELDS, participant_update

    if name not in EDITABLE_FIELDS:
        raise RuleConflict(
            "This value is not corrected here; correct it on the participant's page.", field=name
        )
    participant_update(participant=instance, changes={name: value}, by_user=by_user, reason=reason)


def _correct_screening(instance, name, value, *, by_user, reason):
    from diary.services.screening import screening_record_update

    screening_record_update(record=instance, changes={name: value}, by_user=by_user, reason=reason)


def _correct_adverse_event(instance, name, value, *, by_user, reason):
    from diary.services.adverse_events import adverse_event_update

    adverse_event_update(event=instance, changes={name: value}, by_user=by_user, reason=reason)


def _correct_cramp(instance, name, value, *, by_user, reason):
    from diary.declarations import NightSource
    from diary.services.nights import night_record

    night = instance.night
    cramps = [
        {"duration_min": c.duration_min, "severity": c.severity}
        for c in night.cramp_events.order_by("position")
    ]
    cramps[instance.position - 1][name] = value
    night_record(
        participant=night.participant,
        night=night.night,
        cramps=cramps,
        source=NightSource.STAFF,
        by_user=by_user,
        reason=reason,
        expected_version=night.version,
    )


def _correct_night(instance, name, value, *, by_user, reason):
    # A night's count is its cramps: each is added or corrected on the night's page.
    raise RuleConflict(
        "A night is corrected on the participant's diary page (its cramps one by one); "
        "correct it there, then answer.",
        field=name,
    )


CORRECTIONS: dict[str, Correction] = {
    "diary": _correct_diary_week,
    "participant": _correct_participant,
    "screening": _correct_screening,
    "ae": _correct_adverse_event,
    "night": _correct_night,
    "cramp": _correct_cramp,
}


def _correct(query: Query, value, *, by_user, reason: str) -> dict:
    correction = CORRECTIONS.get(query.record)
    if correction is None:
        raise RuleConflict(
            "This record is not corrected from a query; correct it on its page, then answer.",
            field="correction",
        )
    instance = _instance_of(query)
    if instance is None:
        raise RuleConflict("The queried record no longer exists.", field="correction")
    old = getattr(instance, query.field)
    try:
        correction(instance, query.field, value, by_user=by_user, reason=reason)
    except InvalidValue as error:
        # The queried value's rules refuse it: the request's field is `correction`.
        raise RuleConflict(
            f"The correction of {query.field}: {error.message}", field="correction"
        ) from error
    instance.refresh_from_db()
    return {
        "value": query.field,
        "old": shown(old),
        "new": shown(getattr(instance, query.field)),
        "reason": free_text(reason),
    }


# -- edit checks ----------------------------------------------------------------------


def _latest_queries(kind: ClinicalRecord, object_ids=None) -> dict[tuple[int, str], Query]:
    queries = Query.objects.filter(content_type=content_type_of(kind)).exclude(edit_check="")
    if object_ids is not None:
        queries = queries.filter(object_id__in=object_ids)
    latest: dict[tuple[int, str], Query] = {}
    for query in queries.order_by("raised_at", "pk"):
        latest[(query.object_id, query.edit_check)] = query
    return latest


def _apply_checks(kind, instance, checks, latest, *, today) -> tuple[int, int]:
    participant = kind.participant_object(instance)
    if participant is None:
        return 0, 0
    values = values_of(kind, instance)
    context = check_context(kind, instance, today=today)
    raised = closed = 0
    for check in checks:
        query = latest.get((instance.pk, check.name))
        if check.holds_for(values, context):
            if query is None or (
                query.state == Query.State.CLOSED
                and query.record_version != _record_version(instance)
            ):
                _raise_by_check(kind, instance, participant, check, values, context)
                raised += 1
        elif query is not None and query.state == Query.State.OPEN:
            _advance(query, state=Query.State.CLOSED, closed_at=timezone.now())
            _step(
                query,
                QueryStep.Kind.CLOSED,
                text="Closed by the edit check: the value no longer meets it.",
                by_user=None,
                by_name=f"edit check {check.name}",
            )
            closed += 1
    return raised, closed


def _raise_by_check(kind, instance, participant, check, values, context) -> Query:
    text = check.message(values, context)[:QUERY_TEXT_MAX]
    query = Query.objects.create(
        participant=participant,
        content_type=content_type_of(kind),
        object_id=instance.pk,
        record=kind.name,
        field=check.field,
        edit_check=check.name,
        text=text,
        value_shown=shown(values.get(check.field))[:VALUE_SHOWN_MAX],
        raised_by=None,
        record_version=_record_version(instance),
    )
    _step(query, QueryStep.Kind.RAISED, text=text, by_user=None, by_name=f"edit check {check.name}")
    return query


def record_checks_run(*, kind: ClinicalRecord, instance, today: date | None = None) -> int:
    """Run a record's edit checks on one row (after it was written). Returns the
    number of queries raised."""
    checks = kind.record.checks
    if not checks or kind.participant_of(instance) is None:
        return 0
    latest = _latest_queries(kind, [instance.pk])
    raised, _ = _apply_checks(kind, instance, checks, latest, today=today)
    return raised


def _related(kind: ClinicalRecord) -> list[str]:
    trial = f"{kind.participant_path}__trial" if kind.participant_path else "trial"
    return [trial, *([kind.week_path] if kind.week_path else [])]


def edit_checks_run(*, today: date | None = None) -> dict[str, int]:
    """Run every declared edit check on every participant's records (daily, and after
    an import): raises the queries of values that fire a check, closes the open ones
    of values that no longer do. Each record kind in its own transaction."""
    today = today or timezone.localdate()
    counts = {"raised": 0, "closed": 0}
    for kind in clinical_records():
        if not kind.record.checks:
            continue
        with transaction.atomic():
            trial = Participant.objects.select_related("trial").first()
            if trial is not None and trial.trial.is_locked:
                return counts  # no query is raised once the database is locked
            latest = _latest_queries(kind)
            rows = kind.of_participants(Participant.objects.values("pk")).select_related(
                *_related(kind)
            )
            for instance in rows.order_by("pk").iterator(chunk_size=2000):
                raised, closed = _apply_checks(
                    kind, instance, kind.record.checks, latest, today=today
                )
                counts["raised"] += raised
                counts["closed"] += closed
    return counts
