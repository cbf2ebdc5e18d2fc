"""Celery tasks of the analysis app: thin wrappers that take ids and call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from analysis.models import Report
from analysis.services.reports import report_build
from analysis.services.retention import reports_prune


@shared_task(
    name="analysis.generate_itt_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def generate_itt_report(report_id: int) -> str:
    """Build the report (idempotent: a done report is left alone, a report whose
    earlier job was killed is started again cleanly). Returns its final status."""
    report = Report.objects.filter(pk=report_id).first()
    if report is None:
        return "missing"
    return report_build(report=report).status


@shared_task(name="analysis.prune_reports", acks_late=True, autoretry_for=(OperationalError,))
def prune_reports() -> int:
    """Remove reports older than ARTIFACT_RETENTION_DAYS (the schedule's nightly job)."""
    return reports_prune()
