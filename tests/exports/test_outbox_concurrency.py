"""Two jobs sending the same alert at the same moment (a retried task racing the
catch-up schedule, two workers) send it once: the outbox key is claimed in the
database before anything goes out. PostgreSQL only (real concurrent transactions)."""

import threading
import time
from datetime import date

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection

from diary.models import AdverseEvent, OutboxMessage
from diary.services.alerts import sae_alert_send
from tests.exports.conftest import staff
from tests.factories import enrol, make_trial

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_simultaneous_sends_of_one_alert_send_it_once(monkeypatch):
    if connection.vendor != "postgresql":
        reason = "needs PostgreSQL: SQLite serialises the whole database, so nothing races"
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    trial = make_trial()
    participant = enrol(trial, trial.sites.get(code="C1"), participant_id="C1-001")
    staff("coordinator")
    event = AdverseEvent.objects.create(
        participant=participant,
        onset_on=date(2023, 1, 10),
        term="Fall",
        serious=True,
        grade="severe",
        relatedness="unrelated",
    )
    send = EmailMessage.send

    def slow_send(self, *args, **kwargs):
        time.sleep(0.5)  # the other job arrives while this one holds the claim
        return send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMessage, "send", slow_send)
    start = threading.Barrier(4)
    results, errors = [], []

    def job():
        try:
            start.wait()
            results.append(sae_alert_send(event=event))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=job) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert len(mail.outbox) == 1
    assert OutboxMessage.objects.count() == 1
