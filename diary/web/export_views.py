"""Export pages: the stored exports and progress reports, asking for an export, and
the (audited) downloads. Thin: parse, call one service or selector, render."""

from functools import partial, wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from diary.selectors.exports import export_files_for, exports_for, may_read_exports
from diary.services.exports import export_file_download, export_request
from diary.web.downloads import stored_file_response
from diary.web.errors import run_service
from diary.web.export_forms import ExportRequestForm

REFRESH_SECONDS = 3
LISTED = 100


def exports_required(view):
    """Coordinators and statisticians (blinded or not) work with exports."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_read_exports(request.user):
            raise PermissionDenied("Your role does not give access to exports.")
        return view(request, *args, **kwargs)

    return wrapped


@exports_required
def export_list(request: HttpRequest) -> HttpResponse:
    runs = list(
        exports_for(request.user).select_related("requested_by").prefetch_related("files")[:LISTED]
    )
    running = any(not r.is_finished for r in runs)
    return render(
        request,
        "exports/list.html",
        {"runs": runs, "refresh": REFRESH_SECONDS if running else None},
    )


@exports_required
def export_new(request: HttpRequest) -> HttpResponse:
    form = ExportRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        run = run_service(form, export_request, by_user=request.user, **form.service_arguments())
        if run is not None:
            messages.success(request, _("Export %(number)s requested.") % {"number": run.pk})
            return redirect("exports:list")
    return render(request, "exports/new.html", {"form": form})


@exports_required
def export_file(request: HttpRequest, run_id: str, file_id: str) -> FileResponse:
    stored = get_object_or_404(export_files_for(request.user), pk=file_id, run_id=run_id)
    return stored_file_response(
        request, stored, via="web", record=partial(export_file_download, export_file=stored)
    )
