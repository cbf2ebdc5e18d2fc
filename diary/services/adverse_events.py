"""Adverse events: recorded as reported, corrected only with a reason. A serious one
(recorded serious, or made serious by a change) is alerted once it is committed.
Values and rules: diary.declarations.ADVERSE_EVENT."""

from datetime import date

from django.db import transaction

from diary.declarations import ADVERSE_EVENT, Context
from diary.errors import InvalidValue
from diary.models import AdverseEvent, Participant
from diary.services.alerts import sae_alerts_queue
from diary.services.audit import (
    apply_changes,
    ensure_current,
    ensure_trial_open,
    full_clean_or_raise,
    record_check,
    record_save_new,
)

AE_FIELDS = ADVERSE_EVENT.names


def _context(participant: Participant) -> Context:
    return Context({"consented_on": participant.consented_on})


def _clean(values: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}


@transaction.atomic
def adverse_event_record(
    *,
    participant: Participant,
    onset_on: date,
    term: str,
    serious: bool,
    grade: str,
    relatedness: str,
    outcome: str = "",
    resolved_on: date | None = None,
    by_user,
) -> AdverseEvent:
    ensure_trial_open(participant.trial)
    values = _clean(
        {
            "onset_on": onset_on,
            "term": term or "",
            "serious": serious,
            "grade": grade,
            "relatedness": relatedness,
            "outcome": outcome or "",
            "resolved_on": resolved_on,
        }
    )
    record_check(ADVERSE_EVENT, values, context=_context(participant))
    event = AdverseEvent(participant=participant, **values)
    full_clean_or_raise(event, exclude=["participant"])
    record_save_new(event, by_user=by_user)
    if event.serious:
        sae_alerts_queue(event_ids=[event.pk])
    return event


@transaction.atomic
def adverse_event_update(
    *,
    event: AdverseEvent,
    changes: dict,
    by_user,
    reason: str = "",
    expected_version: int | None = None,
) -> list[str]:
    unknown = sorted(set(changes) - set(AE_FIELDS))
    if unknown:
        raise InvalidValue("Unknown fields: " + ", ".join(unknown) + ".", field=unknown[0])
    event = (
        AdverseEvent.objects.select_for_update(of=("self",))
        .select_related("participant__trial")
        .get(pk=event.pk)
    )
    ensure_trial_open(event.participant.trial)
    ensure_current(event, expected_version, fields=tuple(changes))
    changes = _clean(changes)
    values = {name: getattr(event, name) for name in AE_FIELDS} | changes
    record_check(ADVERSE_EVENT, values, context=_context(event.participant))
    was_serious = event.serious
    changed = apply_changes(event, changes, by_user=by_user, reason=reason)
    if event.serious and not was_serious:
        sae_alerts_queue(event_ids=[event.pk])
    return changed
