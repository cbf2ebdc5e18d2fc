"""Stored exports: the trial's data in the export formats, and the weekly progress
reports, each run kept with who or which schedule made it, its parameters and its
files (SHA-256 and size), and every download audited.

A run's files exist only once its job has succeeded (attached and marked done in one
transaction by the job mechanism shared with the analysis reports, diary.services.jobs).
A scheduled run carries a key (schedule and period) that is unique, so a retried or
repeated task never stores a second export for the same period. Only an export asked
for by the unblinded statistician is unblinded; a schedule or a progress report never
is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from diary.models.artifacts import FileDownload, Job, StoredFile


class ExportRun(Job):
    class Kind(models.TextChoices):
        DATA = "data", gettext_noop("Data export")
        PROGRESS = "progress", gettext_noop("Progress report")

    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="export_runs")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.DATA)
    unblinded = models.BooleanField(
        default=False, help_text="Holds the randomization list and the arms."
    )
    parameters = models.JSONField(default=dict, help_text="formats; the period of a schedule")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="export_runs",
    )
    requested_by_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="A schedule's name, or the operating-system user of a shell command.",
    )
    schedule = models.CharField(
        max_length=200, blank=True, help_text="The schedule (periodic task) that made the run."
    )
    run_key = models.CharField(
        max_length=300,
        null=True,
        blank=True,
        unique=True,
        help_text="Schedule and period: one run per schedule and period.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="export_run_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["data", "progress"]), name="export_run_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="export_run_progress_percent"
            ),
            models.CheckConstraint(
                condition=~Q(requested_by__isnull=True, requested_by_name=""),
                name="export_run_has_requester",
            ),
            # Blinding: schedules and progress reports are always blinded.
            models.CheckConstraint(
                condition=Q(unblinded=False) | Q(kind="data", schedule=""),
                name="export_run_unblinded_only_on_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk} ({self.get_status_display().lower()})"

    @property
    def requester(self) -> str:
        return self.requested_by.get_username() if self.requested_by else self.requested_by_name

    @property
    def formats(self) -> list[str]:
        return list(self.parameters.get("formats", []))


def export_file_path(instance: "ExportFile", filename: str) -> str:
    return f"exports/{instance.run_id}/{filename}"


class ExportFile(StoredFile):
    class Kind(models.TextChoices):
        PACKAGE = "package", gettext_noop("Data package (zip)")
        XLSX = "xlsx", gettext_noop("Excel workbook")
        SPSS = "spss", gettext_noop("SPSS (zip)")
        STATA = "stata", gettext_noop("Stata (zip)")
        CODEBOOK = "codebook", gettext_noop("Codebook")
        ODM = "odm", gettext_noop("CDISC ODM 1.3.2 (XML)")
        PROGRESS = "progress", gettext_noop("Progress report (HTML)")

    run = models.ForeignKey(ExportRun, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    file = models.FileField(upload_to=export_file_path, max_length=200)

    class Meta:
        ordering = ["run", "file"]
        constraints = [
            models.UniqueConstraint(fields=["run", "file"], name="export_file_unique"),
        ]


class ExportDownload(FileDownload):
    """The audit trail of exported files handed out."""

    export_file = models.ForeignKey(
        ExportFile, null=True, on_delete=models.SET_NULL, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_downloads"
    )

    class Meta(FileDownload.Meta):
        pass
