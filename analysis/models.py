"""Stored reports: who asked for what, how far the job has got, and the files it made.

A report's files exist only once its job has succeeded: they are attached and the
report marked done in one transaction (the job mechanism shared with the exports,
diary.services.jobs; the report's own work is in analysis.services.reports).

A report's `view` (parameters) is open, coded or unblinded (analysis.cohort). A
report split by group (coded or unblinded) that was made before the trial could be
unblinded, at the monitoring board's request, is *closed* (`dsmb_request`): it is
for the unblinded statistician and the DSMB members it is released to
(`ReportRelease`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop

from analysis.conventions import IMPUTATION_LABELS
from diary.models.artifacts import FileDownload, Job, StoredFile


class Report(Job):
    class Kind(models.TextChoices):
        ITT = "itt", gettext_noop("Intention-to-treat analysis")

    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ITT)
    parameters = models.JSONField(
        default=dict, help_text="view, imputation, blinded, table1_pvalues, formats"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    requested_by_name = models.CharField(
        max_length=150,
        blank=True,
        help_text="A schedule's name, or the operating-system user of a shell command.",
    )
    dsmb_request = models.BooleanField(
        "requested by the DSMB",
        default=False,
        help_text="A closed report: split by group before the trial was unblinded, at the "
        "monitoring board's request.",
    )
    dsmb_reference = models.CharField(
        "DSMB request",
        max_length=300,
        blank=True,
        help_text="The board's request (meeting, letter or reference) for an unblinded report.",
    )
    data_sha256 = models.CharField(max_length=64, blank=True)
    code_version = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="report_status_valid",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
            models.CheckConstraint(
                condition=~Q(requested_by__isnull=True, requested_by_name=""),
                name="report_has_requester",
            ),
            models.CheckConstraint(
                condition=Q(dsmb_request=False) | ~Q(dsmb_reference=""),
                name="report_dsmb_request_has_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_status_display().lower()})"

    @property
    def view(self) -> str:
        """open | coded | unblinded (reports made before views existed: coded or unblinded)."""
        return self.parameters.get("view") or ("coded" if self.blinded else "unblinded")

    @property
    def closed(self) -> bool:
        """Split by group before the trial was unblinded, for the monitoring board."""
        return self.dsmb_request

    @property
    def blinded(self) -> bool:
        return bool(self.parameters.get("blinded", True))

    @property
    def imputation(self) -> str:
        return str(self.parameters.get("imputation", ""))

    @property
    def imputation_label(self) -> str:
        return IMPUTATION_LABELS.get(self.imputation, self.imputation)

    @property
    def requester(self) -> str:
        return self.requested_by.get_username() if self.requested_by else self.requested_by_name


def report_file_path(instance: "ReportFile", filename: str) -> str:
    return f"reports/{instance.report_id}/{filename}"


class ReportFile(StoredFile):
    """One file of a report (sha256, size and name: diary.models.artifacts)."""

    class Kind(models.TextChoices):
        JSON = "json", gettext_noop("JSON")
        HTML = "html", gettext_noop("HTML")
        XLSX = "xlsx", gettext_noop("Excel workbook")
        CSV = "csv", gettext_noop("CSV tables (zip)")
        PNG = "png", gettext_noop("Figure (PNG, 300 dpi)")
        SVG = "svg", gettext_noop("Figure (SVG)")
        PDF = "pdf", gettext_noop("Figure (PDF)")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    file = models.FileField(upload_to=report_file_path, max_length=200)

    class Meta:
        ordering = ["report", "file"]
        constraints = [
            models.UniqueConstraint(fields=["report", "file"], name="report_file_unique"),
        ]


class ReportDownload(FileDownload):
    """The audit trail of report files handed out."""

    report_file = models.ForeignKey(
        ReportFile, null=True, on_delete=models.SET_NULL, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_downloads"
    )

    class Meta(FileDownload.Meta):
        pass


class ReportRelease(models.Model):
    """A closed report given to a DSMB member by the unblinded statistician. Revoking keeps
    the record (who, when); the report's downloads are audited like any other, and the
    record outlives the report (removed after the retention period) by its name."""

    report = models.ForeignKey(
        Report, null=True, on_delete=models.SET_NULL, related_name="releases"
    )
    report_name = models.CharField(max_length=200, help_text="The report, as it was named.")
    released_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_releases"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True, help_text="Meeting, letter or purpose.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-released_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "released_to"],
                condition=Q(revoked_at__isnull=True),
                name="report_release_once",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="report_release_revoked_by",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_name} released to {self.released_to}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
