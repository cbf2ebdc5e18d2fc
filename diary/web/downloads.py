"""Handing out a stored file (of an export, a progress report or an analysis report),
the same way from the web app, the admin and the API: 404 when the file has gone (it
was removed or never arrived), otherwise the download is recorded, then the file
streams, as an attachment or, for a report page a browser should open, inline."""

from collections.abc import Callable

from django.http import FileResponse, Http404, HttpRequest

from config.client_ip import client_ip
from diary.models.artifacts import StoredFile

# The policy of a stored HTML page opened in the browser: its own inline styles and
# data: images (the embedded figures), nothing else. No script runs, nothing is
# fetched or submitted, and the sandbox gives the page an origin of its own, so a
# report page can never act as the signed-in user.
INLINE_HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox"
)


def stored_file_response(
    request: HttpRequest,
    stored: StoredFile,
    *,
    via: str,
    record: Callable[..., object],
    inline: bool = False,
) -> FileResponse:
    """The file as an attachment, or with `inline` (an HTML file only) as a page the
    browser opens, under INLINE_HTML_POLICY. `record(by_user=, via=, remote_addr=)`
    audits the download either way (and refuses it to whoever may not have it); a file
    no longer stored is a 404 and is not recorded."""
    inline = inline and stored.name.lower().endswith(".html")
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    try:
        record(by_user=request.user, via=via, remote_addr=client_ip(request) or None)
    except BaseException:
        handle.close()
        raise
    if not inline:
        return FileResponse(handle, as_attachment=True, filename=stored.name)
    response = FileResponse(
        handle, as_attachment=False, filename=stored.name, content_type="text/html; charset=utf-8"
    )
    # set here, the django-csp middleware leaves it as it is
    response["Content-Security-Policy"] = INLINE_HTML_POLICY
    return response
