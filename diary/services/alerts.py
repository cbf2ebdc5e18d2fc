"""Emails about the trial's safety and its calls, each sent once (diary.services.outbox):

- a serious adverse event, however it was saved (web app, API, import; the admin
  through the catch-up schedule), goes to the coordinators and the investigators of
  its site. The email names the participant, the site and the event, never an arm
  or a bottle;
- the daily digest tells each site's research assistants which calls are overdue.

No alert is lost: one with nobody to send it to stays pending, and the catch-up
schedule (`alerts_catch_up`) sends it once someone can receive it, together with the
alerts and notices that were never queued.
"""

import functools
import logging
from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone

from diary.models import AdverseEvent, EmergencyUnblinding, ExportRun, OutboxMessage, Site, Trial
from diary.selectors.calls import site_calls_due
from diary.selectors.recipients import (
    digest_audience,
    digest_recipients,
    sae_alert_audience,
    sae_alert_recipients,
)
from diary.services.outbox import email_message, outbox_expire, outbox_send

logger = logging.getLogger(__name__)

SAE_KEY = "sae-alert:"
DIGEST_KEY = "call-digest:"


# -- serious adverse events ------------------------------------------------------------


def sae_alerts_queue(*, event_ids: Iterable[int]) -> None:
    """Queue the alert of each serious adverse event once the transaction commits.
    Called by the services that save adverse events."""
    for event_id in event_ids:
        transaction.on_commit(functools.partial(_enqueue_sae_alert, event_id))


def _enqueue_sae_alert(event_id: int) -> None:
    from diary.tasks import notify_serious_adverse_event

    try:
        notify_serious_adverse_event.delay(event_id)
    except Exception:
        # The event is saved; the catch-up schedule sends the alert within a minute.
        logger.exception("could not queue the alert of serious adverse event %s", event_id)


def sae_alert_send(*, event: AdverseEvent) -> list[str]:
    """Email the coordinators and the site's investigators about a serious adverse
    event, once. Returns the addresses written to now ([] when sent before, or when
    nobody can receive it yet: then it stays pending)."""
    event = AdverseEvent.objects.select_related("participant__site", "participant__trial").get(
        pk=event.pk
    )
    if not event.serious:
        return []
    site = event.participant.site
    subject = (
        f"[{event.participant.trial.code}] Serious adverse event: "
        f"{event.participant.participant_id} (site {site.code})"
    )

    def compose():
        to = sae_alert_recipients(site=site)
        if not to:
            return None
        context = {"event": event, "participant": event.participant, "site": site}
        return email_message(
            subject=subject, to=to, text=render_to_string("exports/email/sae_alert.txt", context)
        )

    sent = outbox_send(
        key=f"{SAE_KEY}{event.pk}",
        kind=OutboxMessage.Kind.SAE_ALERT,
        compose=compose,
        subject=subject,
        audience=sae_alert_audience(site),
    )
    return sent.recipients.split(", ") if sent else []


