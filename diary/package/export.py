"""Exporting the trial as a data package (a folder, or a .zip when the path ends
in .zip)."""

from pathlib import Path

from diary.models import Trial
from diary.package.writer import package_files, package_write
from diary.selectors.package_export import package_tables, package_trial_json


def package_export(*, trial: Trial, unblinded: bool, path: str | Path) -> Path:
    files = package_files(
        trial_json=package_trial_json(trial=trial, unblinded=unblinded),
        tables=package_tables(trial=trial, unblinded=unblinded),
    )
    return package_write(files=files, path=path)
