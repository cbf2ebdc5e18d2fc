"""Serious adverse events are emailed to the coordinators and the investigators of the
event's site exactly once, however the event was saved: the service, the web app,
the API, an import, or (through the catch-up schedule) the admin. The email never
names an arm or a bottle."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from diary.models import AdverseEvent, OutboxMessage
from diary.services.adverse_events import adverse_event_record, adverse_event_update
from diary.services.alerts import sae_alert_send
from diary.services.package_import import package_import
from diary.tasks import notify_serious_adverse_event, sae_alert_sweep
from tests.diary.package.builders import PackageBuilder
from tests.exports.conftest import arm_words, staff
from tests.factories import enrol

pytestmark = pytest.mark.django_db

ONSET = date(2023, 1, 10)


@pytest.fixture
def people(trial):
    """Who is told and who is not: coordinators and C1's investigator are; C2's
    investigator, C1's research assistant and the statisticians are not."""
    return {
        "coordinator": staff("coordinator"),
        "coordinator2": staff("coordinator", username="coordinator-two"),
        "investigator_c1": staff("investigator", "C1"),
        "investigator_c2": staff("investigator", "C2"),
        "ra_c1": staff("research_assistant", "C1"),
        "statistician": staff("statistician"),
        "unblinded": staff("unblinded_statistician"),
    }


@pytest.fixture
def participant(trial, site_c1):
    p = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001")
    p.randomized_on, p.bottle_number = date(2023, 1, 6), 17
    p.save()
    return p


EXPECTED = [
    "coordinator-all@trial.test",
    "coordinator-two@trial.test",
    "investigator-C1@trial.test",
]


def _record(participant, by_user, *, serious=True, term="Fall with hip fracture"):
    return adverse_event_record(
        participant=participant,
        onset_on=ONSET,
        term=term,
        serious=serious,
        grade="severe",
        relatedness="unrelated",
        by_user=by_user,
    )


def _alerts():
    return [m for m in mail.outbox if "Serious adverse event" in m.subject]


def test_a_serious_event_recorded_by_the_service_is_emailed_once(
    trial, participant, people, committed
):
    with committed():
        event = _record(participant, people["ra_c1"])
    [alert] = _alerts()
    assert sorted(alert.to) == EXPECTED
    assert "C1-001" in alert.subject and "site C1" in alert.subject
    assert "Fall with hip fracture" in alert.body and "2023-01-10" in alert.body
    # A retried task (or the catch-up schedule) sends nothing more.
    assert notify_serious_adverse_event.delay(event.pk).get() == 0
    assert sae_alert_sweep.delay().get() == 0
    assert len(_alerts()) == 1
    outbox = OutboxMessage.objects.get(key=f"sae-alert:{event.pk}")
    assert outbox.sent_at is not None and outbox.recipients == ", ".join(EXPECTED)


def test_the_alert_names_no_arm_and_no_bottle(trial, participant, people, committed):
    with committed():
        _record(participant, people["ra_c1"])
    [alert] = _alerts()
    text = alert.subject + alert.body
    for word in arm_words(trial):
        assert word.lower() not in text.lower()
    assert "17" not in text  # the bottle number
    assert "bottle" not in text.lower()


def test_a_non_serious_event_is_not_alerted(trial, participant, people, committed):
    with committed():
        _record(participant, people["ra_c1"], serious=False)
    assert _alerts() == []
    assert sae_alert_sweep.delay().get() == 0


def test_an_event_made_serious_later_is_alerted_once(trial, participant, people, committed):
    with committed():
        event = _record(participant, people["ra_c1"], serious=False)
    with committed():
        adverse_event_update(
            event=event, changes={"serious": True}, by_user=people["coordinator"], reason="SAE"
        )
    assert len(_alerts()) == 1
    with committed():  # other changes to a serious event send nothing more
        adverse_event_update(
            event=event,
            changes={"outcome": "Recovering"},
            by_user=people["coordinator"],
            reason="follow-up",
        )
        adverse_event_update(
            event=event, changes={"serious": False}, by_user=people["coordinator"], reason="x"
        )
        adverse_event_update(
            event=event, changes={"serious": True}, by_user=people["coordinator"], reason="y"
        )
    assert len(_alerts()) == 1


