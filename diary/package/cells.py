"""Reading one cell: empty means missing; otherwise the value must parse as its
column's kind, within the column's limits. Text loses the apostrophe put before text
that a spreadsheet would run (diary.package.formulas)."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from diary.package.formulas import csv_text_read
from diary.package.schema import Column

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


class CellError(ValueError):
    """The cell's text is not a value of its column."""


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{_show(text)} is not a number") from None
    if not number.is_finite():
        raise CellError(f"{_show(text)} is not a number")
    if number != number.to_integral_value():
        raise CellError(f"{_show(text)} is not a whole number")
    return int(number)


def parse_decimal(text: str, places: int) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(f"{_show(text)} is not a number") from None
    if not number.is_finite():
        raise CellError(f"{_show(text)} is not a number")
    step = Decimal(1).scaleb(-places)
    if number != number.quantize(step):
        raise CellError(f"{text} has more than {places} decimal place{'s' if places > 1 else ''}")
    return number


def parse_date(text: str) -> date:
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        raise CellError(f"{_show(text)} is not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError:
        if text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
            raise CellError(f"{text} is not a date that exists") from None
        raise CellError(f"{_show(text)} is not an ISO date (YYYY-MM-DD)") from None


def parse_bool(text: str) -> bool:
    if text == "1":
        return True
    if text == "0":
        return False
    raise CellError(f"{_show(text)} is not a boolean (0 or 1)")


def parse_cell(column: Column, text: str):
    """The cell's value (None when empty); CellError says what is wrong."""
    text = text.strip()
    if not text:
        if column.required:
            raise CellError("missing value")
        return None
    kind = column.kind
    if kind in ("text", "code", "enum"):
        text = csv_text_read(text)
    if kind == "text" or kind == "code":
        if column.max_length and len(text) > column.max_length:
            raise CellError(f"longer than {column.max_length} characters")
        if kind == "code" and not SLUG.match(text):
            raise CellError(
                f"{_show(text)} is not a code (letters, digits, hyphens and underscores only)"
            )
        return text
    if kind == "enum":
        if text not in column.choices:
            raise CellError(f"{_show(text)} is not one of {', '.join(column.choices)}")
        return text
    if kind == "date":
        return parse_date(text)
    if kind == "bool":
        return parse_bool(text)
    value = parse_int(text) if kind == "int" else parse_decimal(text, column.places)
    low, high = column.minimum, column.maximum
    if low is not None and value < low:
        if low == 0:
            raise CellError(f"{text} is negative")
        raise CellError(f"{text} is below {low}" if high is None else _outside(text, low, high))
    if high is not None and value > high:
        raise CellError(f"{text} is above {high}" if low is None else _outside(text, low, high))
    return value


def _outside(text, low, high) -> str:
    return f"{text} is outside {low}-{high}"
