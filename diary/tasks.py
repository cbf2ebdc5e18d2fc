"""Celery tasks of the capture app: thin wrappers that take ids and call a service."""

from datetime import timedelta
from smtplib import SMTPException

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from diary.exports.formats import FORMATS
from diary.models import AdverseEvent, EmergencyUnblinding, ExportRun
from diary.selectors.schedules import schedule_run_request
from diary.selectors.trial import trial_or_none
from diary.services.alerts import (
    call_digests_send,
    outbox_pending_retry,
    sae_alert_send,
    sae_alerts_pending,
    unblinding_notices_pending,
)
from diary.services.exports import (
    export_build,
    export_run_scheduled,
    exports_orphans_remove,
    exports_prune,
    exports_requeue_stale,
)
from diary.services.progress import progress_report_build, progress_report_scheduled
from diary.services.unblinding import emergency_unblinding_notify


@shared_task(
    name="diary.notify_emergency_unblinding",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError, SMTPException, ConnectionError),
    retry_backoff=5,
    max_retries=8,
)
def notify_emergency_unblinding(unblinding_id: int) -> int:
    """Email the coordinators and the unblinded statistician about an emergency
    unblinding (idempotent: sent once even when retried). Returns the addresses sent to."""
    unblinding = EmergencyUnblinding.objects.filter(pk=unblinding_id).first()
    if unblinding is None:
        return 0
    return len(emergency_unblinding_notify(unblinding=unblinding))


# -- scheduled exports, reports and emails (schedules: django-celery-beat, in the admin) --

RETRIED = (OperationalError, InterfaceError)
EMAIL_RETRIED = (OperationalError, InterfaceError, SMTPException, ConnectionError)


def _schedule(task) -> tuple[str, str]:
    """(schedule name, who ran it now). "Run now" is recorded by the app under the
    task's id (diary.services.schedules); any other run is the schedule's own, named by
    beat, which sets periodic_task_name from the periodic task's name over any header
    stored with it. No user is ever read from the message: a coordinator may store
    headers on a periodic task, and beat sends them with every run."""
    request = task.request
    run_now = schedule_run_request(task_id=request.id)
    if run_now is not None:
        return run_now.schedule, run_now.requested_by_name or "?"
    headers = getattr(request, "headers", None) or {}
    name = getattr(request, "periodic_task_name", None) or headers.get("periodic_task_name")
    return name or task.name, ""


def _period(task, run_now_by: str, period: str) -> str:
    # "Run now" makes a run of its own (keyed by its task id, which a retry keeps).
    return f"run-now:{task.request.id}" if run_now_by else period


@shared_task(
    bind=True,
    name="diary.scheduled_data_export",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRIED,
    retry_backoff=5,
    max_retries=5,
)
def scheduled_data_export(self, formats=None) -> str:
    """The schedule's blinded data export of the day (stored once per day)."""
    if trial_or_none() is None:
        return "no trial"
    schedule, run_now_by = _schedule(self)
    period = _period(self, run_now_by, timezone.localdate().isoformat())
    run = export_run_scheduled(
        schedule=schedule, period=period, formats=formats or FORMATS, run_now_by=run_now_by
    )
    return run.status


@shared_task(
    bind=True,
    name="diary.weekly_progress_report",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=EMAIL_RETRIED,
    retry_backoff=5,
    max_retries=8,
)
def weekly_progress_report(self) -> str:
    """The schedule's blinded progress report of the week, stored and emailed once."""
    if trial_or_none() is None:
        return "no trial"
    schedule, run_now_by = _schedule(self)
    year, week, _ = timezone.localdate().isocalendar()
    period = _period(self, run_now_by, f"{year}-W{week:02d}")
    run = progress_report_scheduled(schedule=schedule, period=period, run_now_by=run_now_by)
    return run.status


@shared_task(
    name="diary.build_export",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRIED,
    retry_backoff=5,
    max_retries=5,
)
def build_export(run_id) -> str:
    """Build an export asked for in the web app, the admin or the API, or a stored run
    queued again after its job was lost (idempotent; a progress report is emailed once)."""
    run = ExportRun.objects.filter(pk=run_id).first()
    if run is None:
        return "missing"
    build = progress_report_build if run.kind == ExportRun.Kind.PROGRESS else export_build
    return build(run=run).status


@shared_task(
    name="diary.requeue_stale_exports", acks_late=True, autoretry_for=RETRIED, max_retries=3
)
def requeue_stale_exports() -> int:
    """Remove what killed export jobs left behind, and queue again the exports and
    progress reports whose job was lost (e.g. a broker restarted without its queue).
    Returns the runs queued again."""
    running_for = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 1800)
    exports_orphans_remove()
    return len(
        exports_requeue_stale(
            queued_for=timedelta(minutes=10), running_for=timedelta(seconds=running_for)
        )
    )


@shared_task(
    name="diary.overdue_call_digest",
    acks_late=True,
    autoretry_for=EMAIL_RETRIED,
    retry_backoff=5,
    max_retries=8,
)
def overdue_call_digest(sites=None) -> int:
    """Email each site's (or each named site's) research assistants their overdue
    calls of today, once per site and day. Returns the number of emails sent."""
    trial = trial_or_none()
    if trial is None:
        return 0
    sent = call_digests_send(trial=trial, site_codes=sites)
    return sum(1 for addresses in sent.values() if addresses)


@shared_task(
    name="diary.notify_serious_adverse_event",
    acks_late=True,
    autoretry_for=EMAIL_RETRIED,
    retry_backoff=5,
    max_retries=8,
)
def notify_serious_adverse_event(event_id: int) -> int:
    """Email the coordinators and the site's investigators about a serious adverse
    event (once, even when retried). Returns the addresses sent to now."""
    event = AdverseEvent.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    return len(sae_alert_send(event=event))


@shared_task(name="diary.sae_alert_sweep", acks_late=True, autoretry_for=RETRIED, max_retries=3)
def sae_alert_sweep() -> int:
    """The catch-up of alerts and notices (every minute): queue the alert of every
    serious adverse event and the notice of every emergency unblinding never attempted
    (saved where none was queued, or that could not be queued), and send every pending
    message that someone can now receive. Returns how many were queued or sent."""
    events = sae_alerts_pending()
    for event_id in events:
        notify_serious_adverse_event.delay(event_id)
    unblindings = unblinding_notices_pending()
    for unblinding_id in unblindings:
        notify_emergency_unblinding.delay(unblinding_id)
    return len(events) + len(unblindings) + outbox_pending_retry()


@shared_task(name="diary.prune_exports", acks_late=True, autoretry_for=RETRIED, max_retries=3)
def prune_exports() -> int:
    """Remove exports and progress reports older than ARTIFACT_RETENTION_DAYS."""
    return exports_prune()


@shared_task(name="diary.run_edit_checks", acks_late=True, autoretry_for=RETRIED, max_retries=3)
def run_edit_checks() -> int:
    """Run every declared edit check on every participant's records (daily): the
    checks that depend on the date, and data written in bulk (an import). Returns the
    number of queries raised."""
    from diary.services.queries import edit_checks_run

    return edit_checks_run()["raised"]


@shared_task(
    name="diary.send_diary_reminders",
    acks_late=True,
    autoretry_for=EMAIL_RETRIED,
    retry_backoff=5,
    max_retries=3,
)
def send_diary_reminders() -> int:
    """Send the participants' diary reminders due now (each once per day)."""
    from diary.services.reminders import diary_reminders_send

    return diary_reminders_send()
