"""Handing out a stored export file, the same way from the web app, the admin and the
API: the download is recorded first, then the file streams as an attachment."""

from django.http import FileResponse, Http404, HttpRequest

from diary.models import ExportFile
from diary.services.exports import export_file_download


def export_file_response(request: HttpRequest, stored: ExportFile, *, via: str) -> FileResponse:
    """The file as an attachment, its download audited; 404 when the file is gone."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    export_file_download(
        export_file=stored,
        by_user=request.user,
        via=via,
        remote_addr=request.META.get("REMOTE_ADDR") or None,
    )
    return FileResponse(handle, as_attachment=True, filename=stored.name)