def test_a_rolled_back_event_sends_nothing(trial, participant, people, committed):
    from django.db import transaction

    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        _record(participant, people["ra_c1"])
        raise RuntimeError("the request failed after the save")
    assert _alerts() == [] and not AdverseEvent.objects.exists()


def test_a_serious_event_from_the_api_is_emailed_once(trial, participant, people, committed):
    client = APIClient()
    client.force_authenticate(user=people["ra_c1"])
    body = {
        "participant_id": "C1-001",
        "onset_on": "2023-01-10",
        "term": "Syncope",
        "serious": True,
        "grade": "severe",
        "relatedness": "possible",
    }
    with committed():
        response = client.post("/api/adverse-events/", body, format="json")
    assert response.status_code == 201, response.json()
    [alert] = _alerts()
    assert sorted(alert.to) == EXPECTED and "Syncope" in alert.body


def test_a_serious_event_from_the_web_app_is_emailed_once(trial, participant, people, committed):
    client = Client()
    client.force_login(people["ra_c1"])
    post = {
        "term": "Chest pain",
        "onset_on": "2023-01-10",
        "serious": "yes",
        "grade": "severe",
        "relatedness": "unlikely",
        "outcome": "",
        "resolved_on": "",
    }
    with committed():
        response = client.post("/participants/C1-001/adverse-events/new/", post)
    assert response.status_code == 302
    [alert] = _alerts()
    assert "Chest pain" in alert.body


def test_each_serious_event_of_an_import_is_emailed_once(db, tmp_path, committed):
    coordinator = staff("coordinator")
    with committed():
        package_import(path=PackageBuilder().write(tmp_path / "pkg"))
        investigator = staff("investigator", "C2")
        staff("investigator", "C1")
    [alert] = _alerts()  # the package holds one serious event, at site C2
    assert sorted(alert.to) == sorted([coordinator.email, investigator.email])
    assert "Fall, hip fracture" in alert.body and "C2-001" in alert.subject
    assert sae_alert_sweep.delay().get() == 0
    assert len(_alerts()) == 1


def test_the_catch_up_alerts_an_event_saved_without_the_service_once(trial, participant, people):
    """The admin saves adverse events directly: the one-minute schedule alerts them."""
    event = AdverseEvent.objects.create(
        participant=participant,
        onset_on=ONSET,
        term="Pneumonia",
        serious=True,
        grade="severe",
        relatedness="unrelated",
    )
    AdverseEvent.objects.create(
        participant=participant,
        onset_on=ONSET,
        term="Bruise",
        serious=False,
        grade="mild",
        relatedness="unrelated",
    )
    assert sae_alert_sweep.delay().get() == 1
    assert sae_alert_sweep.delay().get() == 0
    [alert] = _alerts()
    assert "Pneumonia" in alert.body
    assert OutboxMessage.objects.get().key == f"sae-alert:{event.pk}"


def test_a_failed_send_is_sent_by_the_retry(trial, participant, people, monkeypatch):
    from smtplib import SMTPException

    event = AdverseEvent.objects.create(
        participant=participant,
        onset_on=ONSET,
        term="Stroke",
        serious=True,
        grade="severe",
        relatedness="unrelated",
    )

    def down(self, *args, **kwargs):
        raise SMTPException("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMessage.send", down)
        with pytest.raises(SMTPException):
            sae_alert_send(event=event)
    assert not OutboxMessage.objects.exists()  # the claim went with the failure
    assert sae_alert_send(event=event) == EXPECTED
    assert sae_alert_send(event=event) == []
    assert len(_alerts()) == 1


def test_without_anyone_to_tell_the_alert_stays_pending(trial, participant):
    """(It used to be recorded as sent to nobody and never sent: see
    test_pending_alerts.py for how it goes out later.)"""
    event = AdverseEvent.objects.create(
        participant=participant,
        onset_on=ONSET + timedelta(days=1),
        term="Collapse",
        serious=True,
        grade="severe",
        relatedness="unrelated",
    )
    assert sae_alert_send(event=event) == []
    message = OutboxMessage.objects.get()
    assert message.recipients == "" and message.status == OutboxMessage.Status.PENDING
    assert sae_alert_sweep.delay().get() == 0
