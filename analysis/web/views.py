"""Report pages: the list, asking for one, following its progress, downloading it, and
(for the unblinded statistician) releasing a closed report to DSMB members.
Thin: parse, call one service or selector, render."""

from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from analysis.selectors.reports import (
    REPORT_READERS,
    REQUESTERS,
    releases_for,
    report_files_for,
    reports_for,
)
from analysis.services.reports import (
    report_file_download,
    report_release,
    report_release_revoke,
    report_request,
    report_retry,
)
from analysis.web.forms import ReleaseForm, ReportRequestForm
from diary.errors import TrialError
from diary.roles import Role, role_of
from diary.selectors.trial import current_trial
from diary.web.downloads import stored_file_response
from diary.web.errors import run_service

REFRESH_SECONDS = 3


def _roles_required(roles):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied("Your role does not give access to reports.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Coordinators and statisticians work with reports; DSMB members read the ones released to them.
reports_required = _roles_required(REPORT_READERS)
requesters_required = _roles_required(REQUESTERS)
unblinded_required = _roles_required(frozenset({Role.UNBLINDED_STATISTICIAN}))


@reports_required
def report_list(request: HttpRequest) -> HttpResponse:
    reports = reports_for(request.user).select_related("requested_by")[:100]
    running = any(not r.is_finished for r in reports)
    return render(
        request,
        "analysis/reports/list.html",
        {
            "reports": reports,
            "refresh": REFRESH_SECONDS if running else None,
            "may_request": role_of(request.user) in REQUESTERS,
        },
    )


@requesters_required
def report_new(request: HttpRequest) -> HttpResponse:
    form = ReportRequestForm(request.POST or None, user=request.user, trial=current_trial())
    if request.method == "POST" and form.is_valid():
        report = run_service(form, report_request, by_user=request.user, **form.service_arguments())
        if report is not None:
            messages.success(request, _("Report %(number)s requested.") % {"number": report.pk})
            return redirect("analysis:report", report.pk)
    return render(request, "analysis/reports/new.html", {"form": form})


@reports_required
def report_detail(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_object_or_404(
        reports_for(request.user).select_related("requested_by"), pk=report_id
    )
    releasing = role_of(request.user) == Role.UNBLINDED_STATISTICIAN and report.closed
    return render(
        request,
        "analysis/reports/detail.html",
        {
            "report": report,
            "files": report.files.all(),
            "refresh": None if report.is_finished else REFRESH_SECONDS,
            "may_retry": role_of(request.user) in REQUESTERS,
            "releases": releases_for(request.user)
            .filter(report=report)
            .select_related("released_to", "released_by", "revoked_by")
            if releasing
            else [],
            "release_form": ReleaseForm() if releasing and report.status == "done" else None,
        },
    )


@require_POST
@requesters_required
def report_retry_view(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_object_or_404(reports_for(request.user), pk=report_id)
    try:
        report_retry(report=report, by_user=request.user)
    except TrialError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Report %(number)s queued again.") % {"number": report.pk})
    return redirect("analysis:report", report.pk)


@require_POST
@unblinded_required
def report_release_view(request: HttpRequest, report_id: str) -> HttpResponse:
    report = get_object_or_404(reports_for(request.user), pk=report_id)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a DSMB member to release the report to."))
        return redirect("analysis:report", report.pk)
    try:
        release = report_release(
            report=report,
            to_user=form.cleaned_data["released_to"],
            by_user=request.user,
            note=form.cleaned_data["note"],
        )
    except TrialError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Report %(number)s released to %(to)s.")
            % {"number": report.pk, "to": release.released_to},
        )
    return redirect("analysis:report", report.pk)


@require_POST
@unblinded_required
def report_release_revoke_view(request: HttpRequest, report_id: str, release_id: int):
    release = get_object_or_404(releases_for(request.user), pk=release_id, report_id=report_id)
    report_release_revoke(release=release, by_user=request.user)
    messages.success(request, _("Release to %(to)s revoked.") % {"to": release.released_to})
    return redirect("analysis:report", report_id)


@reports_required
def report_file(request: HttpRequest, report_id: str, file_id: str) -> FileResponse:
    """A report's file, audited: the HTML page opens in the browser (`?download=1`
    gives it as an attachment); every other file is an attachment."""
    stored = get_object_or_404(report_files_for(request.user), pk=file_id, report_id=report_id)
    return stored_file_response(
        request,
        stored,
        via="web",
        record=partial(report_file_download, report_file=stored),
        inline="download" not in request.GET,
    )
