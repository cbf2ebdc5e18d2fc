"""The fingerprint of an imported randomization list: the trial's one canonical
list fingerprint (diary.randomization.listfile), which is the SHA-256 of the
list's allocation.csv as an export writes it."""

from collections.abc import Iterable

from diary.randomization.design import ListRow
from diary.randomization.listfile import fingerprint


def list_rows(entries: Iterable[dict]) -> list[ListRow]:
    """entries: dicts with bottle_number, arm_code and optionally block, stratum, is_spare."""
    return [
        ListRow(
            bottle_number=e["bottle_number"],
            arm_code=e["arm_code"],
            block=e.get("block"),
            stratum=e.get("stratum") or "",
            is_spare=bool(e.get("is_spare")),
        )
        for e in entries
    ]


def list_fingerprint(entries: Iterable[dict]) -> str:
    return fingerprint(list_rows(entries))
