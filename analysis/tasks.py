"""Celery tasks of the analysis app: thin wrappers that take ids and call a service."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from analysis.models import Report
from analysis.services.reports import (
    report_build,
    reports_orphans_remove,
    reports_requeue_stale,
)
from analysis.services.retention import reports_prune


@shared_task(
    name="analysis.generate_itt_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def generate_itt_report(report_id: str) -> str:
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


@shared_task(
    name="analysis.requeue_stale_reports", acks_late=True, autoretry_for=(OperationalError,)
)
def requeue_stale_reports() -> int:
    """Remove what killed report jobs left behind, and queue again reports whose job was
    lost (e.g. a broker restarted without its queue). Returns the reports queued again."""
    running_for = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 1800)
    reports_orphans_remove()
    return len(
        reports_requeue_stale(
            queued_for=timedelta(minutes=10), running_for=timedelta(seconds=running_for)
        )
    )
