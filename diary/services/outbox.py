"""Sending an email once: the message's key is claimed in the outbox, in the same
transaction that sends it, before anything goes out.

A second job with the same key (a retried task, a second worker, the catch-up
schedule) waits for the first one's transaction and then finds the message sent.
When sending fails the claim is rolled back with it, so a retry sends the message.

No message is lost: one with nobody to send it to (no active member of its audience
has an email address) stays pending, saying why, and the catch-up schedule
(diary.services.alerts.outbox_pending_retry) tries it again until it goes out.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from diary.models import OutboxMessage

# Re-exported: who the office writes to lives in diary.selectors.recipients.
from diary.selectors.recipients import addresses, staff_with_role  # noqa: F401

logger = logging.getLogger(__name__)

Composed = EmailMessage | list[EmailMessage] | None


def outbox_send(
    *,
    key: str,
    kind: str,
    compose: Callable[[], Composed],
    subject: str = "",
    audience: str = "",
) -> OutboxMessage | None:
    """Send the message(s) `compose` makes, unless the one with `key` went already.
    Returns the outbox record of a message sent now, None otherwise. `compose`
    returning None means nobody in `audience` can receive it yet: the message is kept
    pending (with `subject` and the reason) for a later call to send."""
    with transaction.atomic():
        message, _ = OutboxMessage.objects.select_for_update().get_or_create(
            key=key[:300], defaults={"kind": kind, "subject": subject[:300]}
        )
        if message.status == OutboxMessage.Status.SENT:
            return None
        composed = compose()
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        if not composed:
            if message.status != OutboxMessage.Status.PENDING or message.attempts == 1:
                logger.warning("outbox %s: nobody to send it to; pending", key)
            message.status = OutboxMessage.Status.PENDING
            message.subject = message.subject or subject[:300]
            message.pending_reason = (
                f"Nobody to send it to yet: none of {audience or 'its recipients'} is "
                "active with an email address."
            )[:300]
            message.save(
                update_fields=["status", "subject", "pending_reason", "attempts", "last_attempt_at"]
            )
            return None
        emails = composed if isinstance(composed, list) else [composed]
        for email in emails:
            email.send(fail_silently=False)
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.subject = emails[0].subject[:300]
        message.recipients = ", ".join(sorted({to for email in emails for to in email.to}))
        message.pending_reason = ""
        message.save(
            update_fields=[
                "status",
                "sent_at",
                "subject",
                "recipients",
                "pending_reason",
                "attempts",
                "last_attempt_at",
            ]
        )
    return message


def outbox_expire(*, message: OutboxMessage, reason: str) -> None:
    """Give up a pending message that a later one replaces (e.g. yesterday's digest)."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.EXPIRED, pending_reason=reason[:300]
    )


def email_message(*, subject: str, to: list[str], text: str, html: str | None = None):
    """A message from the trial office (DEFAULT_FROM_EMAIL), with an HTML part when given."""
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
