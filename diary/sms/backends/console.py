"""Prints each text message (development)."""

import sys

from diary.sms.backends.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages) -> int:
        stream = self.options.get("stream") or sys.stdout
        for message in messages:
            stream.write(f"SMS to {message.to[0]}:\n{message.body}\n{'-' * 40}\n")
        stream.flush()
        return len(messages)
