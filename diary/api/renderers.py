"""Renderers shared by the API's download endpoints."""

from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    """Lets a client ask for a file (Accept: application/octet-stream); the view
    answers with the file itself."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data
