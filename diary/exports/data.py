"""What every export format is built from: the trial's tables, read once."""

from dataclasses import dataclass, field

import pandas as pd

from diary.models import Trial
from diary.package.codebook import Variable, codebook
from diary.selectors.package_export import package_tables, package_trial_json


@dataclass(frozen=True)
class ExportData:
    trial_code: str
    trial_title: str
    unblinded: bool
    trial_json: dict
    tables: dict[str, pd.DataFrame]
    variables: list[Variable] = field(default_factory=list)


def export_data(*, trial: Trial, unblinded: bool) -> ExportData:
    """The package's tables (allocation.csv only when unblinded) and their codebook."""
    tables = package_tables(trial=trial, unblinded=unblinded)
    return ExportData(
        trial_code=trial.code,
        trial_title=trial.title,
        unblinded=unblinded,
        trial_json=package_trial_json(trial=trial, unblinded=unblinded),
        tables=tables,
        variables=codebook(tables),
    )


def table_stem(file_name: str) -> str:
    """participants.csv -> participants (a sheet, .sav or .dta name)."""
    return file_name.removesuffix(".csv")
