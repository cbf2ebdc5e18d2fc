"""Types from the codebook, never from the data: in the SPSS and Stata files every
variable's type and format come from the data dictionary, so that the files of two
dates of the same trial (before the first adverse event or withdrawal, and after)
have the same variables and can be merged."""

import datetime
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from diary.exports.formats import export_write
from diary.models import AdverseEvent, Participant
from diary.package.codebook import file_variables
from diary.selectors.package_export import package_tables

pytestmark = pytest.mark.django_db

TABLES = ["sites", "screening", "participants", "diary", "adverse_events"]
READERS = {"spss": (".sav", pyreadstat.read_sav), "stata": (".dta", pyreadstat.read_dta)}


def _dictionary(folder: Path, fmt: str) -> dict:
    """Every table's variables as the statistics package sees them."""
    suffix, reader = READERS[fmt]
    out = {}
    for table in TABLES:
        _, meta = reader(str(folder / f"{table}{suffix}"), metadataonly=True)
        out[table] = {
            name: (
                meta.readstat_variable_types[name],
                meta.original_variable_types[name],
                meta.column_names_to_labels[name],
                meta.variable_value_labels.get(name),
                meta.variable_storage_width[name] if fmt == "spss" else None,
            )
            for name in meta.column_names
        }
    return out


def _before_any_event_or_withdrawal(trial) -> None:
    AdverseEvent.objects.filter(participant__trial=trial).delete()
    Participant.objects.filter(trial=trial).update(withdrawn_on=None, withdrawal_reason="")


@pytest.mark.parametrize("fmt", ["spss", "stata"])
def test_the_files_of_two_dates_have_the_same_types_and_formats(data_trial, tmp_path, fmt):
    later = export_write(trial=data_trial, unblinded=False, path=tmp_path / "later", format=fmt)
    _before_any_event_or_withdrawal(data_trial)
    earlier = export_write(trial=data_trial, unblinded=False, path=tmp_path / "earlier", format=fmt)

    assert _dictionary(earlier, fmt) == _dictionary(later, fmt)
    suffix, reader = READERS[fmt]
    events, meta = reader(str(earlier / f"adverse_events{suffix}"))
    assert events.empty
    participants, meta = reader(str(earlier / f"participants{suffix}"))
    # An all-empty date column is still a date, an all-empty text column still text.
    assert meta.readstat_variable_types["withdrawn_on"] == "double"
    assert meta.original_variable_types["withdrawn_on"] == ("DATE11" if fmt == "spss" else "%td")
    assert meta.readstat_variable_types["withdrawal_reason"] == "string"
    assert participants["withdrawn_on"].isna().all()


@pytest.mark.parametrize("fmt", ["spss", "stata"])
def test_every_type_and_format_comes_from_the_codebook(data_trial, tmp_path, fmt):
    out = export_write(trial=data_trial, unblinded=False, path=tmp_path / fmt, format=fmt)
    suffix, reader = READERS[fmt]
    tables = package_tables(trial=data_trial, unblinded=False)
    expected_formats = {
        "spss": {"int": "F10.0", "enum": "F10.0", "bool": "F10.0", "date": "DATE11"},
        "stata": {"int": "%10.0g", "enum": "%10.0g", "bool": "%10.0g", "date": "%td"},
    }[fmt]
    for table in TABLES:
        _, meta = reader(str(out / f"{table}{suffix}"), metadataonly=True)
        for variable in file_variables(f"{table}.csv", tables[f"{table}.csv"].columns):
            name, kind = variable.name, variable.kind
            stored = meta.original_variable_types[name]
            if variable.column.is_text:
                assert meta.readstat_variable_types[name] == "string", (table, name)
                width = variable.column.max_length
                assert stored == (f"A{4 * width}" if fmt == "spss" else f"%-{width}s")
            elif kind == "decimal":
                places = variable.column.places
                assert stored == (f"F10.{places}" if fmt == "spss" else f"%10.{places}f")
            else:
                assert meta.readstat_variable_types[name] == "double", (table, name)
                assert stored == expected_formats[kind], (table, name)


@pytest.mark.parametrize("fmt", ["spss", "stata"])
def test_values_read_back_as_the_package_holds_them(data_trial, tmp_path, fmt):
    out = export_write(trial=data_trial, unblinded=False, path=tmp_path / fmt, format=fmt)
    suffix, reader = READERS[fmt]
    expected = package_tables(trial=data_trial, unblinded=False)["participants.csv"]
    participants, _ = reader(str(out / f"participants{suffix}"))
    assert participants["participant_id"].tolist() == expected["participant_id"].tolist()
    assert list(participants["consented_on"]) == [
        d.date() for d in expected["consented_on"].tolist()
    ]
    withdrawn = [w for w in participants["withdrawn_on"] if not pd.isna(w)]
    assert len(withdrawn) == 1 and isinstance(withdrawn[0], datetime.date)
    reasons = participants["withdrawal_reason"].tolist()
    assert sorted(reasons) == sorted(expected["withdrawal_reason"].fillna("").tolist())
