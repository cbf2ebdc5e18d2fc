"""The audit trail of the clinical records, read from their simple_history tables
in bulk: who changed what, when, why, each changed field's old and new value.

The arms' history is left out: an arm's code and label must not travel with an
audit trail that blinded staff may read.
"""

import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model

from diary.models import (
    AdverseEvent,
    CrampEvent,
    DiaryPreferences,
    DiaryWeek,
    Night,
    Participant,
    RandomizationList,
    ScreeningRecord,
    Site,
    Trial,
)

AUDITED_MODELS = (
    Trial,
    Site,
    ScreeningRecord,
    Participant,
    RandomizationList,
    DiaryWeek,
    AdverseEvent,
    Night,
    CrampEvent,
    DiaryPreferences,
)
AUDIT_COLUMNS = (
    "model",
    "object_id",
    "history_id",
    "history_date",
    "user",
    "type",
    "change_reason",
    "changes",
)
TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _tracked_fields(model) -> list[str]:
    """The fields whose values the history keeps, without the row's own id, the
    timestamps the database moves by itself and the version counter."""
    kept = {f.attname for f in model.history.model._meta.concrete_fields}
    return [
        f.attname
        for f in model._meta.concrete_fields
        if f.attname in kept
        and f.attname != "version"
        and not f.primary_key
        and not getattr(f, "auto_now", False)
        and not getattr(f, "auto_now_add", False)
    ]


def audit_trail_rows(*, models=AUDITED_MODELS) -> Iterator[tuple[str, ...]]:
    """One row per history record (columns AUDIT_COLUMNS), by model, object and time.

    `changes` lists `field: old -> new` for a change, `field: value` for the
    non-empty values of a creation."""
    users = dict(get_user_model().objects.values_list("pk", "username"))
    for model in models:
        label = model._meta.label_lower
        fields = _tracked_fields(model)
        records = (
            model.history.model.objects.order_by("id", "history_date", "history_id")
            .values_list(
                "id",
                "history_id",
                "history_date",
                "history_user_id",
                "history_type",
                "history_change_reason",
                *fields,
            )
            .iterator(chunk_size=5000)
        )
        previous_id, previous = None, None
        for object_id, history_id, when, user_id, kind, reason, *values in records:
            if kind == "+" or object_id != previous_id or previous is None:
                changes = [
                    f"{f}: {_show(v)}"
                    for f, v in zip(fields, values, strict=True)
                    if v not in (None, "")
                ]
            else:
                changes = [
                    f"{f}: {_show(old)} -> {_show(new)}"
                    for f, old, new in zip(fields, previous, values, strict=True)
                    if old != new
                ]
            if kind == "-":
                changes = []
            yield (
                label,
                str(object_id),
                str(history_id),
                when.isoformat(),
                users.get(user_id, ""),
                TYPES.get(kind, kind),
                reason or "",
                "; ".join(changes),
            )
            previous_id, previous = object_id, values
