"""SPSS: one .sav file per table, with variable labels, value labels, formats and
measurement levels."""

from pathlib import Path

import pyreadstat

from diary.exports.codebook import codebook_files
from diary.exports.data import ExportData
from diary.exports.labelled import Labelled, labelled_files, spss_format


def _measure(kind: str) -> str:
    return "scale" if kind in ("int", "decimal") else "nominal"


def write_sav(table: Labelled, path: Path) -> None:
    pyreadstat.write_sav(
        table.frame,
        path,
        file_label=table.name,
        column_labels=table.column_labels,
        variable_value_labels=table.value_labels,
        variable_format={v.name: spss_format(v) for v in table.variables if spss_format(v)},
        variable_measure={v.name: _measure(v.kind) for v in table.variables},
    )


def spss_files(data: ExportData) -> dict[str, bytes]:
    """participants.sav, ... and the codebook."""
    return {**labelled_files(data, suffix=".sav", write=write_sav), **codebook_files(data)}
