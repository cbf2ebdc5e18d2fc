"""Sending an email once: the message's key is claimed in the outbox, in the same
transaction that sends it, before anything goes out.

A second job with the same key (a retried task, a second worker, the catch-up
schedule) waits for the first one's transaction and then finds the message sent.
When sending fails the claim is rolled back with it, so a retry sends the message.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from diary.models import OutboxMessage, Site
from diary.roles import Role

logger = logging.getLogger(__name__)


def outbox_send(
    *, key: str, kind: str, compose: Callable[[], EmailMessage | None]
) -> OutboxMessage | None:
    """Send the message `compose` makes, unless one with `key` went already. Returns
    the outbox record of a message sent now, None otherwise. `compose` returning None
    (nobody to send to) records the key as done without sending."""
    with transaction.atomic():
        message, _ = OutboxMessage.objects.select_for_update().get_or_create(
            key=key[:300], defaults={"kind": kind}
        )
        if message.sent_at is not None:
            return None
        email = compose()
        message.sent_at = timezone.now()
        if email is None:
            logger.warning("outbox %s: nobody to send it to", key)
            message.save(update_fields=["sent_at"])
            return None
        email.send(fail_silently=False)
        message.subject = email.subject[:300]
        message.recipients = ", ".join(email.to)
        message.save(update_fields=["sent_at", "subject", "recipients"])
    return message


def staff_with_role(role: Role, *, site: Site | None = None) -> QuerySet:
    """Active users of `role` with an email address (of `site` when given)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=role.value)
    if site is not None:
        users = users.filter(site_assignments__site=site)
    return users.exclude(email="")


def addresses(*querysets: QuerySet) -> list[str]:
    return sorted({email for qs in querysets for email in qs.values_list("email", flat=True)})


def email_message(*, subject: str, to: list[str], text: str, html: str | None = None):
    """A message from the trial office (DEFAULT_FROM_EMAIL), with an HTML part when given."""
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=to
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message
