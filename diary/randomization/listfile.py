"""The list as a CSV file: reading an imported list, and the canonical form whose
SHA-256 is the list's fingerprint.

Canonical form: UTF-8, LF line ends, minimal CSV quoting, the header
`bottle_number,arm_code,block,stratum`, one row per bottle in bottle-number order,
`block` empty when there is none. A list with spare bottles has a fifth column,
`is_spare` (0/1). Without spares this is byte for byte the data package's
allocation.csv, so `sha256sum allocation.csv` shows the fingerprint; anyone holding
the list can rebuild the file and check it.
"""

import csv
import hashlib
import io
from collections.abc import Iterable

from diary.csvfiles import csv_writer
from diary.randomization.design import MAX_BOTTLES, ListRow
from diary.validators import is_whole_number

COLUMNS = ("bottle_number", "arm_code", "block", "stratum")
SPARE_COLUMN = "is_spare"
REQUIRED = ("bottle_number", "arm_code")


def canonical_csv(rows: Iterable[ListRow]) -> bytes:
    rows = sorted(rows, key=lambda r: r.bottle_number)
    spares = any(r.is_spare for r in rows)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([*COLUMNS, SPARE_COLUMN] if spares else COLUMNS)
    for row in rows:
        cells = [row.bottle_number, row.arm_code, "" if row.block is None else row.block]
        cells.append(row.stratum)
        if spares:
            cells.append(int(row.is_spare))
        writer.writerow(cells)
    return out.getvalue().encode()


def fingerprint(rows: Iterable[ListRow]) -> str:
    return hashlib.sha256(canonical_csv(rows)).hexdigest()


def _int(text: str) -> int | None:
    text = text.strip()
    if not is_whole_number(text):
        return None
    return int(text)


def parse_csv(data: bytes, *, name: str = "the list") -> tuple[list[ListRow], list[str]]:
    """Rows of an imported list, and every problem found as 'name line N, column C: ...'
    (the header is line 1). Extra columns are ignored."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [f"{name}: the file is not UTF-8 text."]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        return [], [f"{name}: the file is empty; expected a header row."]
    position = {h.strip().lower(): i for i, h in enumerate(header)}
    missing = [c for c in REQUIRED if c not in position]
    if missing:
        return [], [f"{name} line 1: missing column {', '.join(missing)}."]
    rows: list[ListRow] = []
    errors: list[str] = []

    def cell(values: list[str], column: str) -> str:
        i = position.get(column)
        return values[i].strip() if i is not None and i < len(values) else ""

    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_BOTTLES:
            errors.append(f"{name} line {line}: a list holds at most {MAX_BOTTLES} bottles.")
            break
        where = f"{name} line {line}, column"
        bottle = _int(cell(values, "bottle_number"))
        if bottle is None or bottle < 1:
            errors.append(
                f"{where} bottle_number: {cell(values, 'bottle_number')!r} is not a "
                "positive whole number."
            )
        arm = cell(values, "arm_code")
        if not arm:
            errors.append(f"{where} arm_code: empty.")
        block_text = cell(values, "block")
        block = _int(block_text) if block_text else None
        if block_text and block is None:
            errors.append(f"{where} block: {block_text!r} is not a whole number.")
        spare_text = cell(values, "is_spare") or "0"
        if spare_text not in ("0", "1"):
            errors.append(f"{where} is_spare: {spare_text!r} is not 0 or 1.")
        if bottle and bottle >= 1 and arm:
            rows.append(
                ListRow(
                    bottle_number=bottle,
                    arm_code=arm,
                    block=block,
                    stratum=cell(values, "stratum"),
                    is_spare=spare_text == "1",
                )
            )
    if not rows and not errors:
        errors.append(f"{name}: the file has a header but no bottles.")
    return rows, errors
