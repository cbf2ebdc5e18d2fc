"""Text messages (SMS) to participants, through a small pluggable backend chosen by
SMS_BACKEND, as Django chooses its email backend:

- `diary.sms.backends.console.SmsBackend` (the default): prints each message;
- `diary.sms.backends.filebased.SmsBackend`: appends each message to a file in
  SMS_FILE_PATH (one JSON line per message);
- `diary.sms.backends.locmem.SmsBackend`: keeps them in `diary.sms.outbox` (tests);
- `diary.sms.backends.webhook.SmsBackend`: POSTs each message as JSON to
  SMS_WEBHOOK_URL (a gateway of the trial unit's choice), with SMS_WEBHOOK_TOKEN as a
  bearer token; anything but a 2xx answer is an error, so the outbox keeps the
  message unsent and a retry sends it.

An `SmsMessage` looks like an email to the outbox (subject, to, send()), so both
travel through diary.services.outbox, each sent once under its key.
"""

from django.conf import settings
from django.utils.module_loading import import_string

# Messages kept by the locmem backend (tests), like django.core.mail.outbox.
outbox: list = []


class SmsError(Exception):
    """The backend could not hand the message over."""


def get_connection(backend: str | None = None, **kwargs):
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)


class SmsMessage:
    def __init__(self, *, to: str, body: str, subject: str = ""):
        self.to = [to]
        self.body = body
        # The outbox lists a message by its subject: a text message's is its first words.
        self.subject = subject or body[:60]
        self.sender = getattr(settings, "SMS_SENDER", "")

    def send(self, fail_silently: bool = False) -> int:
        try:
            return get_connection().send_messages([self])
        except Exception:
            if fail_silently:
                return 0
            raise
