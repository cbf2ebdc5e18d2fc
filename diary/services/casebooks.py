"""A participant's casebook in the write path: every change of one of their clinical
records, through whichever service, is seen here.

Before the change (`record_change_begin`, called by diary.services.audit): the
casebook's row is locked (so signing, locking and a change never cross), and a
locked casebook refuses the change (CasebookLocked, a 409 in the API): every door
refuses because every door writes through the services.

After it (`record_change_done`): the casebook's version counts one more change; a
source data verification mark of a changed value is cleared, saying what changed;
a valid signature becomes invalid, saying what changed, and a new one is asked for;
the record's edit checks run and raise (or withdraw) their queries.

Signing (investigators, with their password again, 21 CFR 11.200) binds the
signature to the SHA-256 of the casebook's content (11.70) and records the signer's
printed name, the date and time and the meaning (11.50). A coordinator may lock a
signed casebook and unlock it with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from diary.errors import AccessDenied, CasebookLocked, InvalidValue, ReasonRequired, RuleConflict
from diary.models import Casebook, CasebookEvent, Participant, Signature
from diary.roles import CASEBOOK_LOCK_ROLES, SIGNING_ROLES, role_of
from diary.selectors.casebook import (
    ClinicalRecord,
    casebook_digests,
    clinical_record_for_model,
    record_label,
    shown,
)
from diary.selectors.scoping import participants_for
from diary.services.audit import ensure_current
from diary.services.reauth import password_reentry_check

# Stored with each signature in English (the record); the form shows it translated.
SIGNATURE_MEANING = gettext_noop("I have reviewed these data and they are accurate.")
REASON_MAX = 2000


def casebook_for_update(participant_id: int) -> Casebook:
    """The participant's casebook row, locked (created the first time)."""
    casebook = Casebook.objects.select_for_update().filter(participant_id=participant_id).first()
    if casebook is not None:
        return casebook
    try:
        with transaction.atomic():
            Casebook.objects.create(participant_id=participant_id)
    except IntegrityError:  # made by a simultaneous change a moment ago
        pass
    return Casebook.objects.select_for_update().get(participant_id=participant_id)


def ensure_casebook_open(casebook: Casebook) -> None:
    if casebook.is_locked:
        pid = casebook.participant.participant_id
        raise CasebookLocked(
            f"The casebook of {pid} is locked (since "
            f"{timezone.localtime(casebook.locked_at):%Y-%m-%d %H:%M}); no value can change "
            "until a coordinator unlocks it with a reason."
        )


# -- the write path ------------------------------------------------------------------


@dataclass
class Change:
    kind: ClinicalRecord
    participant_id: int
    fields: list[str]
    before: dict


def record_change_begin(instance, changed: list[str]) -> Change | None:
    """Called before a clinical record is saved with `changed` fields (an empty list
    for a new record): lock the casebook, refuse when it is locked. None for a change
    that touches no declared value of a participant's record."""
    kind = clinical_record_for_model(instance)
    if kind is None:
        return None
    new = instance.pk is None
    # A new record's values are all "added": nothing of it changed.
    fields = [] if new else [name for name in changed if name in kind.value_names]
    if not new and not fields:
        return None
    participant_id = kind.participant_of(instance)
    if participant_id is None:
        return None  # a screening record of a candidate not enrolled
    ensure_casebook_open(casebook_for_update(participant_id))
    before = {} if new else {name: getattr(instance, name) for name in fields}
    return Change(kind, participant_id, fields, before)


def record_change_done(change: Change | None, instance, *, by_user) -> None:
    """Called after the record was saved: see the module's docstring."""
    if change is None:
        return
    from diary.services.queries import record_checks_run
    from diary.services.sdv import sdv_marks_clear

    kind = change.kind
    Casebook.objects.filter(participant_id=change.participant_id).update(version=F("version") + 1)
    label = record_label(kind, instance)
    now = timezone.now()
    if change.fields:
        sdv_marks_clear(kind=kind, instance=instance, before=change.before, by_user=by_user, at=now)
        what = ", ".join(
            f"{kind.value(name).label.lower()} {_quoted(change.before[name])} -> "
            f"{_quoted(getattr(instance, name))}"
            for name in change.fields
        )
    else:
        what = "added"
    who = by_user.get_username() if by_user is not None else "the system"
    note = f"Changed after signing: {label}: {what} (by {who})."
    signatures_invalidate(participant_id=change.participant_id, note=note, by_user=by_user, at=now)
    record_checks_run(kind=kind, instance=instance)


def _quoted(value) -> str:
    text = shown(value)
    return f"'{text}'" if text else "empty"


def signatures_invalidate(*, participant_id: int, note: str, by_user, at=None) -> int:
    """Mark the participant's valid signatures invalid, saying why."""
    at = at or timezone.now()
    valid = list(
        Signature.objects.filter(participant_id=participant_id, invalidated_at__isnull=True)
    )
    for signature in valid:
        Signature.objects.filter(pk=signature.pk).update(
            invalidated_at=at, invalidated_note=note[:REASON_MAX]
        )
        CasebookEvent.objects.create(
            participant_id=participant_id,
            kind=CasebookEvent.Kind.INVALIDATED,
            at=at,
            by_user=by_user,
            signature=signature,
            note=note[:REASON_MAX],
        )
    return len(valid)


