"""Changes to a participant: baseline characteristics, contact details, stopping the
study product, withdrawal. Values and rules: diary.declarations.PARTICIPANT."""

from datetime import date

from django.db import transaction

from diary.declarations import PARTICIPANT, Context
from diary.declarations.records import BASELINE_FIELDS, CONTACT_FIELDS, week_start
from diary.errors import InvalidValue, RuleConflict
from diary.models import Participant, Phase
from diary.services.audit import apply_changes, ensure_current, ensure_trial_open, record_check

EDITABLE_FIELDS = (*BASELINE_FIELDS, *CONTACT_FIELDS)

__all__ = [
    "BASELINE_FIELDS",
    "EDITABLE_FIELDS",
    "participant_context",
    "participant_treatment_stop",
    "participant_update",
    "participant_withdraw",
]


def participant_context(participant: Participant) -> Context:
    """What the rules across records need to know of a participant."""
    return Context(
        {
            "site_code": participant.site.code,
            "site_prefix": participant.trial.site_prefixed_ids,
            "screened_on": participant.screening.screened_on,
        }
    )


def _values_after(participant: Participant, changes: dict) -> dict:
    values = {name: getattr(participant, name) for name in PARTICIPANT.names}
    values.update(changes)
    return values


def _locked(participant: Participant) -> Participant:
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("trial", "site", "screening")
        .get(pk=participant.pk)
    )
    ensure_trial_open(participant.trial)
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    changes: dict,
    by_user,
    reason: str = "",
    expected_version: int | None = None,
) -> list[str]:
    """Enter or correct baseline characteristics and contact details."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidValue(
            "These fields cannot be changed here: " + ", ".join(unknown) + ".", field=unknown[0]
        )
    participant = _locked(participant)
    ensure_current(participant, expected_version, fields=tuple(changes))
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    record_check(
        PARTICIPANT, _values_after(participant, changes), context=participant_context(participant)
    )
    return apply_changes(participant, changes, by_user=by_user, reason=reason)


@transaction.atomic
def participant_withdraw(
    *,
    participant: Participant,
    withdrawn_on: date,
    reason: str,
    by_user,
    expected_version: int | None = None,
) -> Participant:
    """Record a withdrawal (the end of follow-up). Data already collected stay and
    count (intention to treat)."""
    participant = _locked(participant)
    ensure_current(participant, expected_version, fields=("withdrawn_on",))
    if participant.withdrawn_on:
        raise RuleConflict(
            f"{participant.participant_id} already withdrew on {participant.withdrawn_on}.",
            field="withdrawn_on",
        )
    if not (reason or "").strip():
        raise InvalidValue("Give the reason for the withdrawal.", field="withdrawal_reason")
    start = participant.randomized_on or participant.consented_on
    if withdrawn_on < start:
        raise RuleConflict(f"The withdrawal date cannot be before {start}.", field="withdrawn_on")
    changes = {"withdrawn_on": withdrawn_on, "withdrawal_reason": reason.strip()}
    if participant.treatment_stopped_on and participant.treatment_stopped_on > withdrawn_on:
        raise RuleConflict(
            f"The study product was stopped on {participant.treatment_stopped_on}, after "
            f"{withdrawn_on}; a withdrawal cannot come before it.",
            field="withdrawn_on",
        )
    _ensure_nothing_recorded_after(participant, withdrawn_on)
    record_check(
        PARTICIPANT, _values_after(participant, changes), context=participant_context(participant)
    )
    apply_changes(participant, changes, by_user=by_user, reason="withdrawal")
    return participant


def _ensure_nothing_recorded_after(participant: Participant, withdrawn_on: date) -> None:
    """A withdrawal cannot be dated before what was recorded of the follow-up: a week
    reached that began after it, or a night of the diary after it. Entry and import
    refuse those after a withdrawal, so the data would no longer meet their rules."""
    pid = participant.participant_id
    for phase, week in participant.diary_weeks.filter(reached=True).values_list(
        "protocol_week__phase", "protocol_week__week"
    ):
        start = (
            participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on
        )
        began = week_start(start=start, week=week)
        if began > withdrawn_on:
            raise RuleConflict(
                f"{pid}'s {phase} week {week} began on {began} and was reached; the "
                f"withdrawal cannot be dated before it ({withdrawn_on}).",
                field="withdrawn_on",
            )
    night = (
        participant.nights.filter(night__gt=withdrawn_on)
        .order_by("-night")
        .values_list("night", flat=True)
        .first()
    )
    if night is not None:
        raise RuleConflict(
            f"{pid}'s diary holds the night of {night}; the withdrawal cannot be dated "
            f"before it ({withdrawn_on}).",
            field="withdrawn_on",
        )


@transaction.atomic
def participant_treatment_stop(
    *,
    participant: Participant,
    stopped_on: date,
    reason: str,
    by_user,
    expected_version: int | None = None,
) -> Participant:
    """Record that the participant stopped taking the study product while staying in
    follow-up: their later weeks are still scheduled, called and analysed as observed
    (the treatment-policy strategy)."""
    participant = _locked(participant)
    ensure_current(participant, expected_version, fields=("treatment_stopped_on",))
    pid = participant.participant_id
    if participant.randomized_on is None:
        raise RuleConflict(f"{pid} is not randomized; there is no study product to stop.")
    if participant.treatment_stopped_on:
        raise RuleConflict(
            f"{pid} already stopped the study product on {participant.treatment_stopped_on}.",
            field="treatment_stopped_on",
        )
    if not (reason or "").strip():
        raise InvalidValue(
            "Give the reason the study product was stopped.", field="treatment_stop_reason"
        )
    changes = {"treatment_stopped_on": stopped_on, "treatment_stop_reason": reason.strip()}
    record_check(
        PARTICIPANT, _values_after(participant, changes), context=participant_context(participant)
    )
    apply_changes(participant, changes, by_user=by_user, reason="study product stopped")
    return participant
