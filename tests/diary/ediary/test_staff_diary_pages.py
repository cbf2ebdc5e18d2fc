"""The staff's side of the electronic diary: the participant's diary page (send and
revoke the link, preferences), a night entered from what the participant tells, and
the call queue's flag for diaries left empty two nights."""

from datetime import timedelta

import pytest
from django.core import mail

from diary import sms
from diary.models import DiaryLink, Night, OutboxMessage
from diary.selectors.nights import diaries_silent
from diary.services.nights import night_record
from tests.diary.ediary.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_staff_send_a_new_link_by_text_message_once(client, ra_c1, keeper, token):
    client.force_login(ra_c1)
    sms.outbox.clear()
    answer = client.post("/participants/C1-101/diary/", {"action": "send", "send-channel": "sms"})
    assert answer.status_code == 302
    (message,) = sms.outbox
    assert message.to == [keeper.phone] and "/diary/" in message.body
    assert DiaryLink.objects.filter(participant=keeper, revoked_at__isnull=True).count() == 1
    assert OutboxMessage.objects.get().kind == OutboxMessage.Kind.DIARY_LINK
    assert client.get(f"/diary/{token}/").status_code == 404  # the old link


def test_sending_by_email_needs_an_address(client, ra_c1, keeper):
    client.force_login(ra_c1)
    page = client.post("/participants/C1-101/diary/", {"action": "send", "send-channel": "email"})
    assert page.status_code == 200 and "no email address" in page.content.decode()
    assert mail.outbox == []


def test_staff_set_the_participants_language_and_reminder(client, ra_c1, keeper):
    client.force_login(ra_c1)
    answer = client.post(
        "/participants/C1-101/diary/",
        {
            "action": "preferences",
            "prefs-language": "zh-hans",
            "prefs-reminder_channel": "sms",
            "prefs-reminder_time": "19:30",
            "prefs-time_zone": "Asia/Shanghai",
            "prefs-email": "",
        },
    )
    assert answer.status_code == 302
    preferences = keeper.diary_preferences
    assert (preferences.language, preferences.reminder_channel) == ("zh-hans", "sms")
    assert preferences.history.count() == 1


def test_staff_enter_and_correct_a_night_with_a_reason(client, ra_c1, keeper):
    client.force_login(ra_c1)
    night = (TODAY - timedelta(days=10)).isoformat()
    url = f"/participants/C1-101/nights/{night}/"
    body = {
        "reported": "yes",
        "cramps": "1",
        "duration_1": "2.5",
        "severity_1": "6",
    }
    assert client.post(url, body).status_code == 302
    recorded = Night.objects.get(participant=keeper)
    assert (recorded.source, recorded.cramps) == ("staff", 1)
    refused = client.post(url, {**body, "severity_1": "7"})
    assert "reason" in refused.content.decode().lower()
    assert client.post(url, {**body, "severity_1": "7", "reason": "Misheard"}).status_code == 302
    assert recorded.cramp_events.get().severity == 7


def test_the_queue_flags_a_diary_without_an_entry_for_two_nights(client, ra_c1, keeper, token):
    client.force_login(ra_c1)
    assert "1 diary without an entry for two nights" in client.get("/calls/").content.decode()
    assert [row.participant_id for row in diaries_silent(user=ra_c1, on_date=TODAY)] == ["C1-101"]
    night_record(participant=keeper, night=TODAY - timedelta(days=2), cramps=[], source="staff")
    assert diaries_silent(user=ra_c1, on_date=TODAY) == []
    assert diaries_silent(user=ra_c1, on_date=TODAY + timedelta(days=1))[0].last_night == (
        TODAY - timedelta(days=2)
    )
    client.force_login(ra_c1)
    assert "without an entry for two nights" not in client.get("/calls/").content.decode()


def test_coordinators_read_nights_and_their_cramps_in_the_admin_and_change_none(
    keeper, coordinator, client
):
    from diary.models import Night
    from diary.services.nights import night_record

    night = keeper.randomized_on + timedelta(days=2)
    night_record(
        participant=keeper,
        night=night,
        cramps=[{"duration_min": "1.5", "severity": 4}],
        source="staff",
    )
    stored = Night.objects.get()
    client.force_login(coordinator)
    listing = client.get("/admin/diary/night/")
    assert listing.status_code == 200
    assert keeper.participant_id in listing.content.decode()
    page = client.get(f"/admin/diary/night/{stored.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "1.50" in body or "1.5" in body
    assert 'name="_save"' not in body
    assert client.post(f"/admin/diary/night/{stored.pk}/change/", {}).status_code == 403
    assert client.get("/admin/diary/night/add/").status_code == 403
