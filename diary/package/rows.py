"""Typed rows of a CSV file: every cell parsed by its column, every bad cell logged."""

from collections.abc import Iterator
from datetime import date

from django.utils import timezone

from diary.declarations import Context
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
    return all(v is not INVALID and v is not None for v in values)


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


def typed_rows(
    table: Table, spec: FileSpec, log: ProblemLog, *, today: date | None = None
) -> Iterator[tuple[int, dict[str, object]]]:
    """(line, {column: value}) for each record; missing cells are None, cells that
    do not parse or break their value's limits are INVALID (and logged)."""
    file = spec.name
    today = today or timezone.localdate()
    width = len(table.header)
    present = [(c, table.index[c.name]) for c in spec.columns if c.name in table.index]
    absent = {c.name: None for c in spec.columns if c.name not in table.index}
    for line, cells in table.records(log):
        if len(cells) != width and (len(cells) < width or any(c.strip() for c in cells[width:])):
            log.add(file, line, None, f"the row has {len(cells)} cells; the header has {width}")
            continue
        values = dict(absent)
        for column, position in present:
            try:
                values[column.name] = parse_cell(column, cells[position], today=today)
            except CellError as exc:
                log.add(file, line, column.name, str(exc))
                values[column.name] = INVALID
        yield line, values


def rules_check(
    spec: FileSpec,
    line: int,
    row: dict,
    log: ProblemLog,
    *,
    context: Context | None = None,
    today: date | None = None,
) -> None:
    """Log every rule of the file's record that the row breaks (within the record,
    and across records when a context is given), as entry would refuse it."""
    if spec.record is None:
        return
    known_values = {name: value for name, value in row.items() if value is not INVALID}
    found = spec.record.problems(known_values, context=context, today=today, own_values=False)
    for name, problems in found.items():
        for _, message in problems:
            log.add(spec.name, line, name, message)
