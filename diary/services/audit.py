"""The audit rule: a value may be entered freely the first time; changing a value
already entered needs a reason, which is stored with the history row."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from diary.errors import InvalidValue, ReasonRequired, TrialLocked

EMPTY = (None, "")


def ensure_trial_open(trial) -> None:
    """No clinical data changes once the database is locked."""
    if trial.is_locked:
        raise TrialLocked("The trial database is locked; no data can be changed.")


def corrected_fields(
    instance: models.Model, changes: Mapping[str, Any], *, bookkeeping=()
) -> list[str]:
    """The fields whose already-entered value the changes would overwrite.

    Bookkeeping fields (attempt counters, call dates, status flags the service
    itself moves forward) are not clinical values and need no reason.
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


def apply_changes(
    instance: models.Model,
    changes: Mapping[str, Any],
    *,
    by_user,
    reason: str = "",
    bookkeeping=(),
) -> list[str]:
    """Set the changes on the instance and save it with its history row.

    Returns the names of the fields that changed. Refuses a correction of an
    entered value without a reason.
    """
    reason = (reason or "").strip()
    corrected = corrected_fields(instance, changes, bookkeeping=bookkeeping)
    if corrected and not reason:
        raise ReasonRequired(
            "A reason is required to change "
            + ", ".join(corrected)
            + " (the value was already entered).",
            field="reason",
        )
    changed = [name for name, new in changes.items() if getattr(instance, name) != new]
    for name, value in changes.items():
        setattr(instance, name, value)
    full_clean_or_raise(instance)
    instance._change_reason = reason or None
    if by_user is not None:
        instance._history_user = by_user
    instance.save()
    return changed
