"""SPSS: one .sav file per table, with variable labels, value labels, formats and
measurement levels, all from the codebook.

Numbers are F10.0 (codes, flags and counts) or F10.d (d decimal places), dates DATE11
(seconds since 14 October 1582, as SPSS keeps them), text A<w> with w the bytes of
UTF-8 the codebook's longest text needs, whatever the table holds (an empty table
too), so every date of one trial gives the same widths.
"""

import struct
from datetime import date
from pathlib import Path

import pandas as pd
import pyreadstat

from diary.exports.codebook import codebook_files
from diary.exports.data import ExportData
from diary.exports.labelled import Labelled, Storage, labelled_files, text_width
from diary.package.codebook import Variable

# The SAV file header: its layout code (2, in the writer's byte order) and case count.
LAYOUT_OFFSET, NCASES_OFFSET = 64, 80


def spss_format(variable: Variable) -> str:
    if variable.kind == "decimal":
        return f"F10.{variable.column.places or 2}"
    if variable.kind in ("int", "enum", "bool"):
        return "F10.0"
    if variable.kind == "date":
        return "DATE11"
    return f"A{text_width(variable)}"


SPSS = Storage(date_origin=date(1582, 10, 14), date_unit=86400, format=spss_format, pad_text=True)


def _measure(kind: str) -> str:
    return "scale" if kind in ("int", "decimal") else "nominal"


def _write(table: Labelled, frame: pd.DataFrame, path: Path, *, row_compress: bool) -> bytes:
    pyreadstat.write_sav(
        frame,
        path,
        file_label=table.name,
        column_labels=table.column_labels,
        variable_value_labels=table.value_labels,
        variable_format=table.formats,
        variable_measure={v.name: _measure(v.kind) for v in table.variables},
        row_compress=row_compress,
    )
    return path.read_bytes()


def write_sav(table: Labelled, path: Path) -> None:
    if len(table.frame):
        _write(table, table.frame, path, row_compress=True)
        return
    # A table with no rows: the writer sizes a string by its longest value, so write
    # one blank case, and two to measure a case's bytes, then cut the case off.
    one = _write(table, _blank_rows(table, 1), path, row_compress=False)
    two = _write(table, _blank_rows(table, 2), path, row_compress=False)
    empty = bytearray(one[: len(one) - (len(two) - len(one))])
    order = "<" if struct.unpack_from("<i", empty, LAYOUT_OFFSET)[0] == 2 else ">"
    struct.pack_into(f"{order}i", empty, NCASES_OFFSET, 0)
    path.write_bytes(bytes(empty))


def _blank_rows(table: Labelled, count: int) -> pd.DataFrame:
    """`count` blank cases: text blank-padded to its width, numbers system-missing."""
    columns = {
        v.name: (
            pd.Series([" " * text_width(v)] * count, dtype=object)
            if v.column.is_text
            else pd.Series([float("nan")] * count, dtype="float64")
        )
        for v in table.variables
    }
    return pd.DataFrame(columns, columns=[v.name for v in table.variables])


def spss_files(data: ExportData) -> dict[str, bytes]:
    """participants.sav, ... and the codebook."""
    return {
        **labelled_files(data, suffix=".sav", storage=SPSS, write=write_sav),
        **codebook_files(data),
    }
