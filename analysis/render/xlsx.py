"""The report as an Excel workbook a statistician can paste from.

One formatted sheet per table: a title, a header row of labels (groups by the
report's own labels, so a coded workbook says "Group A"), frozen under the title
and header and beside the first column; the numbers are the unrounded values whose
number format shows them rounded as the HTML page does (2 decimals for outcomes,
Table 1 as the paper rounds), p-values as journals print them ("<.001" as text
below .001, else three decimals without the leading zero, like the page); tables
of mean duration or severity carry the footnote on weeks without cramps. The last
sheet, "Data (unrounded)", holds every table again with no number format, so each
value shows in full.

Text is always written as text, never as a formula (diary.exports.xlsx.sheet_row).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from analysis.render import format as fmt
from analysis.render.labels import WEEK_VALUES_NOTE, Labeller, for_display
from analysis.render.tables import FlatTable, flat_tables
from diary.exports.xlsx import sheet_row

DATA_SHEET = "Data (unrounded)"
SHEETS = {
    "report": "About",
    "estimands": "Estimands",
    "analyses": "Analyses",
    "plan": "Analysis plan",
    "consort": "CONSORT flow",
    "table1": "Table 1",
    "baseline": "Baseline",
    "participant_week": "Table 2 (participant-weeks)",
    "participant": "Participant means",
    "ancova": "ANCOVA",
    "change": "Change from baseline",
    "weekly": "eTable 1 (weekly)",
    "gee": "Rate ratio (GEE)",
    "negative_binomial": "Primary (negative binomial)",
    "multiple_imputation": "Multiple imputation",
    "tipping_point": "Tipping point",
    "per_protocol": "Per protocol",
    "multiplicity": "Multiplicity",
    "weeks_with_cramps": "Weeks with a cramp",
    "adherence": "Adherence",
    "adverse_events": "Adverse events",
    "imputed": "Imputed weeks",
    "completeness": "Data completeness",
    "figure2": "Figure 2 data",
    "notes": "Notes",
}
# Tables of duration and severity means over every week (WEEK_VALUES_NOTE).
ALL_WEEKS = {
    "baseline",
    "participant_week",
    "participant",
    "ancova",
    "change",
    "weekly",
    "multiple_imputation",
}
P_FORMAT = "#.000"  # .023 and 1.000, as format.p_value prints them
BOLD = Font(bold=True)
RULE = Border(bottom=Side(style="thin"))
WRAP = Alignment(wrap_text=True, vertical="bottom")
RIGHT = Alignment(horizontal="right")
NOTE_WIDTH = 100


def render_xlsx(report: dict) -> bytes:
    shown = for_display(report)
    labeller = Labeller(shown)
    tables = flat_tables(shown)
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "cramp-trials"
    for table in tables:
        _formatted(workbook.create_sheet(SHEETS.get(table.name, table.name)[:31]), table, labeller)
    _unrounded(workbook.create_sheet(DATA_SHEET), tables, labeller)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def is_p(column: str) -> bool:
    return column == "p" or column.startswith("p_") or column.endswith("_p")


def _number_format(digits: int) -> str:
    return "0." + "0" * digits if digits else "0"


def _formatted(sheet, table: FlatTable, labeller: Labeller) -> None:
    sheet_row(sheet, [table.title])
    sheet["A1"].font = BOLD
    sheet_row(sheet, [labeller.column(c) for c in table.columns])
    for cell in sheet[2]:
        cell.font = BOLD
        cell.border = RULE
        cell.alignment = WRAP
    widths = [min(len(str(c.value)), 24) for c in sheet[2]]
    p_columns = {i for i, c in enumerate(table.columns) if is_p(c)}
    for values, decimals in zip(table.rows, table.decimals, strict=True):
        cells, shown = [], []
        for index, (value, digits) in enumerate(zip(values, decimals, strict=False)):
            if index in p_columns and isinstance(value, float) and value < 0.001:
                text = fmt.p_value(value)
                cells.append(text)
                shown.append(text)
            elif isinstance(value, float) and digits is not None:
                cells.append(value)
                shown.append(fmt.number(value, digits))
            else:
                cell = labeller.cell(value)
                cells.append(cell)
                shown.append("" if cell is None else str(cell))
        sheet_row(sheet, cells)
        row = sheet[sheet.max_row]
        for index, (cell, digits) in enumerate(zip(row, decimals, strict=False)):
            if isinstance(cell.value, float) and digits is not None:
                cell.number_format = P_FORMAT if index in p_columns else _number_format(digits)
            elif index in p_columns and isinstance(cell.value, str):
                cell.alignment = RIGHT
        widths = [max(w, len(s)) for w, s in zip(widths, shown, strict=False)] + [
            len(s) for s in shown[len(widths) :]
        ]
    if table.name in ALL_WEEKS:
        sheet_row(sheet, [])
        sheet_row(sheet, [WEEK_VALUES_NOTE])
        sheet.cell(sheet.max_row, 1).font = Font(italic=True)
    sheet.freeze_panes = "B3"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8), 60) + 2
    if table.name == "notes":
        sheet.column_dimensions["B"].width = NOTE_WIDTH
        for (cell,) in sheet.iter_rows(min_row=3, min_col=2, max_col=2):
            cell.alignment = WRAP


def _unrounded(sheet, tables: list[FlatTable], labeller: Labeller) -> None:
    """Every table again, its numbers as computed (no number format), one under the
    other with a blank row between."""
    widest = 0
    for table in tables:
        if sheet.max_row > 1:
            sheet_row(sheet, [])
        sheet_row(sheet, [table.title])
        sheet.cell(sheet.max_row, 1).font = BOLD
        sheet_row(sheet, [labeller.column(c) for c in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = BOLD
        for values in table.rows:
            sheet_row(sheet, [labeller.cell(v) for v in values])
        widest = max(widest, len(table.columns))
    sheet.column_dimensions["A"].width = 40
    for index in range(2, widest + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 22
