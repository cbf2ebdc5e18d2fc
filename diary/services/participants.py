"""Changes to a participant: baseline characteristics, contact details, withdrawal."""

from datetime import date

from django.db import transaction

from diary.errors import InvalidValue
from diary.models import Participant
from diary.services.audit import apply_changes, ensure_trial_open

BASELINE_FIELDS = (
    "sex",
    "age",
    "height_cm",
    "weight_kg",
    "hypertension",
    "diabetes",
    "creatinine_mg_dl",
)
EDITABLE_FIELDS = (*BASELINE_FIELDS, "phone", "consent_form_version")


@transaction.atomic
def participant_update(
    *, participant: Participant, changes: dict, by_user, reason: str = ""
) -> list[str]:
    """Enter or correct baseline characteristics and contact details."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidValue(
            "These fields cannot be changed here: " + ", ".join(unknown) + ".", field=unknown[0]
        )
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    ensure_trial_open(participant.trial)
    return apply_changes(participant, changes, by_user=by_user, reason=reason)


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, withdrawn_on: date, reason: str, by_user
) -> Participant:
    """Record a withdrawal. Data already collected stay and count (intention to treat)."""
    participant = Participant.objects.select_for_update().get(pk=participant.pk)
    ensure_trial_open(participant.trial)
    if participant.withdrawn_on:
        raise InvalidValue(
            f"{participant.participant_id} already withdrew on {participant.withdrawn_on}.",
            field="withdrawn_on",
        )
    if not (reason or "").strip():
        raise InvalidValue("Give the reason for the withdrawal.", field="withdrawal_reason")
    start = participant.randomized_on or participant.consented_on
    if withdrawn_on < start:
        raise InvalidValue(f"The withdrawal date cannot be before {start}.", field="withdrawn_on")
    apply_changes(
        participant,
        {"withdrawn_on": withdrawn_on, "withdrawal_reason": reason.strip()},
        by_user=by_user,
        reason="withdrawal",
    )
    return participant
