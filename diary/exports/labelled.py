"""A package table as a labelled dataset for SPSS and Stata: categories and flags as
numeric codes with value labels, every variable with its label, dates as dates,
missing values as system-missing (numbers, dates) or empty (text)."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from diary.exports.data import ExportData, table_stem
from diary.package.codebook import Variable, file_variables

NUMERIC_KINDS = ("int", "decimal", "enum", "bool")


@dataclass(frozen=True)
class Labelled:
    name: str  # the table's stem: participants
    frame: pd.DataFrame
    variables: list[Variable]

    @property
    def column_labels(self) -> dict[str, str]:
        return {v.name: v.label for v in self.variables}

    @property
    def value_labels(self) -> dict[str, dict[int, str]]:
        return {v.name: v.code_labels for v in self.variables if v.code_labels}


def labelled_table(file_name: str, frame: pd.DataFrame) -> Labelled:
    variables = file_variables(file_name, frame.columns)
    columns = {v.name: _column(v, frame[v.name]) for v in variables}
    return Labelled(
        name=table_stem(file_name),
        frame=pd.DataFrame(columns, columns=[v.name for v in variables]),
        variables=variables,
    )


def _column(variable: Variable, values: pd.Series) -> pd.Series:
    kind = variable.kind
    if kind == "enum":
        codes = variable.codes
        return pd.Series(
            [np.nan if pd.isna(v) else float(codes[str(v)]) for v in values], dtype="float64"
        )
    if kind == "bool":
        return pd.Series(
            [np.nan if pd.isna(v) else float(bool(v)) for v in values], dtype="float64"
        )
    if kind in ("int", "decimal"):
        return pd.Series(values.astype("Float64").to_numpy(dtype="float64", na_value=np.nan))
    if kind == "date":
        return pd.Series([None if pd.isna(v) else v.date() for v in values], dtype=object)
    return pd.Series(["" if pd.isna(v) else str(v) for v in values], dtype=object)


def spss_format(variable: Variable) -> str:
    if variable.kind == "decimal":
        return f"F10.{variable.column.places or 2}"
    if variable.kind in ("int", "enum", "bool"):
        return "F10.0"
    return ""


def labelled_files(
    data: ExportData, *, suffix: str, write: Callable[[Labelled, Path], None]
) -> dict[str, bytes]:
    """One file per table (participants.sav, ...), written by `write`."""
    files = {}
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        for file_name, frame in data.tables.items():
            table = labelled_table(file_name, frame)
            path = Path(folder) / f"{table.name}{suffix}"
            write(table, path)
            files[path.name] = path.read_bytes()
    return files
