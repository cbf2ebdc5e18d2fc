"""Diary reminders: the participant's time in their time zone, never in the quiet
hours, once a day through the outbox, only when last night is missing; email
through Django's backends and text messages through the SMS backends."""

import json
import threading
from datetime import UTC, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from diary import sms
from diary.errors import RuleConflict
from diary.models import OutboxMessage
from diary.services.nights import night_record
from diary.services.preferences import diary_preferences_update
from diary.services.reminders import diary_reminders_send, reminder_due
from diary.sms import SmsError, SmsMessage, get_connection
from tests.diary.ediary.conftest import TODAY

QUIET = (time(21, 30), time(8, 0))


def at(hour, minute=0, *, day=TODAY):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def test_a_reminder_is_due_at_the_chosen_local_time():
    # 19:00 in Shanghai is 11:00 UTC
    due = dict(time_zone="Asia/Shanghai", reminder_time=time(19), quiet=QUIET)
    assert reminder_due(now=at(10, 59), **due) is None
    assert reminder_due(now=at(11, 0), **due) == TODAY
    assert reminder_due(now=at(13, 29), **due) == TODAY
    assert reminder_due(now=at(13, 30), **due) is None  # 21:30 there: the quiet hours


def test_a_reminder_more_than_three_hours_late_is_skipped():
    due = dict(time_zone="America/New_York", reminder_time=time(9), quiet=QUIET)
    # 9:00 in New York in winter is 14:00 UTC
    winter = datetime(2024, 1, 10).date()
    assert reminder_due(now=at(14, 0, day=winter), **due) == winter
    assert reminder_due(now=at(16, 59, day=winter), **due) == winter
    assert reminder_due(now=at(17, 0, day=winter), **due) is None


def test_a_time_in_the_quiet_hours_waits_for_their_end():
    due = dict(time_zone="Europe/London", reminder_time=time(6, 30), quiet=QUIET)
    assert reminder_due(now=at(6, 45, day=datetime(2024, 1, 10).date()), **due) is None
    assert reminder_due(now=at(8, 0, day=datetime(2024, 1, 10).date()), **due) is not None


def test_no_reminder_goes_out_within_the_quiet_hours():
    late = dict(time_zone="UTC", reminder_time=time(20, 0), quiet=QUIET)
    assert reminder_due(now=at(21, 0), **late) == TODAY
    assert reminder_due(now=at(21, 45), **late) is None


@pytest.mark.django_db
def test_the_reminder_goes_once_by_email_in_the_participants_language(keeper, token):
    diary_preferences_update(
        participant=keeper,
        by_user=None,
        language="zh-hans",
        email="p@example.org",
        reminder_channel="email",
        reminder_time=time(9, 0),
        time_zone="UTC",
    )
    mail.outbox.clear()
    assert diary_reminders_send(now=at(9, 5)) == 1
    assert diary_reminders_send(now=at(9, 10)) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["p@example.org"]
    assert "日记" in mail.outbox[0].subject
    assert OutboxMessage.objects.get().kind == OutboxMessage.Kind.DIARY_REMINDER


@pytest.mark.django_db
def test_no_reminder_when_last_night_is_in_the_diary(keeper, token):
    diary_preferences_update(
        participant=keeper, by_user=None, reminder_channel="sms", reminder_time=time(9, 0)
    )
    night_record(
        participant=keeper, night=TODAY - timedelta(days=1), cramps=[], source="participant"
    )
    sms.outbox.clear()
    assert diary_reminders_send(now=at(9, 5)) == 0
    assert sms.outbox == []


@pytest.mark.django_db
def test_a_text_message_reminder_goes_to_the_participants_phone(keeper, token, settings):
    settings.TIME_ZONE = "UTC"
    diary_preferences_update(
        participant=keeper, by_user=None, reminder_channel="sms", reminder_time=time(9, 0)
    )
    sms.outbox.clear()
    assert diary_reminders_send(now=at(9, 1)) == 1
    assert sms.outbox[0].to == [keeper.phone]
    assert "diary" in sms.outbox[0].body


@pytest.mark.django_db
def test_a_reminder_time_in_the_quiet_hours_is_refused(keeper):
    with pytest.raises(RuleConflict):
        diary_preferences_update(
            participant=keeper, by_user=None, reminder_channel="sms", reminder_time=time(23, 0)
        )


def test_the_file_backend_appends_one_json_line_per_message(tmp_path):
    get_connection("diary.sms.backends.filebased.SmsBackend", file_path=tmp_path).send_messages(
        [SmsMessage(to="+861380000", body="你好")]
    )
    (written,) = tmp_path.iterdir()
    record = json.loads(written.read_text().strip())
    assert (record["to"], record["body"]) == ("+861380000", "你好")


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 202

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append((self.headers.get("Authorization"), json.loads(body)))
        self.send_response(_Gateway.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.status = [], 202
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    server.server_close()


def test_the_webhook_backend_posts_json_with_the_bearer_token(gateway):
    backend = get_connection(
        "diary.sms.backends.webhook.SmsBackend", url=gateway, token="s3cret", timeout=5
    )
    assert backend.send_messages([SmsMessage(to="+441234", body="Fill in your diary")]) == 1
    ((auth, body),) = _Gateway.received
    assert auth == "Bearer s3cret"
    assert body["to"] == "+441234" and body["body"] == "Fill in your diary"


def test_the_webhook_backend_raises_when_the_gateway_refuses(gateway):
    _Gateway.status = 500
    backend = get_connection("diary.sms.backends.webhook.SmsBackend", url=gateway, timeout=5)
    with pytest.raises(SmsError, match="500"):
        backend.send_messages([SmsMessage(to="+441234", body="x")])
