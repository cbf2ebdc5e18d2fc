"""The rules every write of a clinical record goes through.

- The trial's lock: no clinical value changes once the database is locked.
- The record's declaration (diary.declarations): every value's limits and the rules
  within and across records, all problems reported at once, named by field.
- No lost update: a change based on an out-of-date form or API representation (an
  older `version`) is refused, showing the current values.
- The audit rule: a value may be entered freely the first time; changing a value
  already entered needs a reason, stored with the history row.
- The participant's casebook (diary.services.casebooks): a locked casebook refuses
  every change of its records; a change clears the verification marks of the values
  it changes, makes a signature invalid and runs the record's edit checks.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_noop

from diary.declarations import Context, Record, control_characters
from diary.errors import InvalidValue, ReasonRequired, RuleConflict, StaleRecord, TrialLocked

EMPTY = (None, "")


def ensure_trial_open(trial) -> None:
    """No clinical data changes once the database is locked."""
    if trial.is_locked:
        raise TrialLocked(gettext_noop("The trial database is locked; no data can be changed."))


def _shown(value) -> str:
    if value in EMPTY:
        return "empty"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def ensure_current(
    instance: models.Model, expected_version: int | None, *, fields: Iterable[str] = ()
) -> None:
    """Refuse a change made from an out-of-date copy of the record (StaleRecord, with
    the current values of `fields` in the message). None skips the check."""
    if expected_version is None or int(expected_version) == instance.version:
        return
    current = "; ".join(f"{name} {_shown(getattr(instance, name))}" for name in fields)
    raise StaleRecord(
        f"This record was changed by someone else after you opened it (version "
        f"{instance.version}, not {expected_version}); nothing was saved. "
        + (f"Current values: {current}. " if current else "")
        + "Reload it, check the values, and enter your change again.",
        field="version",
        current={name: getattr(instance, name) for name in fields},
        version=instance.version,
    )


def record_check(
    record: Record,
    values: Mapping,
    *,
    context: Context | None = None,
    today: date | None = None,
) -> None:
    """Refuse values that break the record's declaration, listing every problem by
    field. A value outside its own limits is an InvalidValue (the API's schema states
    those limits); a broken rule between values, or with other records, the protocol
    or the date (a resolution before the onset, a call before its week began, a date
    in the future) is a RuleConflict."""
    own = record.errors(values, today=today, current=False, rules=False)
    if own:
        raise _invalid(InvalidValue, own)
    conflicts = record.errors(values, context=context or Context(), today=today)
    if conflicts:
        raise _invalid(RuleConflict, conflicts)


def _invalid(kind: type[InvalidValue], errors: dict[str, list[str]]) -> InvalidValue:
    field, messages = next(iter(errors.items()))
    return kind(f"{field}: {messages[0]}", field=field, errors=errors)


def corrected_fields(
    instance: models.Model, changes: Mapping[str, Any], *, bookkeeping=()
) -> list[str]:
    """The fields whose already-entered value the changes would overwrite. A recorded
    0 or False is an entered value like any other.

    Bookkeeping fields (attempt counters, status flags the service itself moves
    forward) are not clinical values and need no reason.
    """
    if instance.pk is None:
        return []
    return [
        name
        for name, new in changes.items()
        if name not in bookkeeping
        and getattr(instance, name) not in EMPTY
        and getattr(instance, name) != new
    ]


def full_clean_or_raise(instance: models.Model, *, exclude=None) -> None:
    """Model validation, re-raised as the domain's InvalidValue with per-field messages."""
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=False)
    except ValidationError as exc:
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    # PostgreSQL cannot store a NUL character: refuse it as bad input, not a crash.
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if isinstance(value, str) and "\x00" in value:
            errors.setdefault(field.name, []).append("Null characters are not allowed.")
    if errors:
        first_field, first_messages = next(iter(errors.items()))
        label = "" if first_field == "__all__" else f"{first_field}: "
        raise InvalidValue(f"{label}{first_messages[0]}", errors=errors)


def free_text(text: str | None, *, field: str = "reason") -> str:
    """A free text staff give (a reason, a note, a query's text), stripped; refused
    (InvalidValue naming `field`) when it holds a control character other than tab and
    line break, as every clinical text is (diary.declarations.base.FORBIDDEN_RANGES)."""
    text = (text or "").strip()
    bad = control_characters(text)
    if bad:
        codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in bad}))
        raise InvalidValue(
            f"Remove the control characters ({codes}); only tabs and line breaks are allowed.",
            field=field,
        )
    return text


def apply_changes(
    instance: models.Model,
    changes: Mapping[str, Any],
    *,
    by_user,
    reason: str = "",
    bookkeeping=(),
) -> list[str]:
    """Set the changes on the instance and save it with its history row, counting one
    more version.

    Returns the names of the fields that changed. Refuses a correction of an
    entered value without a reason.
    """
    reason = free_text(reason)
    corrected = corrected_fields(instance, changes, bookkeeping=bookkeeping)
    if corrected and not reason:
        raise ReasonRequired(
            "A reason is required to change "
            + ", ".join(corrected)
            + " (the value was already entered).",
            field="reason",
        )
    changed = [name for name, new in changes.items() if getattr(instance, name) != new]
    from diary.services.casebooks import record_change_begin, record_change_done

    casebook_change = record_change_begin(instance, changed)
    for name, value in changes.items():
        setattr(instance, name, value)
    full_clean_or_raise(instance)
    instance._change_reason = reason or None
    if by_user is not None:
        instance._history_user = by_user
    if hasattr(instance, "version") and instance.pk is not None:
        instance.version += 1
    instance.save()
    record_change_done(casebook_change, instance, by_user=by_user)
    return changed


def record_save_new(instance: models.Model, *, by_user) -> models.Model:
    """Save a new clinical record with its history row, through the participant's
    casebook like every change (refused when the casebook is locked)."""
    from diary.services.casebooks import record_change_begin, record_change_done

    casebook_change = record_change_begin(instance, [])
    if by_user is not None:
        instance._history_user = by_user
    instance.save()
    record_change_done(casebook_change, instance, by_user=by_user)
    return instance
