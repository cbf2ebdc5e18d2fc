"""Report pages: the list, asking for one, following its progress, downloading it.
Thin: parse, call one service or selector, render."""

from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from analysis.selectors.reports import BLINDED_READERS, report_files_for, reports_for
from analysis.services.reports import report_file_download, report_request, report_retry
from analysis.web.forms import ReportRequestForm
from diary.errors import TrialError
from diary.roles import role_of
from diary.web.downloads import stored_file_response
from diary.web.errors import run_service

REFRESH_SECONDS = 3


def reports_required(view):
    """Coordinators and statisticians (blinded or not) work with reports."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) not in BLINDED_READERS:
            raise PermissionDenied("Your role does not give access to reports.")
        return view(request, *args, **kwargs)

    return wrapped


@reports_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = reports_for(request.user).select_related("requested_by")[:100]
    running = any(not r.is_finished for r in reports)
    return render(
        request,
        "analysis/reports/list.html",
        {"reports": reports, "refresh": REFRESH_SECONDS if running else None},
    )


@reports_required
def report_new(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        report = run_service(form, report_request, by_user=request.user, **form.service_arguments())
        if report is not None:
            messages.success(request, f"Report {report.pk} requested.")
            return redirect("analysis:report", report.pk)
    return render(request, "analysis/reports/new.html", {"form": form})


@reports_required
def report_detail(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_object_or_404(
        reports_for(request.user).select_related("requested_by"), pk=report_id
    )
    return render(
        request,
        "analysis/reports/detail.html",
        {
            "report": report,
            "files": report.files.all(),
            "refresh": None if report.is_finished else REFRESH_SECONDS,
        },
    )


@require_POST
@reports_required
def report_retry_view(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_object_or_404(reports_for(request.user), pk=report_id)
    try:
        report_retry(report=report, by_user=request.user)
    except TrialError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Report {report.pk} queued again.")
    return redirect("analysis:report", report.pk)


@reports_required
def report_file(request: HttpRequest, report_id: str, file_id: str) -> FileResponse:
    stored = get_object_or_404(report_files_for(request.user), pk=file_id, report_id=report_id)
    return stored_file_response(
        request, stored, via="web", record=partial(report_file_download, report_file=stored)
    )
