"""One job mechanism for reports and exports: both are queued again when the broker
loses a job, a killed job leaves no files behind, a lost file answers 404 everywhere,
and one format that cannot be made never stops the others."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from analysis import tasks as analysis_tasks
from analysis.models import Report, ReportDownload
from analysis.services import reports as reports_module
from analysis.services.reports import report_build, report_request_operator
from diary import tasks as diary_tasks
from diary.models import ExportDownload, ExportRun
from diary.services.exports import export_build, export_request
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db

QUEUED_FOR = timedelta(minutes=10)


def _report(**kwargs) -> Report:
    return report_build(report=report_request_operator(os_user="ops", **kwargs))


def _export(**kwargs) -> ExportRun:
    return export_build(run=export_request(by_user=staff("coordinator"), **kwargs))


def _media(*parts) -> Path:
    return Path(settings.MEDIA_ROOT).joinpath(*parts)


def _files_under(area: str) -> list[Path]:
    root = _media(area)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- a stored file that has gone answers 404, on every door --------------------------


def _urls(kind: str, job, stored) -> dict[str, str]:
    if kind == "report":
        return {
            "web": f"/reports/{job.pk}/files/{stored.pk}/",
            "admin": f"/admin/analysis/report/{job.pk}/files/{stored.pk}/",
            "api": f"/api/reports/{job.pk}/files/{stored.pk}/",
        }
    return {
        "web": f"/exports/{job.pk}/files/{stored.pk}/",
        "admin": f"/admin/diary/exportrun/{job.pk}/files/{stored.pk}/",
        "api": f"/api/exports/{job.pk}/files/{stored.pk}/",
    }


@pytest.mark.parametrize("kind", ["report", "export"])
def test_a_file_that_has_gone_answers_404_on_the_web_the_admin_and_the_api(data_trial, kind):
    job = _report(formats=["json"]) if kind == "report" else _export(formats=["codebook"])
    stored = job.files.first()
    Path(stored.file.path).unlink()
    coordinator = staff("coordinator", username=f"{kind}-reader")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    web = Client(raise_request_exception=False)
    web.force_login(coordinator)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user=coordinator)
    urls = _urls(kind, job, stored)
    assert web.get(urls["web"]).status_code == 404
    assert web.get(urls["admin"]).status_code == 404
    assert api.get(urls["api"]).status_code == 404
    assert api.get(urls["api"], HTTP_ACCEPT="application/octet-stream").status_code == 404
    # Nothing was handed out, so no download is recorded.
    assert not ReportDownload.objects.exists() and not ExportDownload.objects.exists()


# -- jobs the broker lost are queued again, reports and exports alike ----------------


def _stale_export(trial, status: str, *, age: timedelta) -> ExportRun:
    run = ExportRun.objects.create(
        trial=trial, parameters={"formats": ["codebook"]}, requested_by_name="test"
    )
    then = timezone.now() - age
    ExportRun.objects.filter(pk=run.pk).update(status=status, created_at=then, started_at=then)
    return run


def test_exports_the_broker_lost_are_queued_again_and_built(data_trial):
    lost = _stale_export(data_trial, "queued", age=timedelta(minutes=30))
    dead = _stale_export(data_trial, "running", age=timedelta(hours=2))
    fresh = _stale_export(data_trial, "queued", age=timedelta(minutes=1))
    assert diary_tasks.requeue_stale_exports.delay().get() == 2
    for run in (lost, dead):
        run.refresh_from_db()
        assert run.status == ExportRun.Status.DONE and run.files.exists()
    fresh.refresh_from_db()
    assert fresh.status == ExportRun.Status.QUEUED


def test_the_export_sweep_is_scheduled_every_ten_minutes():
    task = PeriodicTask.objects.get(task="diary.requeue_stale_exports")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (10, "minutes")


# -- a killed job leaves nothing behind ------------------------------------------------


def test_a_killed_report_job_leaves_no_file_even_when_the_next_attempt_fails(
    data_trial, monkeypatch
):
    """The worker died after moving its files into place, before recording them; the
    next attempt fails: nothing of the first may stay in MEDIA_ROOT/reports/<id>/."""
    report = report_request_operator(os_user="ops", formats=["json"])
    Report.objects.filter(pk=report.pk).update(status="running", attempts=1)
    left = _media("reports", str(report.pk))
    left.mkdir(parents=True)
    (left / f"itt-report-{report.pk}.json").write_bytes(b'{"half":')

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("analysis.services.reports.itt_dataset", broken)
    report = report_build(report=report)
    assert report.status == Report.Status.FAILED
    assert not left.exists()
    assert _files_under("reports") == []


@pytest.mark.parametrize("kind", ["report", "export"])
def test_the_sweep_removes_what_killed_jobs_left_and_keeps_the_rest(data_trial, kind):
    if kind == "report":
        area, sweep = "reports", analysis_tasks.requeue_stale_reports
        done = _report(formats=["json"])
        failed = report_request_operator(os_user="ops", formats=["json"])
        running = report_request_operator(os_user="ops", formats=["json"])
        model = Report
    else:
        area, sweep = "exports", diary_tasks.requeue_stale_exports
        done = _export(formats=["codebook"])
        failed = export_request(by_user=staff("coordinator"), formats=["codebook"])
        running = export_request(by_user=staff("coordinator"), formats=["codebook"])
        model = ExportRun
    now = timezone.now()
    model.objects.filter(pk=failed.pk).update(status="failed", attempts=1)
    model.objects.filter(pk=running.pk).update(status="running", attempts=2, started_at=now)
    kept = set(_files_under(area))
    # A failed job's folder (its worker died while attaching), a folder whose job is
    # gone, an old attempt's staging folder, and the running attempt's own one.
    for folder in (_media(area, str(failed.pk)), _media(area, "no-such-job")):
        folder.mkdir(parents=True)
        (folder / "left.bin").write_bytes(b"orphan")
    old_attempt = _media(area, ".staging", f"{running.pk}-1-dead")
    old_attempt.mkdir(parents=True)
    (old_attempt / "half.bin").write_bytes(b"orphan")
    current = _media(area, ".staging", f"{running.pk}-2-busy")
    current.mkdir(parents=True)
    (current / "writing.bin").write_bytes(b"in progress")

    sweep.delay().get()

    assert set(_files_under(area)) == kept | {current / "writing.bin"}
    assert done.files.exists()


# -- one format that cannot be made never stops the others ----------------------------


def test_an_export_format_that_fails_is_recorded_and_the_others_are_kept(data_trial, monkeypatch):
    def broken(data):
        raise RuntimeError("pyreadstat crashed")

    monkeypatch.setattr("diary.exports.formats.spss_files", broken)
    run = _export(formats=["package", "xlsx", "spss", "stata", "codebook"])
    assert run.status == ExportRun.Status.DONE
    assert sorted(f.kind for f in run.files.all()) == sorted(
        ["package", "xlsx", "stata", "codebook", "codebook"]
    )
    assert list(run.failed_formats) == ["spss"]
    assert "internal error" in run.failed_formats["spss"]
    assert "pyreadstat" not in run.failed_formats["spss"]

    coordinator = staff("coordinator", username="reader")
    page = Client()
    page.force_login(coordinator)
    assert "SPSS" in page.get("/exports/").content.decode()
    api = APIClient()
    api.force_authenticate(user=coordinator)
    (listed,) = api.get("/api/exports/").json()["results"]
    assert list(listed["failed_formats"]) == ["spss"]


def test_the_nightly_export_produces_every_format_it_can(data_trial, monkeypatch):
    def broken(data):
        raise RuntimeError("no memory left")

    monkeypatch.setattr("diary.exports.formats.xlsx_bytes", broken)
    diary_tasks.scheduled_data_export.delay(
        formats=["package", "xlsx", "spss", "stata", "codebook"]
    ).get()
    run = ExportRun.objects.get()
    assert run.status == ExportRun.Status.DONE
    assert run.files.count() == 5 and not run.files.filter(kind="xlsx").exists()
    assert list(run.failed_formats) == ["xlsx"]
    package = run.files.get(kind="package")
    with zipfile.ZipFile(io.BytesIO(_media(package.file.name).read_bytes())) as archive:
        assert "adverse_events.csv" in archive.namelist()


def test_an_export_whose_every_format_fails_is_failed(data_trial, monkeypatch):
    def broken(data):
        raise RuntimeError("no memory left")

    monkeypatch.setattr("diary.exports.formats.xlsx_bytes", broken)
    run = _export(formats=["xlsx"])
    assert run.status == ExportRun.Status.FAILED
    assert "internal error" in run.error and not run.files.exists()
    assert _files_under("exports") == []


def test_a_report_format_that_fails_is_recorded_and_the_others_are_kept(data_trial, monkeypatch):
    def broken(report):
        raise RuntimeError("openpyxl crashed")

    monkeypatch.setitem(reports_module.RENDERERS, "xlsx", broken)
    report = _report()
    assert report.status == Report.Status.DONE
    kinds = list(report.files.values_list("kind", flat=True))
    assert set(kinds) == {"json", "html", "csv", "png", "svg", "pdf"}
    # every figure in each of its formats
    assert kinds.count("png") == kinds.count("svg") == kinds.count("pdf") >= 2
    assert list(report.failed_formats) == ["xlsx"]
    page = Client()
    page.force_login(staff("statistician"))
    assert "XLSX" in page.get(f"/reports/{report.pk}/").content.decode()