def sae_alerts_pending() -> list[int]:
    """Serious adverse events whose alert was never attempted (saved where no alert was
    queued, or whose alert could not be queued)."""
    keys = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SAE_ALERT).values("key")
    return list(
        AdverseEvent.objects.filter(serious=True)
        .annotate(alert_key=Concat(Value(SAE_KEY), Cast("pk", CharField())))
        .exclude(alert_key__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# -- the daily digest of overdue calls ---------------------------------------------------


def call_digest_send(*, site: Site, on_date: date) -> list[str]:
    """Email the site's research assistants the calls overdue on `on_date`, once per
    site and day; nothing when none is overdue. Returns the addresses written to."""
    queue = site_calls_due(site=site, on_date=on_date)
    if not queue.overdue:
        return []
    count = len(queue.overdue)
    subject = (
        f"[{site.trial.code}] {count} overdue call{'s' if count != 1 else ''} at site "
        f"{site.code}, {on_date.isoformat()}"
    )

    def compose():
        to = digest_recipients(site=site)
        if not to:
            return None
        rows = [(row, row.days_overdue(on_date)) for row in queue.overdue]
        context = {"site": site, "on_date": on_date, "rows": rows}
        return email_message(
            subject=subject, to=to, text=render_to_string("exports/email/call_digest.txt", context)
        )

    sent = outbox_send(
        key=f"{DIGEST_KEY}{site.trial_id}:{site.code}:{on_date.isoformat()}",
        kind=OutboxMessage.Kind.CALL_DIGEST,
        compose=compose,
        subject=subject,
        audience=digest_audience(site),
    )
    return sent.recipients.split(", ") if sent else []


def call_digests_send(
    *, trial: Trial, on_date: date | None = None, site_codes: Iterable[str] | None = None
) -> dict[str, list[str]]:
    """The digest of every site (or of the sites named): {site code: addresses}."""
    on_date = on_date or timezone.localdate()
    sites = trial.sites.order_by("code")
    if site_codes:
        sites = sites.filter(code__in=list(site_codes))
    return {site.code: call_digest_send(site=site, on_date=on_date) for site in sites}


# -- the catch-up: nothing is lost ---------------------------------------------------------


def _retry_sae(message: OutboxMessage, today: date) -> bool:
    event = AdverseEvent.objects.filter(pk=int(message.key.removeprefix(SAE_KEY))).first()
    if event is None or not event.serious:
        outbox_expire(message=message, reason="The event is no longer serious.")
        return False
    return bool(sae_alert_send(event=event))


def _retry_unblinding(message: OutboxMessage, today: date) -> bool:
    from diary.services.unblinding import UNBLINDING_KEY, emergency_unblinding_notify

    pk = int(message.key.removeprefix(UNBLINDING_KEY))
    unblinding = EmergencyUnblinding.objects.filter(pk=pk).first()
    return unblinding is not None and bool(emergency_unblinding_notify(unblinding=unblinding))


def _retry_digest(message: OutboxMessage, today: date) -> bool:
    trial_id, code, day = message.key.removeprefix(DIGEST_KEY).split(":")
    on_date = date.fromisoformat(day)
    site = Site.objects.filter(trial_id=int(trial_id), code=code).select_related("trial").first()
    if site is None or on_date < today:
        outbox_expire(message=message, reason="The day is over: the next digest replaces it.")
        return False
    return bool(call_digest_send(site=site, on_date=on_date))


def _retry_progress(message: OutboxMessage, today: date) -> bool:
    from diary.services.progress import PROGRESS_KEY, progress_report_email

    run = ExportRun.objects.filter(
        pk=message.key.removeprefix(PROGRESS_KEY), status=ExportRun.Status.DONE
    ).first()
    if run is None or not run.files.filter(kind="progress").exists():
        outbox_expire(message=message, reason="The stored report is gone.")
        return False
    return bool(progress_report_email(run=run))


RETRY: dict[str, Callable[[OutboxMessage, date], bool]] = {
    OutboxMessage.Kind.SAE_ALERT: _retry_sae,
    OutboxMessage.Kind.EMERGENCY_UNBLINDING: _retry_unblinding,
    OutboxMessage.Kind.CALL_DIGEST: _retry_digest,
    OutboxMessage.Kind.PROGRESS_REPORT: _retry_progress,
}


def outbox_pending_retry(*, today: date | None = None) -> int:
    """Try every pending message again; returns how many went out now. One message
    failing (the mail server) does not stop the others; it stays pending."""
    today = today or timezone.localdate()
    sent = 0
    pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).order_by(
        "created_at", "pk"
    )
    for message in pending:
        retry = RETRY.get(message.kind)
        if retry is None:
            continue
        try:
            sent += retry(message, today)
        except Exception:
            logger.exception("outbox %s: the retry failed; it stays pending", message.key)
    return sent


def unblinding_notices_pending() -> list[int]:
    """Emergency unblindings whose notice was never attempted."""
    from diary.services.unblinding import UNBLINDING_KEY

    keys = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMERGENCY_UNBLINDING).values("key")
    return list(
        EmergencyUnblinding.objects.filter(notified_at__isnull=True)
        .annotate(notice_key=Concat(Value(UNBLINDING_KEY), Cast("pk", CharField())))
        .exclude(notice_key__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
