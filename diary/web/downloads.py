"""Handing out a stored file (of an export, a progress report or an analysis report),
the same way from the web app, the admin and the API: 404 when the file has gone (it
was removed or never arrived), otherwise the download is recorded, then the file
streams as an attachment."""

from collections.abc import Callable

from django.http import FileResponse, Http404, HttpRequest

from config.client_ip import client_ip
from diary.models.artifacts import StoredFile


def stored_file_response(
    request: HttpRequest, stored: StoredFile, *, via: str, record: Callable[..., object]
) -> FileResponse:
    """The file as an attachment. `record(by_user=, via=, remote_addr=)` audits the
    download (and refuses it to whoever may not have it); a file no longer stored is a
    404 and is not recorded."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    try:
        record(by_user=request.user, via=via, remote_addr=client_ip(request) or None)
    except BaseException:
        handle.close()
        raise
    return FileResponse(handle, as_attachment=True, filename=stored.name)
