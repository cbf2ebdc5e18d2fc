"""A package table as a labelled dataset for SPSS and Stata: categories and flags as
numeric codes with value labels, every variable with its label, missing values as
system-missing (numbers, dates) or empty (text).

Every variable's type and format come from the data dictionary (diary.package.codebook),
never from the values a table happens to hold: a date column with no date yet is still
a numeric date variable, a text column with no text yet still a string of its full
width. So the files of two dates of one trial have the same variables, types and
formats, and can be merged (SPSS ADD FILES, Stata append).
"""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from diary.exports.data import ExportData, table_stem
from diary.package.codebook import Variable, file_variables

UTF8_BYTES_PER_CHARACTER = 4


@dataclass(frozen=True)
class Storage:
    """How one statistics package stores the codebook's kinds."""

    date_origin: date  # day 0 of its dates
    date_unit: int  # what one day counts in its dates (SPSS: seconds; Stata: days)
    format: Callable[[Variable], str]  # a variable's format
    pad_text: bool  # SPSS strings are blank-padded to their width (see `_column`)


def text_width(variable: Variable) -> int:
    """Bytes of UTF-8 the codebook's longest text needs (SPSS widths are in bytes)."""
    return UTF8_BYTES_PER_CHARACTER * (variable.column.max_length or 1)


@dataclass(frozen=True)
class Labelled:
    name: str  # the table's stem: participants
    frame: pd.DataFrame
    variables: list[Variable]
    storage: Storage

    @property
    def column_labels(self) -> dict[str, str]:
        return {v.name: v.label for v in self.variables}

    @property
    def value_labels(self) -> dict[str, dict[int, str]]:
        return {v.name: v.code_labels for v in self.variables if v.code_labels}

    @property
    def formats(self) -> dict[str, str]:
        return {v.name: self.storage.format(v) for v in self.variables}


def labelled_table(file_name: str, frame: pd.DataFrame, storage: Storage) -> Labelled:
    variables = file_variables(file_name, frame.columns)
    columns = {v.name: _column(v, frame[v.name], storage) for v in variables}
    return Labelled(
        name=table_stem(file_name),
        frame=pd.DataFrame(columns, columns=[v.name for v in variables]),
        variables=variables,
        storage=storage,
    )


def _column(variable: Variable, values: pd.Series, storage: Storage) -> pd.Series:
    """The variable's values in the type the codebook gives it: float64 for every
    numeric kind (missing as NaN), text as str."""
    kind = variable.kind
    if kind == "enum":
        codes = variable.codes
        numbers = [np.nan if pd.isna(v) else float(codes[str(v)]) for v in values]
    elif kind == "bool":
        numbers = [np.nan if pd.isna(v) else float(bool(v)) for v in values]
    elif kind in ("int", "decimal"):
        return pd.Series(
            values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan), dtype="float64"
        )
    elif kind == "date":
        numbers = [np.nan if pd.isna(v) else _date_number(v, storage) for v in values]
    else:
        texts = ["" if pd.isna(v) else str(v) for v in values]
        if storage.pad_text and texts:
            # The writer sizes a string by its longest value: one value padded to the
            # codebook's width gives the variable that width (SPSS pads every value with
            # blanks to its variable's width and ignores trailing blanks).
            texts[0] = _padded(texts[0], text_width(variable))
        return pd.Series(texts, dtype=object)
    return pd.Series(numbers, dtype="float64")


def _date_number(value, storage: Storage) -> float:
    day = value.date() if hasattr(value, "date") else value
    return float((day - storage.date_origin).days * storage.date_unit)


def _padded(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text.encode()))


def labelled_files(
    data: ExportData,
    *,
    suffix: str,
    storage: Storage,
    write: Callable[[Labelled, Path], None],
) -> dict[str, bytes]:
    """One file per table (participants.sav, ...), written by `write`."""
    files = {}
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        for file_name, frame in data.tables.items():
            table = labelled_table(file_name, frame, storage)
            path = Path(folder) / f"{table.name}{suffix}"
            write(table, path)
            files[path.name] = path.read_bytes()
    return files
