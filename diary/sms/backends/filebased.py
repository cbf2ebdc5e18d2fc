"""Appends each text message to a file in SMS_FILE_PATH, one JSON object per line."""

import json
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from diary.sms.backends.base import BaseSmsBackend, as_dict


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages) -> int:
        folder = Path(self.options.get("file_path") or settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"sms-{datetime.now(UTC):%Y%m%d}.jsonl"
        with path.open("a", encoding="utf-8") as out:
            for message in messages:
                record = {"at": datetime.now(UTC).isoformat(), **as_dict(message)}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(messages)
