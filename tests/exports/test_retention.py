"""Retention: finished exports, progress reports and analysis reports older than
ARTIFACT_RETENTION_DAYS are removed with their files; newer ones, unfinished ones and
the download audit trail stay."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from analysis.models import Report, ReportDownload, ReportFile
from analysis.tasks import prune_reports
from diary.models import ExportDownload, ExportRun
from diary.services.exports import export_build, export_file_download
from diary.tasks import prune_exports
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db


def _export(trial, *, age_days: int) -> ExportRun:
    run = ExportRun.objects.create(
        trial=trial, parameters={"formats": ["codebook"]}, requested_by_name="test"
    )
    run = export_build(run=run)
    ExportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return run


def _report(trial, *, age_days: int, status=Report.Status.DONE) -> Report:
    report = Report.objects.create(trial=trial, requested_by_name="test", status=status)
    folder = Path(settings.MEDIA_ROOT) / "reports" / str(report.pk)
    folder.mkdir(parents=True)
    (folder / "r.json").write_text("{}")
    ReportFile.objects.create(
        report=report, kind="json", file=f"reports/{report.pk}/r.json", sha256="0" * 64, size=2
    )
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return report


def test_old_exports_go_with_their_files_and_the_audit_trail_stays(
    trial, settings, django_capture_on_commit_callbacks
):
    settings.ARTIFACT_RETENTION_DAYS = 30
    old = _export(trial, age_days=31)
    recent = _export(trial, age_days=29)
    user = staff("coordinator")
    export_file_download(export_file=old.files.first(), by_user=user)
    old_folder = Path(settings.MEDIA_ROOT) / "exports" / str(old.pk)
    assert old_folder.is_dir()
    with django_capture_on_commit_callbacks(execute=True):
        assert prune_exports.delay().get() == 1
    assert list(ExportRun.objects.all()) == [recent]
    assert not old_folder.exists()
    assert (Path(settings.MEDIA_ROOT) / "exports" / str(recent.pk)).is_dir()
    download = ExportDownload.objects.get()
    assert download.export_file is None and download.file_name.startswith(f"exports/{old.pk}/")


def test_an_unfinished_export_is_kept(trial, settings):
    settings.ARTIFACT_RETENTION_DAYS = 30
    ExportRun.objects.create(trial=trial, requested_by_name="test", status="running")
    ExportRun.objects.update(created_at=timezone.now() - timedelta(days=90))
    assert prune_exports.delay().get() == 0 and ExportRun.objects.count() == 1


def test_old_reports_go_too(trial, settings, django_capture_on_commit_callbacks):
    settings.ARTIFACT_RETENTION_DAYS = 30
    old = _report(trial, age_days=40)
    failed = _report(trial, age_days=40, status=Report.Status.FAILED)
    kept = _report(trial, age_days=3)
    queued = _report(trial, age_days=40, status=Report.Status.QUEUED)
    ReportDownload.objects.create(
        report_file=old.files.get(), file_name="reports/x/r.json", user=staff("statistician")
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert prune_reports.delay().get() == 2
    assert set(Report.objects.all()) == {kept, queued}
    assert not (Path(settings.MEDIA_ROOT) / "reports" / str(old.pk)).exists()
    assert not (Path(settings.MEDIA_ROOT) / "reports" / str(failed.pk)).exists()
    assert (Path(settings.MEDIA_ROOT) / "reports" / str(kept.pk)).is_dir()
    assert ReportDownload.objects.get().report_file is None


def test_zero_days_keeps_everything(trial, settings):
    settings.ARTIFACT_RETENTION_DAYS = 0
    _export(trial, age_days=4000)
    _report(trial, age_days=4000)
    assert prune_exports.delay().get() == 0 and prune_reports.delay().get() == 0
    assert ExportRun.objects.count() == 1 and Report.objects.count() == 1
