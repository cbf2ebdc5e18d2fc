"""Export endpoints: the stored exports and progress reports a user may see, asking
for a data export, and the (audited) downloads. Thin over diary.services.exports
and diary.selectors.exports; nothing here names an arm (unblinded exports are
visible only to the unblinded statistician)."""

from functools import partial

from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from diary.api.fields import JsonInputSerializer
from diary.api.renderers import FileRenderer, JsonErrorsMixin
from diary.exports.formats import FORMATS
from diary.models import ExportFile, ExportRun
from diary.selectors.exports import export_files_for, exports_for, may_read_exports
from diary.services.exports import export_file_download, export_request
from diary.web.downloads import stored_file_response


class ExportFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportFile
        fields = ["id", "kind", "name", "size", "sha256", "download_url"]
        read_only_fields = fields

    def get_download_url(self, stored: ExportFile) -> str:
        return reverse("api:export-download", kwargs={"pk": stored.run_id, "file_id": stored.pk})


class ExportRunSerializer(serializers.ModelSerializer):
    formats = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requester", read_only=True)
    files = ExportFileSerializer(many=True, read_only=True)

    class Meta:
        model = ExportRun
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "stage",
            "error",
            "failed_formats",
            "unblinded",
            "formats",
            "requested_by",
            "schedule",
            "created_at",
            "started_at",
            "finished_at",
            "files",
        ]
        read_only_fields = fields

    def get_formats(self, run: ExportRun) -> list[str]:
        return run.formats


class ExportRequestSerializer(JsonInputSerializer):
    formats = serializers.ListField(
        child=serializers.ChoiceField(choices=list(FORMATS)),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=len(FORMATS),
        help_text="Formats to make (all when left out).",
    )
    unblinded = serializers.BooleanField(
        default=False,
        help_text="With the randomization list and the arms: the unblinded statistician only.",
    )


class ExportRunFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=ExportRun.Kind.choices)
    status = filters.ChoiceFilter(choices=ExportRun.Status.choices)

    class Meta:
        model = ExportRun
        fields = ["kind", "status"]


@extend_schema_view(
    list=extend_schema(summary="Stored data exports and progress reports"),
    retrieve=extend_schema(summary="One stored export with its files"),
    create=extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportRunSerializer},
        summary="Export the trial's data (built in the background)",
    ),
    download=extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            )
        },
        summary="Download one of the export's files",
    ),
)
class ExportRunViewSet(
    JsonErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ExportRunSerializer
    filterset_class = ExportRunFilter

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not may_read_exports(request.user):
            raise PermissionDenied("Your role does not give access to exports.")

    def get_queryset(self):
        return (
            exports_for(self.request.user).select_related("requested_by").prefetch_related("files")
        )

    def create(self, request):
        form = ExportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        run = export_request(
            by_user=request.user,
            formats=data.get("formats", FORMATS),
            unblinded=data["unblinded"],
        )
        run = self.get_queryset().get(pk=run.pk)
        return Response(ExportRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @action(
        detail=True,
        methods=["get"],
        url_path=r"files/(?P<file_id>[0-9a-z]+)",
        renderer_classes=[JSONRenderer, FileRenderer],
        filter_backends=[],
        pagination_class=None,
    )
    def download(self, request, pk=None, file_id=None):
        run = self.get_object()
        stored = export_files_for(request.user).filter(run=run, pk=file_id).first()
        if stored is None:
            raise NotFound()
        return stored_file_response(
            request, stored, via="api", record=partial(export_file_download, export_file=stored)
        )
