"""Removing old reports: a finished report (done or failed) older than
ARTIFACT_RETENTION_DAYS goes, files and record; the download audit trail stays."""

from datetime import datetime

from analysis.models import Report
from analysis.services.reports import report_folder
from diary.services.artifacts import artifacts_prune


def reports_prune(*, now: datetime | None = None) -> int:
    """Returns the number of reports removed."""
    finished = Report.objects.filter(status__in=[Report.Status.DONE, Report.Status.FAILED])
    return artifacts_prune(finished, folder=report_folder, now=now)
