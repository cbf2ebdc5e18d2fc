"""The report as CSV: a zip holding one CSV file per table.

Each file has a header row and the report's unrounded numbers (empty cell when
undefined); the files are named after the tables (consort.csv, table1.csv,
participant_week.csv, ...). Text that a spreadsheet would run gets one leading
apostrophe, as in the data package. The zip is byte-identical for the same report.
"""

from __future__ import annotations

import io
import zipfile

from analysis.render.tables import flat_tables
from diary.csvfiles import csv_writer
from diary.package.formulas import csv_text

FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def render_csv(report: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in flat_tables(report):
            info = zipfile.ZipInfo(f"{table.name}.csv", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, table_csv(table.columns, table.rows))
    return buffer.getvalue()


def table_csv(columns: list[str], rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(columns)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(value + 0.0)
    if isinstance(value, str):
        return csv_text(value)
    return str(value)
