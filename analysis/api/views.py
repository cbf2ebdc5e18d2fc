"""Report endpoints: thin over analysis.services.reports and analysis.selectors.reports."""

from functools import partial

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from analysis.api.serializers import ReportRequestSerializer, ReportSerializer
from analysis.models import Report
from analysis.selectors.reports import report_files_for, reports_for
from analysis.services.reports import (
    FORMATS,
    report_file_download,
    report_request,
    report_retry,
)
from diary.api.renderers import FileRenderer, JsonErrorsMixin
from diary.web.downloads import stored_file_response


class ReportFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Report.Status.choices)

    class Meta:
        model = Report
        fields = ["status"]


@extend_schema_view(
    create=extend_schema(
        request=ReportRequestSerializer,
        responses={202: ReportSerializer},
        summary="Ask for an intention-to-treat report (built in the background)",
    ),
    retry=extend_schema(
        request=None, responses=ReportSerializer, summary="Queue a failed report again"
    ),
    download=extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            )
        },
        summary="Download one of the report's files",
    ),
)
class ReportViewSet(
    JsonErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return (
            reports_for(self.request.user).select_related("requested_by").prefetch_related("files")
        )

    def create(self, request):
        form = ReportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        report = report_request(
            by_user=request.user,
            imputation=data["imputation"],
            blinded=data["blinded"],
            table1_pvalues=data["table1_pvalues"],
            formats=data.get("formats", FORMATS),
            dsmb_reference=data.get("dsmb_reference", ""),
        )
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def retry(self, request, *args, **kwargs):
        report = report_retry(report=self.get_object(), by_user=request.user)
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)

    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<file_id>[0-9a-z]+)",
        renderer_classes=[JSONRenderer, FileRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def download(self, request, pk=None, file_id=None):
        report = self.get_object()
        report_file = report_files_for(request.user).filter(report=report, pk=file_id).first()
        if report_file is None:
            raise NotFound()
        return stored_file_response(
            request,
            report_file,
            via="api",
            record=partial(report_file_download, report_file=report_file),
        )
