"""Emails about the trial's safety and its calls, each sent once (diary.services.outbox):

- a serious adverse event, however it was saved (web app, API, import; the admin
  through the catch-up schedule), goes to the coordinators and the investigators of
  its site. The email names the participant, the site and the event, never an arm
  or a bottle;
- the daily digest tells each site's research assistants which calls are overdue.
"""

import functools
import logging
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone

from diary.models import AdverseEvent, OutboxMessage, Site, Trial
from diary.roles import Role
from diary.selectors.calls import site_calls_due
from diary.services.outbox import addresses, email_message, outbox_send, staff_with_role

logger = logging.getLogger(__name__)

SAE_KEY = "sae-alert:"


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
    event, once. Returns the addresses written to now ([] when sent before)."""
    event = AdverseEvent.objects.select_related("participant__site", "participant__trial").get(
        pk=event.pk
    )
    if not event.serious:
        return []

    def compose():
        site = event.participant.site
        to = addresses(
            staff_with_role(Role.COORDINATOR), staff_with_role(Role.INVESTIGATOR, site=site)
        )
        if not to:
            return None
        context = {"event": event, "participant": event.participant, "site": site}
        return email_message(
            subject=(
                f"[{event.participant.trial.code}] Serious adverse event: "
                f"{event.participant.participant_id} (site {site.code})"
            ),
            to=to,
            text=render_to_string("exports/email/sae_alert.txt", context),
        )

    sent = outbox_send(
        key=f"{SAE_KEY}{event.pk}", kind=OutboxMessage.Kind.SAE_ALERT, compose=compose
    )
    return sent.recipients.split(", ") if sent else []


def sae_alerts_pending() -> list[int]:
    """Serious adverse events whose alert has not been sent (nor claimed)."""
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

    def compose():
        to = addresses(staff_with_role(Role.RESEARCH_ASSISTANT, site=site))
        if not to:
            return None
        rows = [(row, row.days_overdue(on_date)) for row in queue.overdue]
        context = {"site": site, "on_date": on_date, "rows": rows}
        return email_message(
            subject=(
                f"[{site.trial.code}] {len(queue.overdue)} overdue "
                f"call{'s' if len(queue.overdue) != 1 else ''} at site {site.code}, "
                f"{on_date.isoformat()}"
            ),
            to=to,
            text=render_to_string("exports/email/call_digest.txt", context),
        )

    sent = outbox_send(
        key=f"call-digest:{site.trial_id}:{site.code}:{on_date.isoformat()}",
        kind=OutboxMessage.Kind.CALL_DIGEST,
        compose=compose,
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
