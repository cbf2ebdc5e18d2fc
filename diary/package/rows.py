"""Typed rows of a CSV file: every cell parsed by its column, every bad cell logged."""

from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from diary.declarations import Context
from diary.declarations.base import RuleVerdicts
from diary.package.cells import CellError, parse_cell
from diary.package.problems import ProblemLog
from diary.package.reader import Table
from diary.package.schema import FileSpec


class _Invalid:
    """A cell that did not parse (already reported); rules involving it are skipped."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


def known(*values) -> bool:
    """True when every value is present and parsed."""
    return None not in values and INVALID not in values


def columns_check(table: Table, spec: FileSpec, log: ProblemLog) -> bool:
    """Report missing and repeated columns; True when the file's rows can be read."""
    if not table.header:
        log.add(spec.name, 1, None, "the file is empty (it needs a header row)")
        return False
    ok = True
    for name in table.duplicated:
        if name in spec.column_names:
            log.add(spec.name, 1, name, "the column appears more than once")
            ok = False
    for name in spec.required_columns:
        if name not in table.index:
            log.add(spec.name, 1, name, "required column is missing")
            ok = False
    return ok


# Cells parsed once per distinct text and column (a diary's phases, weeks, dates and
# counts repeat): at most this many remembered per column of one pass.
PARSED_KEPT = 20_000
_NOT_SEEN = object()


def typed_rows(
    table: Table, spec: FileSpec, log: ProblemLog, *, today: date | None = None
) -> Iterator[tuple[int, dict[str, object]]]:
    """(line, {column: value}) for each record; missing cells are None, cells that
    do not parse or break their value's limits are INVALID (and logged)."""
    file = spec.name
    today = today or timezone.localdate()
    width = len(table.header)
    # (name, position, the values (or CellErrors) of the texts seen, the column)
    present = [
        (column.name, table.index[column.name], {}, column)
        for column in spec.columns
        if column.name in table.index
    ]
    absent = {c.name: None for c in spec.columns if c.name not in table.index}
    for line, cells in table.records(log):
        if len(cells) != width and (len(cells) < width or any(c.strip() for c in cells[width:])):
            log.add(file, line, None, f"the row has {len(cells)} cells; the header has {width}")
            continue
        values = dict(absent)
        for name, position, parsed, column in present:
            text = cells[position]
            value = parsed.get(text, _NOT_SEEN)
            if value is _NOT_SEEN:
                try:
                    value = parse_cell(column, text, today=today)
                except CellError as exc:
                    value = exc
                if len(parsed) < PARSED_KEPT:
                    parsed[text] = value
            if isinstance(value, CellError):
                log.add(file, line, name, str(value))
                value = INVALID
            values[name] = value
        yield line, values


def rule_verdicts(spec: FileSpec) -> RuleVerdicts | None:
    """What decides the rules of the file's record quickly over a whole pass."""
    return RuleVerdicts(spec.record) if spec.record is not None else None


def rules_check(
    spec: FileSpec,
    line: int,
    row: dict,
    log: ProblemLog,
    *,
    context: Context | None = None,
    today: date | None = None,
    verdicts: RuleVerdicts | None = None,
) -> None:
    """Log every rule of the file's record that the row breaks (within the record,
    and across records when a context is given), as entry would refuse it.
    `verdicts`: rule_verdicts(spec), kept for one pass over the file."""
    if spec.record is None:
        return
    known_values = row
    if INVALID in row.values():
        known_values = {name: value for name, value in row.items() if value is not INVALID}
    found = spec.record.problems(
        known_values, context=context, today=today, own_values=False, verdicts=verdicts
    )
    for name, problems in found.items():
        for _, message in problems:
            log.add(spec.name, line, name, message)
