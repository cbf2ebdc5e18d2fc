"""Reads about staff accounts: the record of changes of access as audit-trail rows."""

from collections.abc import Iterator

from diary.models import StaffAccessChange

# The model name staff access changes carry in the audit trail (export_history).
STAFF_ACCESS_MODEL = "staff.access"


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def staff_access_audit_rows() -> Iterator[tuple[str, ...]]:
    """One row per change of staff access, in the columns of the clinical audit trail
    (diary.selectors.audit_trail.AUDIT_COLUMNS): the account's id as object id, who
    changed it and through which door as user, `field: old -> new` as changes."""
    changes = StaffAccessChange.objects.order_by("user_id", "changed_at", "pk").iterator(
        chunk_size=2000
    )
    for change in changes:
        if change.kind == StaffAccessChange.Kind.CREATED:
            shown = [f"username: {change.username}"] + [
                f"{name}: {_shown(new)}" for name, (_, new) in change.changes.items()
            ]
        elif change.kind == StaffAccessChange.Kind.PASSWORD:
            shown = ["password: set"]
        else:
            shown = [
                f"{name}: {_shown(old)} -> {_shown(new)}"
                for name, (old, new) in change.changes.items()
            ]
        yield (
            STAFF_ACCESS_MODEL,
            str(change.user_id or ""),
            str(change.pk),
            change.changed_at.isoformat(),
            f"{change.changed_by_name} via {change.via}",
            change.kind,
            change.reason,
            "; ".join(shown),
        )
