"""Reports as the API shows them. A report's content is in its files; nothing here
names an arm (unblinded reports are visible only to the unblinded statistician)."""

from django.urls import reverse
from rest_framework import serializers

from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.models import Report, ReportFile
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
    blinded = serializers.BooleanField(
        default=True, help_text="Unblinded reports: the unblinded statistician only."
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
