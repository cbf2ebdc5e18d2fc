"""Celery tasks of the capture app: thin wrappers that take ids and call a service."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from diary.models import EmergencyUnblinding
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
