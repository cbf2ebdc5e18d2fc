"""Excel: one sheet per table (named after its file) and a codebook sheet.

Cells keep their types: numbers as numbers, dates as dates (yyyy-mm-dd), flags as
0/1 as in the package, a missing value as an empty cell, and text always as text,
never a formula (`sheet_row`, which the analysis report's workbook uses too). Each
table's header row is frozen and filterable.

Text keeps every character, also those XML cannot hold (a vertical tab pasted from
Word, stored before entry refused it): the workbook format writes them as _xHHHH_,
which Excel and LibreOffice read back as the character (`xlsx_text`).
"""

import io
import re
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from diary.exports.codebook import COLUMNS, codebook_rows
from diary.exports.data import ExportData, table_stem
from diary.package.codebook import file_variables
from diary.package.formulas import FORMULA_STARTS

CODEBOOK_SHEET = "codebook"
DATE_FORMAT = "yyyy-mm-dd"
FIXED_TIME = datetime(2000, 1, 1)  # document properties: equal data, equal workbook
BOLD = Font(bold=True)
# Characters an XML 1.0 document cannot hold (tab, line feed and carriage return it can).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Text that reads as the workbook format's escape, to be kept literal.
LOOKS_ESCAPED = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_text(text: str) -> str:
    """Text as a workbook cell holds it: a character XML cannot hold as its escape
    _xHHHH_ (ST_Xstring of the Office Open XML format), and text that would read as
    such an escape with its underscore escaped (_x005F_), so that it stays literal."""
    text = LOOKS_ESCAPED.sub("_x005F_", text)
    return NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _cell(value, kind: str):
    if pd.isna(value):
        return None
    if kind == "date":
        return value.date() if hasattr(value, "date") else value
    if kind == "bool":
        return int(bool(value))
    if kind == "int":
        return int(value)
    if kind == "decimal":
        return float(value)
    return str(value)


def sheet_row(sheet, values) -> None:
    """Append a row whose text cells are text: openpyxl would store a string that
    starts with = as a formula, which Excel runs (CWE-1236). Text a spreadsheet
    would run is also marked quoted, so that editing the cell keeps it text."""
    sheet.append([xlsx_text(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value[:1] in FORMULA_STARTS:
                cell.quotePrefix = True


def _header(sheet, names: list[str]) -> None:
    sheet_row(sheet, names)
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"


def _widths(sheet, names: list[str]) -> None:
    for i, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, len(name) + 2)


def xlsx_bytes(data: ExportData) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for file_name, frame in data.tables.items():
        variables = file_variables(file_name, frame.columns)
        sheet = book.create_sheet(table_stem(file_name))
        names = [v.name for v in variables]
        _header(sheet, names)
        kinds = [v.kind for v in variables]
        columns = [frame[name].tolist() for name in names]
        for row in zip(*columns, strict=True):
            sheet_row(sheet, [_cell(v, k) for v, k in zip(row, kinds, strict=True)])
        for i, kind in enumerate(kinds, start=1):
            if kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = DATE_FORMAT
        if sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions
        _widths(sheet, names)
    sheet = book.create_sheet(CODEBOOK_SHEET)
    _header(sheet, [key for key, _ in COLUMNS])
    for row in codebook_rows(data.variables):
        sheet_row(sheet, [row[key] for key, _ in COLUMNS])
    _widths(sheet, [key for key, _ in COLUMNS])
    book.properties.creator = data.trial_code
    book.properties.title = xlsx_text(f"{data.trial_title} ({data.trial_code})")
    book.properties.created = FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
