"""No alert is lost: a message with nobody to send it to stays pending (in the admin
and the progress report) and goes out, once, as soon as someone can receive it; the
pages say truthfully who was told."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from diary.models import AdverseEvent, EmergencyUnblinding, OutboxMessage
from diary.selectors.progress import progress_report
from diary.services.alerts import call_digest_send, sae_alert_send
from diary.services.randomization import participant_randomize
from diary.services.unblinding import participant_unblind_emergency
from diary.tasks import sae_alert_sweep
from tests.exports.conftest import staff
from tests.factories import enrol, make_list, make_user, ready_to_randomize

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def participant(trial, site_c1):
    p = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001")
    p.randomized_on, p.bottle_number = date(2023, 1, 6), 17
    p.save()
    return p


def _sae(participant, term="Collapse"):
    return AdverseEvent.objects.create(
        participant=participant,
        onset_on=date(2023, 1, 11),
        term=term,
        serious=True,
        grade="severe",
        relatedness="unrelated",
    )


def _alerts():
    return [m for m in mail.outbox if "Serious adverse event" in m.subject]


def test_an_sae_alert_with_nobody_to_tell_stays_pending_until_someone_can_be(participant):
    make_user("investigator", "C1")  # no email address
    event = _sae(participant)
    assert sae_alert_send(event=event) == []
    message = OutboxMessage.objects.get()
    assert message.status == OutboxMessage.Status.PENDING and message.sent_at is None
    assert message.subject.startswith("[VITK2-NLC] Serious adverse event: C1-001")
    assert "the coordinators and the investigators of site C1" in message.pending_reason
    assert sae_alert_sweep.delay().get() == 0  # still nobody: still pending
    assert _alerts() == []

    investigator = staff("investigator", "C1", username="ines")
    assert sae_alert_sweep.delay().get() == 1
    [alert] = _alerts()
    assert alert.to == [investigator.email] and "Collapse" in alert.body
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT and message.recipients == investigator.email
    assert message.attempts == 3
    assert sae_alert_sweep.delay().get() == 0
    assert len(_alerts()) == 1


def test_alerts_found_with_nobody_before_this_version_are_sent_when_someone_can_be(
    participant,
):
    """The old outbox marked such alerts sent with no recipients; the migration made
    them pending again."""
    import importlib

    from django.apps import apps

    event = _sae(participant)
    OutboxMessage.objects.create(
        key=f"sae-alert:{event.pk}",
        kind="sae_alert",
        status="sent",
        sent_at="2023-01-11T10:00:00Z",
        recipients="",
    )
    migration = importlib.import_module("diary.migrations.0011_pending_outbox_messages")
    migration.reopen_unsent(apps, None)
    staff("coordinator")
    assert sae_alert_sweep.delay().get() == 1
    assert len(_alerts()) == 1


def test_pending_messages_are_visible_to_coordinators_in_the_admin(participant):
    sae_alert_send(event=_sae(participant))
    client = Client()
    client.force_login(staff("coordinator"))
    OutboxMessage.objects.update(status="pending", sent_at=None)  # as before the address
    page = client.get(reverse("admin:diary_outboxmessage_changelist") + "?status=pending")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Pending" in body and "Serious adverse event: C1-001" in body


def test_the_progress_report_counts_pending_messages(participant):
    sae_alert_send(event=_sae(participant))
    sae_alert_send(event=_sae(participant, term="Stroke"))
    report = progress_report(trial=participant.trial, on_date=date(2023, 1, 16))
    assert [(p.kind, p.count) for p in report.pending_messages] == [
        ("Serious adverse event alert", 2)
    ]


def test_the_progress_report_itself_waits_for_a_coordinator_with_an_address(participant):
    from diary.services.progress import progress_report_scheduled

    run = progress_report_scheduled(schedule="Weekly", period="2023-W03", on_date=date(2023, 1, 16))
    assert run.status == "done" and mail.outbox == []
    assert OutboxMessage.objects.get(kind="progress").status == "pending"
    staff("coordinator")
    sae_alert_sweep.delay().get()
    assert [m.subject for m in mail.outbox] == ["[VITK2-NLC] Weekly progress report, 2023-01-16"]


def test_a_digest_waits_for_a_research_assistant_on_its_day_only(trial, site_c1):
    enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-002")
    assert call_digest_send(site=site_c1, on_date=date(2023, 1, 20)) == []
    digest = OutboxMessage.objects.get(kind="call_digest")
    assert digest.status == "pending"
    staff("research_assistant", "C1")
    # the day is over: the next digest replaces it, nothing stale is sent
    sae_alert_sweep.delay().get()
    digest.refresh_from_db()
    assert digest.status == "expired" and mail.outbox == []


def test_a_digest_pending_today_goes_out_once_a_research_assistant_can_receive_it(trial, site_c1):
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    enrol(trial, site_c1, screened_on=today - timedelta(days=20), participant_id="C1-002")
    assert call_digest_send(site=site_c1, on_date=today) == []
    assistant = staff("research_assistant", "C1")
    assert sae_alert_sweep.delay().get() == 1
    [digest] = mail.outbox
    assert digest.to == [assistant.email] and "overdue" in digest.subject


# -- emergency unblinding ---------------------------------------------------------------


@pytest.fixture
def randomized(trial, site_c1, coordinator):
    make_list(trial)
    p = ready_to_randomize(trial, site_c1, participant_id="C1-101")
    return participant_randomize(participant=p, by_user=coordinator)


def test_an_emergency_notice_with_nobody_to_tell_waits_and_then_goes(
    randomized, site_c1, django_capture_on_commit_callbacks
):
    investigator = make_user("investigator", site_c1)
    with django_capture_on_commit_callbacks(execute=True):
        participant_unblind_emergency(
            participant=randomized, reason="SAE", password=PASSWORD, by_user=investigator
        )
    unblinding = EmergencyUnblinding.objects.get()
    assert unblinding.notified_at is None and unblinding.notified_to == ""
    assert OutboxMessage.objects.get(kind="unblinding").status == "pending"
    unblinded = staff("unblinded_statistician")
    assert sae_alert_sweep.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[unblinded.email]]
    unblinding.refresh_from_db()
    assert unblinding.notified_at is not None and unblinding.notified_to == unblinded.email


def test_the_emergency_page_does_not_claim_a_notice_nobody_receives(randomized, site_c1):
    client = Client()
    client.force_login(make_user("investigator", site_c1))
    url = reverse("diary:emergency_unblinding", args=[randomized.participant_id])
    page = client.post(url, {"reason": "SAE", "password": PASSWORD, "confirm": "on"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "are being notified" not in body
    assert "Nobody has been told yet" in body


def test_the_emergency_page_names_who_is_told(randomized, site_c1):
    coordinator = staff("coordinator", username="cora")
    client = Client()
    client.force_login(make_user("investigator", site_c1))
    url = reverse("diary:emergency_unblinding", args=[randomized.participant_id])
    body = client.post(url, {"reason": "SAE", "password": PASSWORD, "confirm": "on"}).content
    assert coordinator.email in body.decode()


def test_saving_a_serious_event_says_who_is_alerted(participant):
    client = Client()
    client.force_login(staff("research_assistant", "C1"))
    post = {
        "term": "Chest pain",
        "onset_on": "2023-01-10",
        "serious": "yes",
        "grade": "severe",
        "relatedness": "unlikely",
    }
    response = client.post("/participants/C1-001/adverse-events/new/", post, follow=True)
    body = response.content.decode()
    assert "nobody can be alerted yet" in body
