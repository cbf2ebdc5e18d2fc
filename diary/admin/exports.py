"""Admin for stored exports and progress reports: the runs with who or which schedule
made them, their parameters and files (with audited download links), the download
audit trail, and the outbox of emails sent.

Access follows the roles, like the report admin: coordinators and the unblinded
statistician (the staff roles) see the runs `exports_for` gives them, so unblinded
exports stay with the unblinded statistician. Everything here is read-only.
"""

from functools import partial

from django.contrib import admin
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from diary.admin.allocation import ReadOnlyAdminMixin
from diary.models import ExportDownload, ExportFile, ExportRun, OutboxMessage
from diary.roles import Role, role_of
from diary.selectors.exports import export_files_for, exports_for, may_read_exports
from diary.services.exports import export_file_download
from diary.web.downloads import stored_file_response


class ReadOnlyForRoles(ReadOnlyAdminMixin):
    """Read-only, for the staff roles that may read exports."""

    def _reader(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and may_read_exports(request.user)

    def has_module_permission(self, request):
        return self._reader(request)

    def has_view_permission(self, request, obj=None):
        return self._reader(request)


def _download_url(stored: ExportFile) -> str:
    return reverse("admin:diary_exportrun_file", args=[stored.run_id, stored.pk])


class ExportFileInline(ReadOnlyForRoles, admin.TabularInline):
    model = ExportFile
    extra = 0
    fields = ("download", "kind", "size", "sha256")
    readonly_fields = fields

    @admin.display(description="file")
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', _download_url(obj), obj.name)


@admin.register(ExportRun)
class ExportRunAdmin(ReadOnlyForRoles, admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "status",
        "blinding",
        "requester",
        "created_at",
        "finished_at",
        "files_shown",
    )
    list_filter = ("kind", "status")
    fields = (
        "kind",
        "status",
        "progress",
        "stage",
        "error",
        "failed_formats",
        "blinding",
        "parameters",
        "requester",
        "schedule",
        "run_key",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = (*fields, "files_shown")
    inlines = [ExportFileInline]

    def get_queryset(self, request):
        return exports_for(request.user).select_related("requested_by")

    @admin.display(description="blinding")
    def blinding(self, obj):
        return "Unblinded" if obj.unblinded else "Blinded"

    @admin.display(description="files")
    def files_shown(self, obj):
        return format_html_join(
            ", ", '<a href="{}">{}</a>', ((_download_url(f), f.name) for f in obj.files.all())
        )

    def get_urls(self):
        return [
            path(
                "<slug:run_id>/files/<slug:file_id>/",
                self.admin_site.admin_view(self.file_view),
                name="diary_exportrun_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request, run_id, file_id):
        if not self._reader(request):
            return redirect("admin:index")
        stored = get_object_or_404(export_files_for(request.user), pk=file_id, run_id=run_id)
        return stored_file_response(
            request, stored, via="admin", record=partial(export_file_download, export_file=stored)
        )


@admin.register(ExportDownload)
class ExportDownloadAdmin(ReadOnlyForRoles, admin.ModelAdmin):
    list_display = ("at", "user", "file_name", "via", "remote_addr")
    list_filter = ("via",)
    fields = list_display
    readonly_fields = list_display

    def get_queryset(self, request):
        visible = export_files_for(request.user).values("pk")
        return ExportDownload.objects.filter(export_file__in=visible).select_related("user")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyForRoles, admin.ModelAdmin):
    """The emails sent on the trial's behalf, and those still pending with the reason
    (coordinators only)."""

    list_display = ("created_at", "kind", "status", "subject", "recipients", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "subject", "recipients")
    fields = (
        "key",
        "kind",
        "status",
        "subject",
        "recipients",
        "pending_reason",
        "attempts",
        "created_at",
        "last_attempt_at",
        "sent_at",
    )
    readonly_fields = fields

    def _reader(self, request) -> bool:
        return super()._reader(request) and role_of(request.user) == Role.COORDINATOR