# -- signing -------------------------------------------------------------------------


def _in_scope(participant: Participant, by_user) -> None:
    if not participants_for(by_user).filter(pk=participant.pk).exists():
        raise AccessDenied(f"{participant.participant_id} is not at one of your sites.")


def casebook_sign(
    *,
    participant: Participant,
    password: str,
    by_user,
    expected_version: int | None = None,
    request=None,
) -> Signature:
    """The investigator signs the participant's casebook, with their password again
    (a login attempt: django-axes limits it, diary.services.reauth), checked before
    anything is written. `expected_version` is the casebook version the investigator
    reviewed: a change since then is refused (StaleRecord)."""
    if role_of(by_user) not in SIGNING_ROLES:
        raise AccessDenied("Only an investigator signs a casebook.")
    _in_scope(participant, by_user)
    password_reentry_check(user=by_user, password=password, request=request)
    return _sign(participant=participant, by_user=by_user, expected_version=expected_version)


@transaction.atomic
def _sign(*, participant: Participant, by_user, expected_version) -> Signature:
    casebook = casebook_for_update(participant.pk)
    ensure_current(casebook, expected_version)
    current = Signature.objects.filter(participant=participant, invalidated_at__isnull=True).first()
    if current is not None:
        raise RuleConflict(
            f"The casebook of {participant.participant_id} was signed by "
            f"{current.signer_name} on {timezone.localtime(current.signed_at):%Y-%m-%d %H:%M} "
            "and has not changed since.",
            field="password",
        )
    digest = casebook_digests([participant.pk])[participant.pk]
    now = timezone.now()
    signature = Signature.objects.create(
        participant=participant,
        signed_by=by_user,
        signer_name=(by_user.get_full_name() or by_user.get_username())[:300],
        meaning=SIGNATURE_MEANING,
        signed_at=now,
        content_sha256=digest,
        casebook_version=casebook.version,
    )
    CasebookEvent.objects.create(
        participant=participant,
        kind=CasebookEvent.Kind.SIGNED,
        at=now,
        by_user=by_user,
        signature=signature,
        note=f"{SIGNATURE_MEANING} SHA-256 {digest}",
    )
    return signature


# -- the casebook's lock -------------------------------------------------------------


def _ensure_lock_role(by_user) -> None:
    if role_of(by_user) not in CASEBOOK_LOCK_ROLES:
        raise AccessDenied("Only a coordinator locks or unlocks a casebook.")


@transaction.atomic
def casebook_lock(
    *, participant: Participant, by_user, note: str = "", expected_version: int | None = None
) -> Casebook:
    """Lock a signed casebook: no value of the participant's records changes until it
    is unlocked."""
    _ensure_lock_role(by_user)
    _in_scope(participant, by_user)
    casebook = casebook_for_update(participant.pk)
    ensure_current(casebook, expected_version)
    pid = participant.participant_id
    if casebook.is_locked:
        raise RuleConflict(f"The casebook of {pid} is already locked.")
    from diary.selectors.datamgmt import signature_state

    state = signature_state(participant)
    if not state.valid:
        raise RuleConflict(
            f"The casebook of {pid} has no valid signature: the investigator signs it first.",
        )
    now = timezone.now()
    Casebook.objects.filter(pk=casebook.pk).update(locked_at=now, locked_by=by_user)
    CasebookEvent.objects.create(
        participant=participant,
        kind=CasebookEvent.Kind.LOCKED,
        at=now,
        by_user=by_user,
        note=_text(note, "note"),
    )
    casebook.refresh_from_db()
    return casebook


@transaction.atomic
def casebook_unlock(
    *, participant: Participant, reason: str, by_user, expected_version: int | None = None
) -> Casebook:
    """Unlock a casebook to correct it, with the reason (recorded)."""
    _ensure_lock_role(by_user)
    _in_scope(participant, by_user)
    reason = _text(reason, "reason")
    if not reason:
        raise ReasonRequired(
            gettext_noop("Give the reason for unlocking the casebook."), field="reason"
        )
    casebook = casebook_for_update(participant.pk)
    ensure_current(casebook, expected_version)
    if not casebook.is_locked:
        raise RuleConflict(f"The casebook of {participant.participant_id} is not locked.")
    Casebook.objects.filter(pk=casebook.pk).update(locked_at=None, locked_by=None)
    CasebookEvent.objects.create(
        participant=participant,
        kind=CasebookEvent.Kind.UNLOCKED,
        by_user=by_user,
        note=reason,
    )
    casebook.refresh_from_db()
    return casebook


def _text(value: str, field: str) -> str:
    from diary.declarations import control_characters

    value = (value or "").strip()
    if len(value) > REASON_MAX:
        raise InvalidValue(f"Use at most {REASON_MAX} characters.", field=field)
    if control_characters(value) or "\x00" in value:
        raise InvalidValue(
            "Remove the control characters; only tabs and line breaks are allowed.", field=field
        )
    return value


def casebook_version(participant_id: int) -> int:
    casebook = Casebook.objects.filter(participant_id=participant_id).first()
    return casebook.version if casebook else 1
