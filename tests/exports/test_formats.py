"""Every export format read back with an independent reader: the values, the
variable labels and the value labels are those of the data package."""

import csv
import io
import zipfile

import pandas as pd
import pyreadstat
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from diary.exports.data import export_data
from diary.exports.formats import FORMATS, export_write, format_files, stored_files
from diary.package.schema import FILES
from diary.selectors.package_export import package_tables

pytestmark = pytest.mark.django_db

TABLES = [
    "sites",
    "screening",
    "participants",
    "diary",
    "nights",
    "cramp_events",
    "adverse_events",
]


def _read_stat(reader, path):
    frame, meta = reader(str(path))
    return frame, meta


@pytest.mark.parametrize(
    ("fmt", "suffix", "reader"),
    [("spss", ".sav", pyreadstat.read_sav), ("stata", ".dta", pyreadstat.read_dta)],
)
def test_spss_and_stata_files_read_back_with_labels(data_trial, tmp_path, fmt, suffix, reader):
    out = export_write(trial=data_trial, unblinded=False, path=tmp_path / fmt, format=fmt)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{t}{suffix}" for t in TABLES] + ["codebook.csv", "codebook.html"]
    )
    tables = package_tables(trial=data_trial, unblinded=False)

    participants, meta = reader(str(out / f"participants{suffix}"))
    expected = tables["participants.csv"]
    assert list(participants.columns) == list(expected.columns)
    assert len(participants) == len(expected) == 12
    assert meta.column_names_to_labels["height_cm"] == "Height"
    assert meta.column_names_to_labels["creatinine_mg_dl"] == "Serum creatinine"
    assert {int(k): v for k, v in meta.variable_value_labels["sex"].items()} == {
        1: "Female",
        2: "Male",
    }
    assert {int(k): v for k, v in meta.variable_value_labels["hypertension"].items()} == {
        0: "No",
        1: "Yes",
    }
    # Values: sex coded 1 = F, 2 = M; flags 0/1 with missing kept missing; dates as dates.
    sexes = participants["sex"].map({1.0: "F", 2.0: "M"}).tolist()
    assert sexes == expected["sex"].tolist()
    hypertension = participants["hypertension"].tolist()
    for got, want in zip(hypertension, expected["hypertension"].tolist(), strict=True):
        assert (pd.isna(got) and pd.isna(want)) or got == float(want)
    assert participants["weight_kg"].tolist() == pytest.approx(expected["weight_kg"].tolist())
    assert list(participants["randomized_on"]) == [
        d.date() for d in expected["randomized_on"].tolist()
    ]
    withdrawn = participants["withdrawn_on"].tolist()
    assert sum(not pd.isna(w) for w in withdrawn) == 1

    diary, meta = reader(str(out / f"diary{suffix}"))
    assert len(diary) == len(tables["diary.csv"])
    assert {int(k): v for k, v in meta.variable_value_labels["phase"].items()} == {
        1: "Screening diary",
        2: "Intervention",
    }
    assert {int(k): v for k, v in meta.variable_value_labels["reached"].items()} == {
        0: "Not reached",
        1: "Reached",
    }
    assert meta.column_names_to_labels["duration_min"] == "Mean duration of the week's cramps"
    assert diary["cramps"].sum() == tables["diary.csv"]["cramps"].sum()

    events, meta = reader(str(out / f"adverse_events{suffix}"))
    assert events["term"].tolist() == tables["adverse_events.csv"]["term"].tolist()
    relatedness = meta.variable_value_labels["relatedness"]
    assert {int(k): v for k, v in relatedness.items()} == {
        1: "Unrelated",
        2: "Unlikely",
        3: "Possible",
        4: "Probable",
        5: "Definite",
    }
    screening, meta = reader(str(out / f"screening{suffix}"))
    assert meta.variable_value_labels["outcome"][1] == "Enrolled"
    assert screening["reason"].tolist().count("") == (
        tables["screening.csv"]["reason"].isna().sum()
    )


def test_xlsx_has_one_sheet_per_table_and_the_codebook(data_trial, tmp_path):
    path = export_write(
        trial=data_trial, unblinded=False, path=tmp_path / "data.xlsx", format="xlsx"
    )
    book = load_workbook(path)
    assert book.sheetnames == [*TABLES, "codebook"]
    tables = package_tables(trial=data_trial, unblinded=False)
    for name in TABLES:
        frame = tables[f"{name}.csv"]
        rows = list(book[name].iter_rows(values_only=True))
        assert list(rows[0]) == list(frame.columns)
        assert len(rows) - 1 == len(frame)
    participants = list(book["participants"].iter_rows(values_only=True))
    header = participants[0]
    first = dict(zip(header, participants[1], strict=True))
    row = tables["participants.csv"].iloc[0]
    assert first["participant_id"] == row["participant_id"]
    assert first["consented_on"].date() == row["consented_on"].date()
    assert first["weight_kg"] == pytest.approx(float(row["weight_kg"]))
    assert first["bottle_number"] == int(row["bottle_number"])
    assert first["diabetes"] in (0, 1)
    cell = book["participants"].cell(row=2, column=header.index("consented_on") + 1)
    assert cell.number_format == "yyyy-mm-dd"
    codebook = list(book["codebook"].iter_rows(values_only=True))
    listed = {(r[0], r[1]) for r in codebook[1:]}
    assert listed == {(f"{t}.csv", c) for t in TABLES for c in tables[f"{t}.csv"].columns}


