"""Blinding of every export kind: a blinded export (every format, on request or by a
schedule) and a progress report hold no randomization list and no arm code or label,
in their contents or their file names; an unblinded export holds the list and is
seen only by the unblinded statistician."""

import io
import zipfile
from pathlib import Path

import pyreadstat
import pytest
from django.conf import settings
from openpyxl import load_workbook

from diary.exports.data import export_data
from diary.exports.formats import FORMATS, format_files, stored_files
from diary.models import ExportRun
from diary.selectors.exports import exports_for
from diary.services.exports import export_build, export_request, export_run_scheduled
from diary.services.progress import progress_report_scheduled
from tests.exports.conftest import arm_words, staff

pytestmark = pytest.mark.django_db


def _texts(name: str, content: bytes) -> dict[str, str]:
    """Every text inside a file: zip members (recursively), workbook parts, and the
    strings and labels of .sav and .dta files as pyreadstat reads them."""
    if name.endswith((".zip", ".xlsx")):
        texts = {}
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for member in archive.namelist():
                for inner, text in _texts(member, archive.read(member)).items():
                    texts[f"{name}/{inner}"] = text
        return texts
    texts = {name: content.decode("latin-1")}
    if name.endswith((".sav", ".dta")):
        path = Path(settings.MEDIA_ROOT) / f"check{Path(name).suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        reader = pyreadstat.read_sav if name.endswith(".sav") else pyreadstat.read_dta
        frame, meta = reader(str(path))
        texts[name + " (read)"] = (
            frame.to_csv() + str(meta.column_names_to_labels) + str(meta.variable_value_labels)
        )
    return texts


def _assert_blind(trial, files: dict[str, bytes]):
    words = [w.lower() for w in arm_words(trial)]
    for name, content in files.items():
        for inner, text in _texts(name, content).items():
            lowered = text.lower()
            assert "allocation" not in inner.lower(), inner
            assert "arm_code" not in lowered, inner
            for word in words:
                assert word not in lowered, f"{word!r} in {inner}"
        for word in words:
            assert word not in name.lower()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_blinded_export_of_each_format_names_no_arm(data_trial, fmt):
    data = export_data(trial=data_trial, unblinded=False)
    assert "allocation.csv" not in data.tables
    _assert_blind(data_trial, stored_files(data, fmt))


@pytest.mark.parametrize("fmt", ["package", "xlsx", "spss", "stata", "codebook"])
def test_an_unblinded_export_holds_the_randomization_list(data_trial, fmt):
    data = export_data(trial=data_trial, unblinded=True)
    files = format_files(data, fmt)
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(files["data.xlsx"]))
        rows = list(book["allocation"].iter_rows(values_only=True))
        assert rows[0][:2] == ("bottle_number", "arm_code")
        assert {r[1] for r in rows[1:]} == {"vitamin_k2", "placebo"}
    elif fmt == "codebook":
        assert b"allocation.csv,arm_code" in files["codebook.csv"]
    else:
        suffix = {"package": ".csv", "spss": ".sav", "stata": ".dta"}[fmt]
        assert f"allocation{suffix}" in files
    for name in stored_files(data, fmt):  # stored names never say which arm
        assert not any(w.lower() in name.lower() for w in arm_words(data_trial))


def test_stored_blinded_runs_hold_no_arm(data_trial):
    staff("coordinator")
    runs = [
        export_build(run=export_request(by_user=staff("statistician"), formats=list(FORMATS))),
        export_run_scheduled(schedule="Nightly", period="2024-01-01", formats=list(FORMATS)),
        progress_report_scheduled(schedule="Weekly", period="2024-W01"),
    ]
    for run in runs:
        assert run.status == ExportRun.Status.DONE and not run.unblinded
        files = {
            f.name: (Path(settings.MEDIA_ROOT) / f.file.name).read_bytes() for f in run.files.all()
        }
        assert files
        _assert_blind(data_trial, files)


def test_an_unblinded_run_is_listed_only_for_the_unblinded_statistician(data_trial):
    boss = staff("unblinded_statistician")
    run = export_build(run=export_request(by_user=boss, formats=["package"], unblinded=True))
    with zipfile.ZipFile(Path(settings.MEDIA_ROOT) / run.files.get().file.name) as archive:
        assert "allocation.csv" in archive.namelist()
    assert run in exports_for(boss)
    for role in ("coordinator", "statistician"):
        assert run not in exports_for(staff(role))
