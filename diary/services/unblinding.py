"""Unblinding: one participant in an emergency, or the whole trial after the database
is locked. Both are audited (who, when, why).

Emergency unblinding: an investigator gives a reason and their password again; the
arm is returned once, to be shown to that investigator in the response to the
request and never stored anywhere a page could show it again. Coordinators and the
unblinded statistician are told by email (a Celery task), without the arm.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from diary.crypto import open_arm
from diary.errors import AccessDenied, InvalidValue, ReasonRequired
from diary.models import (
    EmergencyUnblinding,
    ListEntry,
    OutboxMessage,
    Participant,
    Trial,
    TrialEvent,
)
from diary.roles import Role, is_unblinded, role_of
from diary.selectors.recipients import EMERGENCY_AUDIENCE, emergency_notice_recipients
from diary.selectors.scoping import participants_for
from diary.services.audit import apply_changes, free_text
from diary.services.outbox import email_message, outbox_send
from diary.services.reauth import password_reentry_check

logger = logging.getLogger(__name__)


def _reason(reason: str) -> str:
    reason = free_text(reason)
    if not reason:
        raise ReasonRequired(gettext_noop("Give the reason for unblinding."), field="reason")
    return reason


@dataclass(frozen=True)
class EmergencyReveal:
    """What the requesting investigator is shown, once."""

    unblinding: EmergencyUnblinding
    arm_code: str
    arm_label: str


def participant_unblind_emergency(
    *, participant: Participant, reason: str, password: str, by_user, request=None
) -> EmergencyReveal:
    """Unblind one participant for their care. Returns the arm for the requester's
    eyes only; the caller shows it in this response and keeps it nowhere. The
    password re-entry counts as a login attempt from the request's client
    (diary.services.reauth), checked before anything is written."""
    if role_of(by_user) != Role.INVESTIGATOR:
        raise AccessDenied("Only an investigator may request an emergency unblinding.")
    if not participants_for(by_user).filter(pk=participant.pk).exists():
        raise AccessDenied(f"{participant.participant_id} is not at one of your sites.")
    reason = _reason(reason)
    password_reentry_check(user=by_user, password=password, request=request)
    return _unblind_emergency(participant=participant, reason=reason, by_user=by_user)


@transaction.atomic
def _unblind_emergency(*, participant: Participant, reason: str, by_user) -> EmergencyReveal:
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("trial")
        .get(pk=participant.pk)
    )
    pid = participant.participant_id
    if participant.bottle_number is None:
        raise InvalidValue(f"{pid} is not randomized; there is no arm to reveal.")
    earlier = EmergencyUnblinding.objects.filter(participant=participant).first()
    if earlier is not None:
        raise InvalidValue(
            f"{pid} was already unblinded on {earlier.requested_at:%Y-%m-%d %H:%M} by "
            f"{earlier.requested_by}; ask them or the unblinded statistician."
        )
    entry = ListEntry.objects.filter(
        randomization_list__trial=participant.trial, bottle_number=participant.bottle_number
    ).first()
    if entry is None:
        raise InvalidValue(
            f"Bottle {participant.bottle_number} is not on the randomization list; "
            "ask the unblinded statistician."
        )
    arm = participant.trial.arms.get(code=open_arm(entry.arm_sealed))
    now = timezone.now()
    unblinding = EmergencyUnblinding.objects.create(
        participant=participant,
        requested_by=by_user,
        requested_at=now,
        reason=reason,
        shown_at=now,
    )
    apply_changes(
        participant,
        {"emergency_unblinded_at": now},
        by_user=by_user,
        reason=f"emergency unblinding: {reason}"[:100],
        bookkeeping=("emergency_unblinded_at",),
    )
    logger.warning("Emergency unblinding of %s by user %s", pid, by_user.pk)
    from diary.tasks import notify_emergency_unblinding

    transaction.on_commit(lambda: notify_emergency_unblinding.delay(unblinding.pk))
    return EmergencyReveal(unblinding=unblinding, arm_code=arm.code, arm_label=arm.label)


UNBLINDING_KEY = "emergency-unblinding:"


def emergency_unblinding_notify(*, unblinding: EmergencyUnblinding) -> list[str]:
    """Email the coordinators and the unblinded statistician (never the arm), each
    their own message; once, even when the task is retried (the outbox). With nobody to
    tell yet the notice stays pending, and the catch-up schedule sends it once someone
    has an address. Returns the addresses written to now."""
    unblinding = EmergencyUnblinding.objects.select_related(
        "participant__trial", "participant__site", "requested_by"
    ).get(pk=unblinding.pk)
    participant = unblinding.participant
    trial = participant.trial
    subject = f"[{trial.code}] Emergency unblinding of {participant.participant_id}"
    body = (
        f"Participant {participant.participant_id} (site {participant.site.code}) of the "
        f"trial {trial.code} was unblinded in an emergency.\n\n"
        f"By: {unblinding.requested_by.get_full_name() or unblinding.requested_by}\n"
        f"When: {timezone.localtime(unblinding.requested_at):%Y-%m-%d %H:%M %Z}\n"
        f"Reason: {unblinding.reason}\n\n"
        "The allocation was shown to the requesting investigator only. The participant "
        "is flagged as unblinded in the trial's records.\n"
    )

    def compose():
        return [
            email_message(subject=subject, to=[address], text=body)
            for address in emergency_notice_recipients()
        ] or None

    with transaction.atomic():
        sent = outbox_send(
            key=f"{UNBLINDING_KEY}{unblinding.pk}",
            kind=OutboxMessage.Kind.EMERGENCY_UNBLINDING,
            compose=compose,
            subject=subject,
            audience=EMERGENCY_AUDIENCE,
        )
        if sent is None:
            return []
        EmergencyUnblinding.objects.filter(pk=unblinding.pk).update(
            notified_at=sent.sent_at, notified_to=sent.recipients
        )
    return sent.recipients.split(", ")


# ---- the whole trial --------------------------------------------------------------


def _ensure_unblinded_statistician(by_user) -> None:
    if not is_unblinded(by_user):
        raise AccessDenied("Only the unblinded statistician locks, unlocks or unblinds the trial.")


def _event(trial: Trial, kind: str, by_user, reason: str = "") -> TrialEvent:
    return TrialEvent.objects.create(trial=trial, kind=kind, by_user=by_user, reason=reason)


@transaction.atomic
def trial_lock(*, trial: Trial, by_user, reason: str = "", waiver: str = "") -> TrialEvent:
    """Lock the database: from now on no clinical value can change until an unlock.

    Refused while a casebook has no valid signature or a query is not closed
    (diary.selectors.datamgmt.lock_blockers), unless they are waived explicitly with
    a reason (`waiver`), which is recorded with the items it waives."""
    _ensure_unblinded_statistician(by_user)
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    if trial.is_locked:
        raise InvalidValue(f"The database has been locked since {trial.locked_at:%Y-%m-%d}.")
    from diary.errors import LockBlocked
    from diary.models import TrialLockWaiver
    from diary.selectors.datamgmt import lock_blockers

    blockers = lock_blockers(trial)
    waiver = (waiver or "").strip()
    if blockers and not waiver:
        raise LockBlocked(
            f"The database cannot be locked yet: {blockers.summary()}. Have them signed and "
            "closed, or waive them explicitly with a reason.",
            field="waiver",
        )
    apply_changes(
        trial,
        {"locked_at": timezone.now()},
        by_user=by_user,
        reason="database lock",
        bookkeeping=("locked_at",),
    )
    event = _event(trial, TrialEvent.Kind.LOCK, by_user, free_text(reason))
    if blockers:
        TrialLockWaiver.objects.create(
            event=event,
            reason=waiver,
            unsigned_casebooks=blockers.unsigned,
            unresolved_queries=[q.pk for q in blockers.unresolved],
            by_user=by_user,
        )
    return event


@transaction.atomic
def trial_unlock(*, trial: Trial, reason: str, by_user) -> TrialEvent:
    """Unlock the database to correct data, with the reason. Refused once the trial is
    unblinded: data must not change after the allocation is known."""
    _ensure_unblinded_statistician(by_user)
    reason = free_text(reason)
    if not reason:
        raise ReasonRequired(
            gettext_noop("Give the reason for unlocking the database."), field="reason"
        )
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    if not trial.is_locked:
        raise InvalidValue("The database is not locked.")
    if trial.unblinded_at is not None:
        raise InvalidValue("The trial is unblinded; the database stays locked.")
    apply_changes(
        trial,
        {"locked_at": None},
        by_user=by_user,
        reason=f"database unlock: {reason}"[:100],
        bookkeeping=("locked_at",),
    )
    return _event(trial, TrialEvent.Kind.UNLOCK, by_user, reason)


def trial_unblind(
    *, trial: Trial, password: str, by_user, reason: str = "", request=None
) -> TrialEvent:
    """Unblind the whole trial after the database lock; from now on reports may name
    the arms. Needs the password again (a login attempt, diary.services.reauth);
    cannot be undone."""
    _ensure_unblinded_statistician(by_user)
    password_reentry_check(user=by_user, password=password, request=request)
    return _unblind_trial(trial=trial, by_user=by_user, reason=reason)


@transaction.atomic
def _unblind_trial(*, trial: Trial, by_user, reason: str) -> TrialEvent:
    trial = Trial.objects.select_for_update().get(pk=trial.pk)
    if not trial.is_locked:
        raise InvalidValue("Lock the database before unblinding the trial.")
    if trial.unblinded_at is not None:
        raise InvalidValue(f"The trial was unblinded on {trial.unblinded_at:%Y-%m-%d}.")
    apply_changes(
        trial,
        {"unblinded_at": timezone.now()},
        by_user=by_user,
        reason="trial unblinded",
        bookkeeping=("unblinded_at",),
    )
    return _event(trial, TrialEvent.Kind.UNBLIND, by_user, free_text(reason))