def _codebook_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode())))


@pytest.mark.parametrize("unblinded", [False, True])
def test_codebook_lists_every_column_of_every_file(data_trial, unblinded):
    data = export_data(trial=data_trial, unblinded=unblinded)
    files = format_files(data, "codebook")
    rows = _codebook_rows(files["codebook.csv"])
    listed = [(r["file"], r["variable"]) for r in rows]
    expected = [(name, c) for name, frame in data.tables.items() for c in frame.columns]
    assert listed == expected
    assert (
        ("allocation.csv", "arm_code") in listed
        if unblinded
        else all(f != "allocation.csv" for f, _ in listed)
    )
    for row in rows:
        assert row["label"] and row["type"]
    by_name = {(r["file"], r["variable"]): r for r in rows}
    assert by_name[("participants.csv", "height_cm")]["unit"] == "cm"
    assert by_name[("participants.csv", "height_cm")]["allowed_values"] == (
        "100 to 230, 1 decimal place"
    )
    assert by_name[("screening.csv", "sex")]["value_labels"] == "F = Female; M = Male"
    assert by_name[("screening.csv", "sex")]["spss_stata_codes"] == "1 = Female; 2 = Male"
    assert by_name[("diary.csv", "severity")]["unit"] == "score 1-10"
    html = files["codebook.html"].decode()
    for file_name, column in expected:
        assert f"<code>{column}</code>" in html
        assert f"<code>{file_name}</code>" in html


def test_every_package_column_has_a_label_within_statas_limit():
    from diary.package.codebook import variable

    for spec in FILES.values():
        for column in spec.columns:
            label = variable(spec.name, column.name).label
            assert label and len(label) <= 80, (spec.name, column.name)


def test_package_format_is_the_data_package(data_trial, tmp_path):
    data = export_data(trial=data_trial, unblinded=True)
    files = format_files(data, "package")
    assert sorted(files) == sorted(
        ["trial.json", "sites.csv", "screening.csv", "participants.csv"]
        + ["allocation.csv", "diary.csv", "nights.csv", "cramp_events.csv", "adverse_events.csv"]
    )
    stored = stored_files(data, "package")
    with zipfile.ZipFile(io.BytesIO(stored["package.zip"])) as archive:
        assert {n: archive.read(n) for n in archive.namelist()} == files


def test_package_and_codebook_files_are_reproducible(data_trial):
    first = export_data(trial=data_trial, unblinded=False)
    second = export_data(trial=data_trial, unblinded=False)
    for fmt in ("package", "codebook"):
        assert stored_files(first, fmt) == stored_files(second, fmt)


@pytest.mark.parametrize("fmt", ["package", "xlsx", "spss", "stata", "codebook"])
def test_export_trial_command_writes_each_format(data_trial, tmp_path, fmt):
    target = tmp_path / ("out.xlsx" if fmt == "xlsx" else "out.zip")
    out = io.StringIO()
    call_command("export_trial", str(target), "--format", fmt, stdout=out)
    assert target.is_file()
    assert f"blinded {fmt} export" in out.getvalue()
    if fmt == "xlsx":
        assert "participants" in load_workbook(target).sheetnames
    else:
        with zipfile.ZipFile(target) as archive:
            names = set(archive.namelist())
        assert {"package": "participants.csv", "spss": "participants.sav"}.get(
            fmt, {"stata": "participants.dta"}.get(fmt, "codebook.csv")
        ) in names


def test_formats_cover_the_issue():
    assert set(FORMATS) >= {"package", "xlsx", "spss", "stata", "codebook"}


def test_empty_trial_exports_every_format(db, tmp_path):
    from tests.factories import make_trial

    trial = make_trial()
    for fmt in ("spss", "stata"):
        out = export_write(trial=trial, unblinded=False, path=tmp_path / fmt, format=fmt)
        frame, _ = (
            pyreadstat.read_sav(str(out / "diary.sav"))
            if fmt == "spss"
            else (pyreadstat.read_dta(str(out / "diary.dta")))
        )
        assert len(frame) == 0
    data = export_data(trial=trial, unblinded=False)
    assert load_workbook(io.BytesIO(stored_files(data, "xlsx")["data.xlsx"])).sheetnames[0] == (
        "sites"
    )
