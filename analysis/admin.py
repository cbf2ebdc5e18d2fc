"""Admin for reports: status and progress while they run, parameters, the files with
(audited) download links, a page to request one and an action to retry failed ones,
and the download audit trail.

Access follows the roles, not model permissions: coordinators and the unblinded
statistician (the staff roles that work with reports) see the reports
`reports_for` gives them (coordinators open reports only), so reports by group stay
with those allowed them. The releases of closed reports to DSMB members are listed
for the unblinded statistician (they are made on the report's page or the API).
"""

from functools import partial

from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from analysis.models import Report, ReportDownload, ReportFile, ReportRelease
from analysis.selectors.reports import REQUESTERS, releases_for, report_files_for, reports_for
from analysis.services.reports import report_file_download, report_request, report_retry
from analysis.web.forms import ReportRequestForm
from diary.errors import TrialError
from diary.roles import Role, role_of
from diary.selectors.trial import current_trial
from diary.web.downloads import stored_file_response
from diary.web.errors import add_trial_error

REFRESH_SECONDS = 3


class ReportRolesMixin:
    """Read-only, for the roles that work with reports."""

    def _reader(self, request) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (role_of(request.user) in REQUESTERS)
        )

    def has_module_permission(self, request):
        return self._reader(request)

    def has_view_permission(self, request, obj=None):
        return self._reader(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReportFileInline(ReportRolesMixin, admin.TabularInline):
    model = ReportFile
    extra = 0
    fields = ("download", "kind", "size", "sha256")
    readonly_fields = fields

    @admin.display(description="file")
    def download(self, obj):
        url = reverse("admin:analysis_report_file", args=[obj.report_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.name)


@admin.register(Report)
class ReportAdmin(ReportRolesMixin, admin.ModelAdmin):
    change_list_template = "admin/analysis/report/change_list.html"
    change_form_template = "admin/analysis/report/change_form.html"
    list_display = (
        "__str__",
        "status",
        "progress_shown",
        "groups",
        "imputation",
        "requester",
        "created_at",
        "finished_at",
        "files_shown",
    )
    list_filter = ("status",)
    fields = (
        "kind",
        "status",
        "progress_shown",
        "stage",
        "error",
        "failed_formats",
        "groups",
        "parameters",
        "requester",
        "dsmb_request",
        "dsmb_reference",
        "data_sha256",
        "code_version",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = (*fields, "imputation", "files_shown")
    inlines = [ReportFileInline]
    actions = ["retry_failed"]

    def get_queryset(self, request):
        return reports_for(request.user).select_related("requested_by")

    @admin.display(description="progress")
    def progress_shown(self, obj):
        return format_html(
            '<progress max="100" value="{}"></progress> {}% {}',
            obj.progress,
            obj.progress,
            obj.stage,
        )

    @admin.display(description="groups")
    def groups(self, obj):
        shown = {"open": "Open (pooled)", "coded": "Coded (A/B)", "unblinded": "Unblinded"}
        return shown[obj.view] + (" - closed" if obj.closed else "")

    @admin.display(description="files")
    def files_shown(self, obj):
        return format_html_join(
            ", ",
            '<a href="{}">{}</a>',
            (
                (reverse("admin:analysis_report_file", args=[obj.pk, f.pk]), f.get_kind_display())
                for f in obj.files.all()
            ),
        )

    @admin.action(description="Retry the selected failed reports")
    def retry_failed(self, request, queryset):
        for report in queryset.filter(status=Report.Status.FAILED):
            try:
                report_retry(report=report, by_user=request.user)
            except TrialError as exc:
                self.message_user(request, f"{report}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{report} queued again.")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("request/", wrap(self.request_view), name="analysis_report_request"),
            path(
                "<slug:report_id>/files/<slug:file_id>/",
                wrap(self.file_view),
                name="analysis_report_file",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        running = reports_for(request.user).filter(
            status__in=[Report.Status.QUEUED, Report.Status.RUNNING]
        )
        extra_context = {
            **(extra_context or {}),
            "refresh": REFRESH_SECONDS if running.exists() else None,
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = reports_for(request.user).filter(pk=object_id).first()
        running = report is not None and not report.is_finished
        extra_context = {**(extra_context or {}), "refresh": REFRESH_SECONDS if running else None}
        return super().change_view(request, object_id, form_url, extra_context)

    def request_view(self, request):
        if not self._reader(request):
            return redirect("admin:index")
        form = ReportRequestForm(request.POST or None, user=request.user, trial=current_trial())
        if request.method == "POST" and form.is_valid():
            try:
                report = report_request(by_user=request.user, **form.service_arguments())
            except TrialError as exc:
                add_trial_error(form, exc)
            else:
                self.message_user(request, f"{report} requested.")
                return redirect("admin:analysis_report_change", report.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Request an intention-to-treat report",
            "form": form,
        }
        return TemplateResponse(request, "admin/analysis/report/request.html", context)

    def file_view(self, request, report_id, file_id):
        if not self._reader(request):
            return redirect("admin:index")
        stored = get_object_or_404(report_files_for(request.user), pk=file_id, report_id=report_id)
        return stored_file_response(
            request, stored, via="admin", record=partial(report_file_download, report_file=stored)
        )


@admin.register(ReportDownload)
class ReportDownloadAdmin(ReportRolesMixin, admin.ModelAdmin):
    list_display = ("at", "user", "file_name", "via", "remote_addr")
    list_filter = ("via",)
    fields = list_display
    readonly_fields = list_display

    def get_queryset(self, request):
        visible = report_files_for(request.user).values("pk")
        return ReportDownload.objects.filter(report_file__in=visible).select_related("user")


@admin.register(ReportRelease)
class ReportReleaseAdmin(ReportRolesMixin, admin.ModelAdmin):
    """Who was given which closed report, and when it was revoked (read only)."""

    list_display = (
        "report_name",
        "released_to",
        "released_by",
        "released_at",
        "revoked_at",
        "note",
    )
    fields = (*list_display, "revoked_by")
    readonly_fields = fields

    def _reader(self, request) -> bool:
        return super()._reader(request) and role_of(request.user) == Role.UNBLINDED_STATISTICIAN

    def get_queryset(self, request):
        return releases_for(request.user).select_related("report", "released_to", "released_by")
