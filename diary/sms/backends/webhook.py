"""A generic HTTP webhook: each message is POSTed as JSON
{"to": "+44...", "body": "...", "sender": "..."} to SMS_WEBHOOK_URL, with
`Authorization: Bearer SMS_WEBHOOK_TOKEN` when a token is set. Any answer but a 2xx,
or no answer within SMS_WEBHOOK_TIMEOUT seconds, raises SmsError."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from diary.sms import SmsError
from diary.sms.backends.base import BaseSmsBackend, as_dict


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages) -> int:
        url = self.options.get("url") or settings.SMS_WEBHOOK_URL
        if not url.startswith(("https://", "http://")):
            raise SmsError("SMS_WEBHOOK_URL must be an http(s) URL.")
        token = self.options.get("token", settings.SMS_WEBHOOK_TOKEN)
        timeout = self.options.get("timeout", settings.SMS_WEBHOOK_TIMEOUT)
        for message in messages:
            request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
                url,
                data=json.dumps(as_dict(message), ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            if token:
                request.add_header("Authorization", f"Bearer {token}")
            try:
                # The scheme is checked above: http(s) only.
                with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 # nosec B310
                    status = response.status
            except urllib.error.HTTPError as exc:
                raise SmsError(f"the SMS gateway answered {exc.code}") from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                raise SmsError(f"the SMS gateway could not be reached: {exc}") from exc
            if not 200 <= status < 300:
                raise SmsError(f"the SMS gateway answered {status}")
        return len(messages)
