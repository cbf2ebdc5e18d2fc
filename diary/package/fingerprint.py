"""The fingerprint of a randomization list: the SHA-256 of its canonical file,
which is the list's allocation.csv as an export writes it (rows in bottle order;
the `is_spare` column only for a list with spares), so `sha256sum allocation.csv`
of an unblinded export shows the same value."""

import hashlib
from collections.abc import Iterable

from diary.package.schema import ALLOCATION, FILES
from diary.package.writer import csv_bytes


def list_fingerprint(entries: Iterable[dict]) -> str:
    """entries: dicts with bottle_number, arm_code and optionally block, stratum, is_spare."""
    rows = sorted(entries, key=lambda e: e["bottle_number"])
    spares = any(e.get("is_spare") for e in rows)
    columns = [c for c in FILES[ALLOCATION].columns if spares or c.name != "is_spare"]
    data = csv_bytes(
        [c.name for c in columns],
        [c.kind for c in columns],
        ([e.get(c.name) for c in columns] for e in rows),
    )
    return hashlib.sha256(data).hexdigest()
