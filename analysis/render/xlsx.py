"""The report as an Excel workbook: one sheet per table.

Cells keep the unrounded numbers; their number format shows the display
rounding (2 decimals for outcomes, 3 for p, Table 1 as the paper rounds). Text is
always written as text, never as a formula (diary.exports.xlsx.sheet_row).
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from analysis.render.tables import flat_tables
from diary.exports.xlsx import sheet_row


def render_xlsx(report: dict) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "cramp-trials"
    for table in flat_tables(report):
        sheet = workbook.create_sheet(title=table.name[:31])
        sheet_row(sheet, [table.title])
        sheet["A1"].font = Font(bold=True)
        sheet_row(sheet, table.columns)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for values, decimals in zip(table.rows, table.decimals, strict=True):
            sheet_row(sheet, values)
            for cell, digits in zip(sheet[sheet.max_row], decimals, strict=False):
                if digits is not None and isinstance(cell.value, float):
                    cell.number_format = "0." + "0" * digits if digits else "0"
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column[1:] if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width, 8), 60) + 2
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
