"""Stata: one .dta file (format 118, Stata 14 and later) per table, with variable
and value labels."""

from pathlib import Path

import pyreadstat

from diary.exports.codebook import codebook_files
from diary.exports.data import ExportData
from diary.exports.labelled import Labelled, labelled_files

DTA_VERSION = 14  # file format 118: Unicode text, labels up to 80 characters


def write_dta(table: Labelled, path: Path) -> None:
    pyreadstat.write_dta(
        table.frame,
        path,
        file_label=table.name,
        column_labels=table.column_labels,
        version=DTA_VERSION,
        variable_value_labels=table.value_labels,
    )


def stata_files(data: ExportData) -> dict[str, bytes]:
    """participants.dta, ... and the codebook."""
    return {**labelled_files(data, suffix=".dta", write=write_dta), **codebook_files(data)}
