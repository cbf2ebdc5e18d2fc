"""Building a report: all files or none, reproducible, and safe to run again."""

import hashlib
import io
import json
import threading
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection
from django.db.models import F

from analysis import services
from analysis.dataset import canonical_sha256
from analysis.loader import itt_dataset
from analysis.models import Report, ReportDownload, ReportFile
from analysis.services.reports import (
    INTERNAL_ERROR,
    report_build,
    report_file_download,
    report_folder,
    report_request_operator,
)
from diary.errors import AccessDenied
from diary.models import DiaryWeek, ListEntry, RandomizationList
from tests.factories import make_user

reports_module = services.reports

FIGURES = ("png", "svg", "pdf")  # each figure in each of these


def _files_on_disk(media: Path) -> list[Path]:
    root = media / "reports"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _readable(report_file: ReportFile) -> bytes:
    """The file's text: zips (xlsx, csv tables) opened member by member."""
    content = report_file.file.read()
    if content[:2] != b"PK":
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def _json(report: Report) -> bytes:
    return report.files.get(kind="json").file.read()


def test_report_build_attaches_every_format_with_its_hash_and_size(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", trial=stored))
    assert report.status == Report.Status.DONE
    assert (report.progress, report.stage, report.attempts) == (100, "Done", 1)
    assert report.started_at <= report.finished_at
    assert report.code_version
    names = sorted(f.name for f in report.files.all())
    stem = f"itt-report-{report.pk}"
    assert names == sorted(
        [
            f"{stem}.json",
            f"{stem}.html",
            f"{stem}.xlsx",
            f"{stem}-tables.zip",
            *(f"{stem}-{figure}.{fmt}" for figure in ("figure2", "consort") for fmt in FIGURES),
        ]
    )
    for stored_file in report.files.all():
        path = Path(stored_file.file.path)
        assert path.parent == report_folder(report.pk)
        content = path.read_bytes()
        assert stored_file.size == len(content) > 0
        assert stored_file.sha256 == hashlib.sha256(content).hexdigest()
    assert [p.parent for p in _files_on_disk(media)] == [report_folder(report.pk)] * 10


def test_report_build_records_the_hash_of_the_data_it_read(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    # A blinded report hashes the data without the allocation.
    dataset = itt_dataset(trial=stored)
    without_arms = replace(dataset, participants=dataset.participants.assign(arm_code=pd.NA))
    assert report.blinded
    assert report.data_sha256 == canonical_sha256(without_arms)
    assert json.loads(_json(report))["data_sha256"] == report.data_sha256


def test_report_build_gives_byte_identical_json_for_the_same_data(stored, media):
    first = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    second = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    assert first.pk != second.pk
    assert _json(first) == _json(second)
    assert first.files.get().sha256 == second.files.get().sha256


def test_report_build_hash_and_json_change_when_one_value_changes(stored, media):
    first = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    week = DiaryWeek.objects.filter(participant__trial=stored, cramps__gt=0).first()
    DiaryWeek.objects.filter(pk=week.pk).update(duration_min=week.duration_min + Decimal("1"))
    second = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    assert second.data_sha256 != first.data_sha256
    assert _json(second) != _json(first)


def test_coded_report_names_groups_only_by_code(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", view="coded"))
    data = json.loads(_json(report))
    assert [a["code"] for a in data["arms"]] == ["A", "B"]
    assert all("role" not in a for a in data["arms"])
    every_file = b"".join(_readable(f) for f in report.files.all())
    for arm in stored.arms.all():
        for secret in (arm.code, arm.label):
            assert secret.encode() not in every_file
            assert secret not in str(data)


def test_open_report_is_the_default_before_the_lock_and_pools_everyone(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    data = json.loads(_json(report))
    assert report.view == data["view"] == "open"
    assert [a["code"] for a in data["arms"]] == ["all"]
    assert "models" not in data and "missing_data" not in data


def test_report_file_names_never_name_an_arm(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", view="unblinded"))
    assert report.status == Report.Status.DONE
    data = json.loads(_json(report))
    assert {a["code"] for a in data["arms"]} == {"vitamin_k2", "placebo"}
    for path in _files_on_disk(media):
        for arm in stored.arms.all():
            assert arm.code not in path.name.lower()
            assert arm.label.lower() not in path.name.lower()


def test_failed_build_leaves_no_file_and_a_retry_succeeds(stored, media, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk caught fire (placebo)")

    monkeypatch.setattr(reports_module, "build_report", broken)
    report = report_build(report=report_request_operator(os_user="ops"))
    assert report.status == Report.Status.FAILED
    assert report.error == INTERNAL_ERROR  # no internal detail (nor any arm) shown to users
    assert not report.files.exists()
    assert _files_on_disk(media) == []
    assert report.finished_at is not None

    monkeypatch.undo()
    report = report_build(report=report)
    assert report.status == Report.Status.DONE
    assert report.attempts == 2
    assert report.error == "" and report.failed_formats == {}
    assert report.files.count() == 10


def test_a_format_that_fails_is_listed_and_the_others_are_attached(stored, media, monkeypatch):
    def broken(report):
        raise RuntimeError("the disk caught fire (placebo)")

    monkeypatch.setitem(reports_module.RENDERERS, "xlsx", broken)
    report = report_build(report=report_request_operator(os_user="ops"))
    assert report.status == Report.Status.DONE
    assert sorted(report.files.values_list("kind", flat=True)) == sorted(
        ["csv", "html", "json", *(fmt for fmt in FIGURES for _ in ("figure2", "consort"))]
    )
    assert list(report.failed_formats) == ["xlsx"]
    assert "internal error" in report.failed_formats["xlsx"]
    assert "placebo" not in report.failed_formats["xlsx"]  # no detail (nor any arm)
    assert len(_files_on_disk(media)) == 9


def test_a_failure_while_attaching_the_files_moves_nothing_into_place(stored, media, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ReportFile.objects, "bulk_create", refuse)
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    assert report.status == Report.Status.FAILED
    assert not ReportFile.objects.exists()
    assert _files_on_disk(media) == []


def test_analysis_error_is_reported_in_plain_words(db, media):
    from tests.analysis.stored_trial import stored_trial

    trial = stored_trial(randomized=6)
    ListEntry.objects.all().delete()
    RandomizationList.objects.all().delete()
    report = report_build(report=report_request_operator(os_user="ops", view="coded", trial=trial))
    assert report.status == Report.Status.FAILED
    assert "no known arm" in report.error
    assert not report.files.exists()
    # an open report needs no allocation
    report = report_build(report=report_request_operator(os_user="ops", trial=trial))
    assert (report.view, report.status) == ("open", Report.Status.DONE)


def test_a_done_report_is_not_rebuilt(stored, media, monkeypatch):
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    before = list(report.files.values_list("pk", "sha256"))

    def must_not_run(**kwargs):
        raise AssertionError("the data was read again")

    monkeypatch.setattr(reports_module, "itt_dataset", must_not_run)
    again = report_build(report=report)
    assert again.status == Report.Status.DONE
    assert again.attempts == 1
    assert list(again.files.values_list("pk", "sha256")) == before


def test_a_report_left_running_by_a_killed_job_is_rebuilt_cleanly(stored, media):
    report = report_request_operator(os_user="ops", formats=["json"])
    Report.objects.filter(pk=report.pk).update(status="running", attempts=1, progress=40)
    # What a job killed at different moments leaves behind: a half-written staging
    # folder, and a folder already moved into place but never attached.
    staging = Path(media) / "reports" / ".staging" / f"{report.pk}-1-dead"
    staging.mkdir(parents=True)
    (staging / f"itt-report-{report.pk}.json").write_bytes(b'{"half":')
    final = report_folder(report.pk)
    final.mkdir(parents=True)
    (final / f"itt-report-{report.pk}.xlsx").write_bytes(b"stale")
    assert not report.files.exists()  # nothing of it is visible

    report = report_build(report=report)
    assert report.status == Report.Status.DONE
    assert report.attempts == 2
    assert [p.name for p in _files_on_disk(media)] == [f"itt-report-{report.pk}.json"]
    assert json.loads(_json(report))["schema"] == "itt-report/1"


def test_an_attempt_overtaken_by_a_newer_one_attaches_nothing(stored, media, monkeypatch):
    report = report_request_operator(os_user="ops", formats=["json"])
    real = reports_module.itt_dataset

    def overtaken(*, trial):
        # Meanwhile the job was delivered again and a second attempt started.
        Report.objects.filter(pk=report.pk).update(attempts=F("attempts") + 1)
        return real(trial=trial)

    monkeypatch.setattr(reports_module, "itt_dataset", overtaken)
    result = report_build(report=report)
    assert result.status == Report.Status.RUNNING  # still the newer attempt's
    assert result.attempts == 2
    assert not result.files.exists()
    assert _files_on_disk(media) == []


@pytest.mark.django_db(transaction=True)
def test_progress_is_committed_while_the_job_runs(media, monkeypatch):
    from tests.analysis.stored_trial import stored_trial

    trial = stored_trial(randomized=8)
    report = report_request_operator(os_user="ops", formats=["json"], trial=trial)
    seen = []
    real = reports_module.build_report

    def watched(*args, **kwargs):
        # Another connection (as the web app's) sees the job's progress meanwhile.
        def look():
            seen.append(Report.objects.values_list("status", "progress", "stage").get())
            connection.close()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        return real(*args, **kwargs)

    monkeypatch.setattr(reports_module, "build_report", watched)
    report_build(report=report)
    assert seen == [("running", 30, "Computing the analyses")]


def test_report_file_download_is_audited(stored, media):
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    statistician = make_user("statistician")
    file = report.files.get()
    report_file_download(report_file=file, by_user=statistician, remote_addr="10.0.0.7")
    audit = ReportDownload.objects.get()
    assert (audit.user, audit.report_file, audit.file_name, audit.remote_addr) == (
        statistician,
        file,
        file.file.name,
        "10.0.0.7",
    )


@pytest.mark.parametrize("role", ["coordinator", "statistician", "research_assistant"])
def test_unblinded_report_download_is_refused_to_other_roles(stored, media, role):
    report = report_build(
        report=report_request_operator(os_user="ops", view="unblinded", formats=["json"])
    )
    with pytest.raises(AccessDenied):
        report_file_download(report_file=report.files.get(), by_user=make_user(role, "C1"))
    assert not ReportDownload.objects.exists()
