"""Reading one cell: empty means missing; otherwise the value must parse as its
column's kind and meet the value's own limits (its declaration: range, choices,
length, format, calendar, no control characters, not in the future). Text loses the
apostrophe put before text that a spreadsheet would run (diary.package.formulas)."""

import re
from datetime import date

from diary.declarations import CellError, Value
from diary.package.formulas import csv_text_read

__all__ = ["SLUG", "CellError", "parse_cell"]

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def parse_cell(column: Value, text: str, *, today: date | None = None):
    """The cell's value (None when empty); CellError says what is wrong, in the
    data file's terms ("11 is outside 1-10")."""
    stripped = text.strip()
    if stripped and (column.is_text or column.kind == "enum"):
        # After the apostrophe a text may begin with a tab: it is the value's own.
        value = csv_text_read(stripped)
    else:
        value = column.parse(stripped)
    problems = column.problems(value, today=today)
    if problems:
        raise CellError(problems[0][1])
    return value
