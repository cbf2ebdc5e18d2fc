"""Adverse events: recorded as reported, corrected only with a reason. A serious one
(recorded serious, or made serious by a change) is alerted once it is committed."""

from datetime import date

from django.db import transaction

from diary.errors import InvalidValue
from diary.models import AdverseEvent, Participant
from diary.services.alerts import sae_alerts_queue
from diary.services.audit import apply_changes, ensure_trial_open, full_clean_or_raise

AE_FIELDS = ("onset_on", "term", "serious", "grade", "relatedness", "outcome", "resolved_on")


def _check_dates(participant: Participant, onset_on: date, resolved_on: date | None) -> None:
    if onset_on < participant.consented_on:
        raise InvalidValue("The onset cannot be before consent.", field="onset_on")
    if resolved_on and resolved_on < onset_on:
        raise InvalidValue("The resolution cannot be before the onset.", field="resolved_on")


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
    _check_dates(participant, onset_on, resolved_on)
    event = AdverseEvent(
        participant=participant,
        onset_on=onset_on,
        term=(term or "").strip(),
        serious=serious,
        grade=grade,
        relatedness=relatedness,
        outcome=(outcome or "").strip(),
        resolved_on=resolved_on,
    )
    full_clean_or_raise(event, exclude=["participant"])
    event._history_user = by_user
    event.save()
    if event.serious:
        sae_alerts_queue(event_ids=[event.pk])
    return event


@transaction.atomic
def adverse_event_update(
    *, event: AdverseEvent, changes: dict, by_user, reason: str = ""
) -> list[str]:
    unknown = sorted(set(changes) - set(AE_FIELDS))
    if unknown:
        raise InvalidValue("Unknown fields: " + ", ".join(unknown) + ".", field=unknown[0])
    event = (
        AdverseEvent.objects.select_for_update()
        .select_related("participant__trial")
        .get(pk=event.pk)
    )
    ensure_trial_open(event.participant.trial)
    _check_dates(
        event.participant,
        changes.get("onset_on", event.onset_on),
        changes.get("resolved_on", event.resolved_on),
    )
    was_serious = event.serious
    changed = apply_changes(event, changes, by_user=by_user, reason=reason)
    if event.serious and not was_serious:
        sae_alerts_queue(event_ids=[event.pk])
    return changed
