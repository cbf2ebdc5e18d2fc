"""python manage.py itt_report: prints or saves the report, and records who made it."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from analysis.management.commands.itt_report import os_user
from analysis.models import Report
from diary.models import ListEntry, RandomizationList
from tests.analysis.stored_trial import stored_trial


@pytest.fixture
def stored(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return stored_trial(randomized=12, seed=5)


def _run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("itt_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_itt_report_prints_the_open_json_by_default_before_the_lock(stored):
    out, _ = _run("--format", "json")
    report = Report.objects.get()
    data = json.loads(out)
    assert (data["view"], data["blinded"]) == ("open", True)
    assert [a["code"] for a in data["arms"]] == ["all"]
    assert out.encode() == report.files.get(kind="json").file.read()
    assert report.requester == f"shell:{os_user()}"
    assert report.parameters["formats"] == ["json"]


def test_itt_report_coded_names_groups_a_and_b(stored):
    out, _ = _run("--view", "coded")
    data = json.loads(out)
    assert (data["view"], [a["code"] for a in data["arms"]]) == ("coded", ["A", "B"])


def test_itt_report_refuses_two_different_views(stored):
    with pytest.raises(CommandError, match="different views"):
        _run("--unblinded", "--view", "open")


def test_itt_report_unblinded_names_the_arms_and_is_recorded(stored):
    out, _ = _run("--unblinded", "--imputation", "complete_case")
    data = json.loads(out)
    assert data["blinded"] is False
    assert data["imputation"] == "complete_case"
    assert [a["code"] for a in data["arms"]] == ["vitamin_k2", "placebo"]
    report = Report.objects.get()
    assert report.parameters["blinded"] is False
    assert report.requested_by is None
    assert report.requested_by_name == f"shell:{os_user()}"


def test_itt_report_writes_html_to_a_file(stored, tmp_path):
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    out, err = _run("--format", "html", "--view", "coded", "--output", str(target))
    assert out == ""
    assert "written to" in err
    html = target.read_text()
    assert "<table" in html and "Group A" in html
    assert "vitamin_k2" not in html


def test_itt_report_writes_xlsx_bytes_to_redirected_stdout(stored):
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    call_command("itt_report", "--format", "xlsx", stdout=stdout)
    stdout.flush()
    workbook = openpyxl.load_workbook(io.BytesIO(raw.getvalue()))
    assert len(workbook.sheetnames) > 3


def test_itt_report_refuses_binary_output_to_a_text_only_stream(stored):
    with pytest.raises(CommandError, match="binary format"):
        _run("--format", "xlsx")
    assert not Report.objects.exists()


def test_itt_report_writes_the_csv_tables_as_a_zip(stored, tmp_path):
    target = tmp_path / "tables.zip"
    _run("--format", "csv", "--output", str(target))
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
    assert names and all(n.endswith(".csv") for n in names)


def test_itt_report_fails_with_the_reason(stored):
    ListEntry.objects.all().delete()
    RandomizationList.objects.all().delete()
    with pytest.raises(CommandError, match="no known arm"):
        _run("--format", "json", "--view", "coded")
    assert Report.objects.get().status == Report.Status.FAILED


def test_itt_report_without_a_trial_says_so(db):
    with pytest.raises(CommandError, match="No trial is configured"):
        _run()
