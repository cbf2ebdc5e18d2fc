"""nights.csv and cramp_events.csv: optional on import, always written on export, the
same refusals (file, line, column), and a byte-identical round trip."""

import zipfile
from datetime import timedelta

import pytest

from diary.models import CrampEvent, DiaryWeek, Night, Trial
from diary.package.export import package_export
from diary.package.problems import PackageRefused
from diary.services.package_import import package_import
from tests.diary.package.builders import CONSENTED, RANDOMIZED
from tests.diary.package.test_round_trip import _fresh_database

pytestmark = pytest.mark.django_db


def _night(pid, day, cramps, source="participant"):
    reported = cramps is not None
    return {
        "participant_id": pid,
        "night": day.isoformat(),
        "reported": "1" if reported else "0",
        "cramps": str(cramps) if reported else "",
        "source": source,
    }


def _cramp(pid, day, duration, severity):
    return {
        "participant_id": pid,
        "night": day.isoformat(),
        "duration_min": duration,
        "severity": severity,
    }


@pytest.fixture
def with_nights(builder):
    first = RANDOMIZED
    builder.rows["nights.csv"] = [
        _night("C1-001", first, 2),
        _night("C1-001", first + timedelta(days=1), 0),
        _night("C1-001", first + timedelta(days=2), None, source="staff"),
        _night("C2-001", CONSENTED, 1),
    ]
    builder.rows["cramp_events.csv"] = [
        _cramp("C1-001", first, "1.5", "4"),
        _cramp("C1-001", first, "0.25", "7"),
        _cramp("C2-001", CONSENTED, "3", "2"),
    ]
    builder.columns["diary.csv"] = [*builder.columns["diary.csv"], "source"]
    for row in builder.rows["diary.csv"]:
        row["source"] = "phone" if row.get("reached") == "1" else ""
    builder.row("diary.csv", participant_id="C1-001", phase="intervention", week="2")["source"] = (
        "corrected"
    )
    return builder


def test_the_nights_and_their_cramps_are_imported_in_order(with_nights, tmp_path):
    result = package_import(path=with_nights.write(tmp_path / "pkg"))
    assert result.rows["nights.csv"] == 4 and result.rows["cramp_events.csv"] == 3
    night = Night.objects.get(participant__participant_id="C1-001", night=RANDOMIZED)
    assert list(night.cramp_events.values_list("position", "severity")) == [(1, 4), (2, 7)]
    assert Night.objects.get(source="staff").reported is False
    assert CrampEvent.history.count() == 3
    assert DiaryWeek.objects.filter(source="corrected").count() == 1


def test_export_import_export_is_byte_identical_with_nights(with_nights, tmp_path):
    package_import(path=with_nights.write(tmp_path / "in"))
    first = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "1.zip")
    _fresh_database()
    package_import(path=first)
    second = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "2.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        nights = archive.read("nights.csv").decode().splitlines()
        diary_header = archive.read("diary.csv").decode().splitlines()[0]
    assert nights[0] == "participant_id,night,reported,cramps,source"
    assert nights[1] == f"C1-001,{RANDOMIZED},1,2,participant"
    assert diary_header.endswith(",source")


def test_a_package_without_the_diary_files_exports_their_headers(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "in"))
    out = package_export(trial=Trial.objects.get(), unblinded=True, path=tmp_path / "o.zip")
    with zipfile.ZipFile(out) as archive:
        assert archive.read("cramp_events.csv") == b"participant_id,night,duration_min,severity\n"
        assert "source" not in archive.read("diary.csv").decode().splitlines()[0]


def _refusal(builder, tmp_path):
    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "bad"))
    assert not Trial.objects.exists()
    return {(p.file, p.line, p.column): p.message for p in refused.value.problems}


def test_a_cramp_count_that_differs_from_its_rows_is_refused(with_nights, tmp_path):
    with_nights.rows["cramp_events.csv"].pop()
    problems = _refusal(with_nights, tmp_path)
    assert "holds 0 rows" in problems[("nights.csv", 5, "cramps")]


def test_a_cramp_of_a_night_not_reported_is_refused(with_nights, tmp_path):
    with_nights.rows["cramp_events.csv"].append(
        _cramp("C1-001", RANDOMIZED + timedelta(days=2), "1", "1")
    )
    problems = _refusal(with_nights, tmp_path)
    assert "no reported night" in problems[("cramp_events.csv", 5, "night")]


def test_a_night_after_the_withdrawal_and_a_severity_out_of_range_are_refused(
    with_nights, tmp_path
):
    withdrawn = RANDOMIZED + timedelta(days=16)
    with_nights.rows["nights.csv"].append(_night("C1-002", withdrawn + timedelta(days=1), 0))
    with_nights.rows["cramp_events.csv"][0]["severity"] = "11"
    with_nights.rows["nights.csv"].append(_night("C1-001", RANDOMIZED, 0))
    problems = _refusal(with_nights, tmp_path)
    assert "after the withdrawal" in problems[("nights.csv", 6, "night")]
    assert problems[("cramp_events.csv", 2, "severity")] == "11 is outside 1-10"
    assert "duplicate participant-night" in problems[("nights.csv", 7, "night")]
