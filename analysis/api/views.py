"""Report endpoints: thin over analysis.services.reports and analysis.selectors.reports.

Coordinators and statisticians ask for and read reports; DSMB members read the closed
reports released to them; the unblinded statistician releases them."""

from functools import partial

from django.contrib.auth import get_user_model
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from analysis.api.serializers import (
    ReportReleaseRequestSerializer,
    ReportReleaseSerializer,
    ReportRequestSerializer,
    ReportSerializer,
)
from analysis.cohort import UNBLINDED
from analysis.models import Report
from analysis.selectors.reports import (
    REPORT_READERS,
    REQUESTERS,
    releases_for,
    report_files_for,
    reports_for,
)
from analysis.services.reports import (
    FORMATS,
    report_file_download,
    report_release,
    report_release_revoke,
    report_request,
    report_retry,
)
from diary.api.renderers import FileRenderer, JsonErrorsMixin
from diary.errors import RuleConflict
from diary.roles import role_of
from diary.web.downloads import stored_file_response


class ReadsReports(BasePermission):
    """The roles with report pages read (what each reads is reports_for's); only the
    roles that may ask for reports write, except the release actions, which check
    their own rule in the service."""

    message = "Your role does not give access to reports."

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if role not in REPORT_READERS:
            return False
        if view.action in ("create", "retry"):
            return role in REQUESTERS
        return True


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
    permission_classes = [ReadsReports]

    def get_queryset(self):
        return (
            reports_for(self.request.user).select_related("requested_by").prefetch_related("files")
        )

    def create(self, request):
        form = ReportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        view = data.get("view") or (UNBLINDED if data.get("blinded") is False else None)
        report = report_request(
            by_user=request.user,
            view=view,
            imputation=data["imputation"],
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

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=ReportReleaseSerializer(many=True),
        summary="The releases of a closed report you may see",
    )
    @extend_schema(
        methods=["POST"],
        request=ReportReleaseRequestSerializer,
        responses={201: ReportReleaseSerializer},
        summary="Release a closed report to a DSMB member (the unblinded statistician)",
    )
    @action(detail=True, methods=["get", "post"])
    def releases(self, request, *args, **kwargs):
        report = self.get_object()
        if request.method == "GET":
            releases = releases_for(request.user).filter(report=report).order_by("pk")
            page = self.paginate_queryset(releases)
            return self.get_paginated_response(ReportReleaseSerializer(page, many=True).data)
        form = ReportReleaseRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        to_user = (
            get_user_model()
            .objects.filter(username=form.validated_data["released_to"], is_active=True)
            .first()
        )
        if to_user is None:
            raise RuleConflict("No such DSMB member.", field="released_to")
        release = report_release(
            report=report,
            to_user=to_user,
            by_user=request.user,
            note=form.validated_data.get("note", ""),
        )
        return Response(ReportReleaseSerializer(release).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses=ReportReleaseSerializer,
        summary="Revoke a release of a closed report (the unblinded statistician)",
    )
    @action(detail=True, methods=["post"], url_path=r"releases/(?P<release_id>\d+)/revoke")
    def revoke(self, request, pk=None, release_id=None):
        report = self.get_object()
        release = releases_for(request.user).filter(report=report, pk=release_id).first()
        if release is None:
            raise NotFound()
        release = report_release_revoke(release=release, by_user=request.user)
        return Response(ReportReleaseSerializer(release).data)
