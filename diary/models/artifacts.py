"""What every stored artifact (a data export, a progress report, an analysis report)
has in common: a job that builds it (queued, running, done or failed, attempt by
attempt), files kept with their SHA-256 and size, and an audit trail of who was given
each file, when and how.

The job's mechanics (claim an attempt, stage the files, attach them, fail, queue
again) are one implementation for every kind: diary.services.jobs.

Identifiers are random, never numbered (issue 13): blinded and unblinded artifacts
live in the same tables, and a number from one shared sequence would let a blinded
role count, by the gaps, the reports, exports, files and downloads it may not see.
A random identifier (12 characters of lower-case Crockford base 32, 60 bits from the
operating system's secure generator) is the primary key itself, so no page, API
answer, admin page, file name, storage path or audit entry can show a sequence.
"""

import secrets

from django.db import models
from django.utils.translation import gettext_noop

ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base 32, lower case
ID_LENGTH = 12


def random_id() -> str:
    """A new random identifier: 12 characters, 60 random bits."""
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def _random_id_field():
    return models.CharField(
        primary_key=True,
        max_length=16,
        default=random_id,
        editable=False,
        help_text="Random: says nothing about what else exists or when it was made.",
    )


class Job(models.Model):
    """The job that builds an artifact. Its files exist only once it is done; a format
    that could not be made is listed in `failed_formats`, the others are kept."""

    class Status(models.TextChoices):
        QUEUED = "queued", gettext_noop("Queued")
        RUNNING = "running", gettext_noop("Running")
        DONE = "done", gettext_noop("Done")
        FAILED = "failed", gettext_noop("Failed")

    id = _random_id_field()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    stage = models.CharField(max_length=120, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times the job has started."
    )
    error = models.TextField(blank=True)
    failed_formats = models.JSONField(
        default=dict,
        blank=True,
        help_text="The formats that could not be made, with why; the others are kept.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def format_failures(self) -> list[tuple[str, str]]:
        """(format, why) for each format that could not be made."""
        return sorted(self.failed_formats.items())


class StoredFile(models.Model):
    """One file of an artifact, under MEDIA_ROOT."""

    id = _random_id_field()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.file.name.rsplit("/", 1)[-1]


class FileDownload(models.Model):
    """A file handed out: the file's stored name survives the file's removal."""

    id = _random_id_field()
    file_name = models.CharField(max_length=200, help_text="The file as stored when downloaded.")
    at = models.DateTimeField(auto_now_add=True)
    via = models.CharField(max_length=10, default="web", help_text="web, admin or api")
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} downloaded {self.file_name} at {self.at:%Y-%m-%d %H:%M}"
