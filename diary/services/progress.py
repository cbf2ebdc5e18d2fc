"""The weekly progress report: built and stored once per schedule and period
(diary.services.exports), then emailed to the coordinators once (the outbox).
Blinded: nothing in it is by arm."""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from diary.models import ExportRun, OutboxMessage, Trial
from diary.selectors.recipients import PROGRESS_AUDIENCE, progress_report_recipients
from diary.services.exports import export_build, scheduled_run
from diary.services.outbox import email_message, outbox_send

PROGRESS_KEY = "progress-report:"


def progress_report_scheduled(
    *,
    schedule: str,
    period: str,
    on_date: date | None = None,
    run_now_by: str = "",
    trial: Trial | None = None,
) -> ExportRun:
    """Store the progress report of `schedule` for `period` and email it to the
    coordinators; a retry neither stores nor sends it again."""
    on_date = on_date or timezone.localdate()
    run = scheduled_run(
        kind=ExportRun.Kind.PROGRESS,
        schedule=schedule,
        period=period,
        parameters={"on_date": on_date.isoformat()},
        run_now_by=run_now_by,
        trial=trial,
    )
    return progress_report_build(run=run)


def progress_report_build(*, run: ExportRun) -> ExportRun:
    """Build a stored progress report (also one queued again after its job was lost)
    and, once done, email it to the coordinators (once per report)."""
    run = export_build(run=run)
    if run.status == ExportRun.Status.DONE:
        progress_report_email(run=run)
    return run


def progress_report_email(*, run: ExportRun) -> list[str]:
    """Email a stored progress report (its HTML as the message) to the coordinators,
    once per report (pending while no coordinator has an address). Returns the
    addresses written to now."""
    stored = run.files.get(kind="progress")
    html = (Path(settings.MEDIA_ROOT) / stored.file.name).read_text()
    on_date = run.parameters["on_date"]
    code = run.trial.code

    subject = f"[{code}] Weekly progress report, {on_date}"

    def compose():
        to = progress_report_recipients()
        if not to:
            return None
        return email_message(
            subject=subject,
            to=to,
            text=(
                f"The weekly progress report of the trial {code} on {on_date} is the HTML "
                f"part of this email; it is also stored under Exports ({stored.name}).\n"
                "Blinded: no figure is given by arm.\n"
            ),
            html=html,
        )

    sent = outbox_send(
        key=f"{PROGRESS_KEY}{run.pk}",
        kind=OutboxMessage.Kind.PROGRESS_REPORT,
        compose=compose,
        subject=subject,
        audience=PROGRESS_AUDIENCE,
    )
    return sent.recipients.split(", ") if sent else []
