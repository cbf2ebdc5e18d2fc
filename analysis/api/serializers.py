"""Reports as the API shows them. A report's content is in its files; nothing here
names an arm (who sees which report is analysis.selectors.reports)."""

from django.urls import reverse
from rest_framework import serializers

from analysis.cohort import VIEWS
from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.models import Report, ReportFile, ReportRelease
from analysis.services.reports import FORMATS
from diary.api.fields import JsonInputSerializer, TextField


class ReportFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportFile
        fields = ["id", "kind", "name", "size", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, report_file: ReportFile) -> str:
        return reverse(
            "analysis-api:report-download",
            kwargs={"pk": report_file.report_id, "file_id": report_file.pk},
        )


class ReportSerializer(serializers.ModelSerializer):
    view = serializers.CharField(read_only=True)
    closed = serializers.BooleanField(read_only=True)
    blinded = serializers.BooleanField(read_only=True)
    imputation = serializers.CharField(read_only=True)
    table1_pvalues = serializers.SerializerMethodField()
    formats = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requester", read_only=True)
    files = ReportFileSerializer(many=True, read_only=True)

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "stage",
            "error",
            "failed_formats",
            "view",
            "closed",
            "blinded",
            "imputation",
            "table1_pvalues",
            "formats",
            "requested_by",
            "dsmb_reference",
            "data_sha256",
            "code_version",
            "created_at",
            "started_at",
            "finished_at",
            "files",
        ]
        read_only_fields = fields

    def get_table1_pvalues(self, report: Report) -> bool:
        return bool(report.parameters.get("table1_pvalues", False))

    def get_formats(self, report: Report) -> list[str]:
        return list(report.parameters.get("formats", []))


class ReportRequestSerializer(JsonInputSerializer):
    imputation = serializers.ChoiceField(choices=list(IMPUTATIONS), default=DEFAULT_IMPUTATION)
    view = serializers.ChoiceField(
        choices=list(VIEWS),
        required=False,
        help_text="open (all pooled; blinded roles before the database lock), coded (groups A "
        "and B: statisticians after the lock) or unblinded (the unblinded statistician). "
        "Default: coded for statisticians once the database is locked, else open.",
    )
    blinded = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="false asks for an unblinded report (the same as view=unblinded).",
    )
    table1_pvalues = serializers.BooleanField(default=False)
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=list(FORMATS)),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=len(FORMATS),
        help_text="Files to make (JSON always).",
    )
    dsmb_reference = TextField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="The monitoring board's request, for an unblinded report before unblinding.",
    )


class ReportReleaseSerializer(serializers.ModelSerializer):
    released_to = serializers.CharField(source="released_to.get_username", read_only=True)
    released_by = serializers.CharField(source="released_by.get_username", read_only=True)
    revoked_by = serializers.SerializerMethodField()

    class Meta:
        model = ReportRelease
        fields = ["id", "report", "released_to", "released_by", "released_at", "note"]
        fields += ["revoked_at", "revoked_by"]
        read_only_fields = fields

    def get_revoked_by(self, release: ReportRelease) -> str | None:
        return release.revoked_by.get_username() if release.revoked_by else None


class ReportReleaseRequestSerializer(serializers.Serializer):
    released_to = serializers.CharField(max_length=150, help_text="The DSMB member's username.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)
