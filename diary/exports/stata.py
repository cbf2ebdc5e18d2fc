"""Stata: one .dta file (format 118, Stata 14 and later) per table, with variable and
value labels and formats from the codebook: %10.0g (codes, flags and counts), %10.df
(d decimal places), %td (days since 1 January 1960) and %-<n>s for text of at most n
characters."""

from datetime import date
from pathlib import Path

import pyreadstat

from diary.exports.codebook import codebook_files
from diary.exports.data import ExportData
from diary.exports.labelled import Labelled, Storage, labelled_files
from diary.package.codebook import Variable

DTA_VERSION = 14  # file format 118: Unicode text, labels up to 80 characters


def stata_format(variable: Variable) -> str:
    if variable.kind == "decimal":
        return f"%10.{variable.column.places or 2}f"
    if variable.kind in ("int", "enum", "bool"):
        return "%10.0g"
    if variable.kind == "date":
        return "%td"
    return f"%-{variable.column.max_length or 1}s"


STATA = Storage(date_origin=date(1960, 1, 1), date_unit=1, format=stata_format, pad_text=False)


def write_dta(table: Labelled, path: Path) -> None:
    pyreadstat.write_dta(
        table.frame,
        path,
        file_label=table.name,
        column_labels=table.column_labels,
        version=DTA_VERSION,
        variable_value_labels=table.value_labels,
        variable_format=table.formats,
    )


def stata_files(data: ExportData) -> dict[str, bytes]:
    """participants.dta, ... and the codebook."""
    return {
        **labelled_files(data, suffix=".dta", storage=STATA, write=write_dta),
        **codebook_files(data),
    }
