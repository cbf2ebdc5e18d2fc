"""Text that a spreadsheet would run (the data-package contract, CWE-1236).

On export, a text cell whose first character is `=`, `+`, `-`, `@`, tab or carriage
return is written with one leading apostrophe (`'=SUM(A1)`), so that no spreadsheet
runs it; on import, one leading apostrophe followed by one of those characters is
removed. Numbers and dates are never prefixed: callers apply this to text only.
Export -> import -> export stays byte-identical.

Every CSV file the app writes follows the rule: the data package, the codebook, the
report's CSV tables and the audit trail.
"""

FORMULA_STARTS = frozenset("=+-@\t\r")
APOSTROPHE = "'"


def csv_text(text: str) -> str:
    """A text cell as a CSV file holds it."""
    return APOSTROPHE + text if text[:1] in FORMULA_STARTS else text


def csv_text_read(text: str) -> str:
    """A text cell's value, read from a CSV file (the inverse of `csv_text`)."""
    if text[:1] == APOSTROPHE and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text
