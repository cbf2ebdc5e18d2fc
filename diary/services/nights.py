"""The electronic diary: recording a night and its cramps, by the participant (their
diary link or the API under it) or by staff (at the call, from what the participant
tells them). Values and rules: diary.declarations.NIGHT and CRAMP_EVENT.

A participant records each night once, within the last days the diary offers; a
night already recorded is corrected by staff only, with a reason, kept in the history
of the night and of each cramp."""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from diary.declarations import CRAMP_EVENT, NIGHT, Context, NightSource, WeekSource
from diary.declarations.records import NIGHT_CRAMPS_MAX, follow_up_end, week_nights
from diary.errors import InvalidValue, ReasonRequired, RuleConflict
from diary.models import CrampEvent, DiaryWeek, Night, Participant, Phase
from diary.services.audit import (
    apply_changes,
    ensure_current,
    ensure_trial_open,
    free_text,
    record_check,
)

# How far back a participant may fill in a night they missed.
PARTICIPANT_DAYS_BACK = 7

__all__ = ["PARTICIPANT_DAYS_BACK", "night_context", "night_record", "participant_follow_up_end"]


def participant_follow_up_end(participant: Participant) -> date | None:
    """The last night of follow-up (None before randomization)."""
    if participant.randomized_on is None:
        return None
    return follow_up_end(
        randomized_on=participant.randomized_on,
        intervention_weeks=participant.trial.intervention_weeks,
    )


def night_context(participant: Participant) -> Context:
    return Context(
        {
            "consented_on": participant.consented_on,
            "withdrawn_on": participant.withdrawn_on,
            "follow_up_end": participant_follow_up_end(participant),
        }
    )


def _number(value, field: str) -> Decimal:
    if isinstance(value, bool) or value in (None, ""):
        raise InvalidValue(f"{field}: enter a number.", field=field)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{field}: enter a number.", field=field) from None
    if not number.is_finite():
        raise InvalidValue(f"{field}: enter a number.", field=field)
    return number


def _typed_cramps(cramps: Sequence[Mapping]) -> list[dict]:
    """Each cramp's values, typed and checked against CRAMP_EVENT (errors named
    `cramps.<i>.<value>`, counting from 0 as the API's body does)."""
    if len(cramps) > NIGHT_CRAMPS_MAX:
        raise InvalidValue(
            f"cramps: at most {NIGHT_CRAMPS_MAX} cramps in one night.", field="cramps"
        )
    typed = []
    for i, cramp in enumerate(cramps):
        values = {
            name: _number(cramp.get(name), f"cramps.{i}.{name}")
            for name in ("duration_min", "severity")
        }
        try:
            record_check(CRAMP_EVENT, values)
        except InvalidValue as exc:
            errors = {f"cramps.{i}.{k}": v for k, v in exc.errors.items()}
            field, messages = next(iter(errors.items()))
            raise type(exc)(f"{field}: {messages[0]}", field=field, errors=errors) from None
        typed.append(values)
    return typed


def _locked_participant(participant: Participant) -> Participant:
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("trial")
        .get(pk=participant.pk)
    )
    ensure_trial_open(participant.trial)
    return participant


def _same(existing: list[CrampEvent], typed: list[dict]) -> bool:
    return len(existing) == len(typed) and all(
        e.duration_min == t["duration_min"] and e.severity == t["severity"]
        for e, t in zip(existing, typed, strict=True)
    )


@transaction.atomic
def night_record(
    *,
    participant: Participant,
    night: date,
    cramps: Sequence[Mapping] | None,
    source: str,
    by_user=None,
    reason: str = "",
    expected_version: int | None = None,
    today: date | None = None,
) -> Night:
    """Record the night that began on `night`: `cramps` lists each cramp's
    `duration_min` and `severity` (an empty list is a night without cramps; None a
    night the participant could not report). A participant records a night once,
    within the last PARTICIPANT_DAYS_BACK days; staff correct a recorded night with a
    reason (and the `expected_version` they saw)."""
    participant = _locked_participant(participant)
    today = today or timezone.localdate()
    if source not in NightSource.values:
        raise InvalidValue("source: not one of " + ", ".join(NightSource.values), field="source")
    if not isinstance(night, date):
        raise InvalidValue("night: enter a date.", field="night")
    typed = _typed_cramps(cramps) if cramps is not None else []
    values = {
        "night": night,
        "reported": cramps is not None,
        "cramps": len(typed) if cramps is not None else None,
        "source": source,
    }
    record_check(NIGHT, values, context=night_context(participant), today=today)
    if source == NightSource.PARTICIPANT and night < today - timedelta(days=PARTICIPANT_DAYS_BACK):
        raise RuleConflict(
            f"Only the last {PARTICIPANT_DAYS_BACK} nights can be filled in here; tell the "
            "research assistant about older nights at the weekly call.",
            field="night",
        )
    existing = (
        Night.objects.select_for_update().filter(participant=participant, night=night).first()
    )
    if existing is None:
        record = Night(participant=participant)
        apply_changes(record, values, by_user=by_user, reason=reason)
        for position, cramp in enumerate(typed, start=1):
            event = CrampEvent(night=record, position=position)
            apply_changes(event, cramp, by_user=by_user, reason=reason)
        _confirmed_weeks_recheck(participant, night)
        return record
    if source == NightSource.PARTICIPANT:
        raise RuleConflict(
            "This night is already in the diary. To change it, tell the research "
            "assistant at the weekly call.",
            field="night",
        )
    ensure_current(existing, expected_version, fields=("reported", "cramps"))
    events = list(existing.cramp_events.order_by("position"))
    night_changed = any(getattr(existing, k) != v for k, v in values.items() if k != "source")
    if not night_changed and _same(events, typed):
        return existing
    reason = free_text(reason)
    if not reason:
        raise ReasonRequired(
            f"A reason is required to change the night of {night} (it was already recorded).",
            field="reason",
        )
    for event in events[len(typed) :]:
        event._change_reason = reason
        event._history_user = by_user
        event.delete()
    for position, cramp in enumerate(typed, start=1):
        event = events[position - 1] if position <= len(events) else None
        if event is None:
            event = CrampEvent(night=existing, position=position)
        apply_changes(event, cramp, by_user=by_user, reason=reason)
    # The night keeps who entered it; the history says who corrected it. Its version
    # counts every change, its cramps' included.
    values.pop("source")
    apply_changes(existing, values, by_user=by_user, reason=reason)
    _confirmed_weeks_recheck(participant, night)
    return existing


def _confirmed_weeks_recheck(participant: Participant, night: date) -> None:
    """Run the edit checks of the week a night belongs to when the call confirmed that
    week from the diary: a night entered or corrected since raises a query
    (diary_changed_after_confirmation) instead of leaving the week silently stale."""
    from diary.selectors.casebook import clinical_record
    from diary.services.queries import record_checks_run

    weeks = DiaryWeek.objects.filter(
        participant=participant, reached=True, source=WeekSource.DIARY
    ).select_related("protocol_week", "participant__trial")
    for week in weeks:
        phase = week.protocol_week.phase
        start = (
            participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on
        )
        if start is not None and night in week_nights(start=start, week=week.protocol_week.week):
            record_checks_run(kind=clinical_record("diary"), instance=week)
