"""No lost update in the API: a record's representation carries its `version`, also
sent as its ETag; a write names the version it was based on (the body's `version`,
or an `If-Match` header) and the services refuse it when the record has changed
since (diary.services.audit.ensure_current)."""

from rest_framework import exceptions, status

from diary.errors import StaleRecord
from diary.validators import is_whole_number


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record has changed since the version named in If-Match."
    default_code = "precondition_failed"


def if_match_version(request) -> int | None:
    """The version an If-Match header names ("3" or W/"3"), None without one."""
    header = request.headers.get("If-Match")
    if not header:
        return None
    tag = header.strip()
    tag = tag[2:] if tag.startswith("W/") else tag
    tag = tag.strip('"')
    if not is_whole_number(tag):
        raise exceptions.ValidationError({"If-Match": ['Send the record\'s ETag, e.g. "3".']})
    return int(tag)


def expected_version(request, data) -> int:
    """The version a write is based on: the body's `version`; an If-Match header, when
    sent, must name the same one."""
    header = if_match_version(request)
    version = data.get("version")
    if header is not None and version is not None and header != version:
        raise exceptions.ValidationError(
            {"version": [f"The body names version {version}; If-Match names {header}."]}
        )
    return version if version is not None else header


class VersionedMixin:
    """Sends a record's version as its ETag, and answers a stale If-Match with 412
    (a stale body `version` is a 409 with the current values)."""

    def finalize_response(self, request, response, *args, **kwargs):
        data = getattr(response, "data", None)
        if isinstance(data, dict) and isinstance(data.get("version"), int):
            response["ETag"] = f'"{data["version"]}"'
        return super().finalize_response(request, response, *args, **kwargs)

    def handle_exception(self, exc):
        if isinstance(exc, StaleRecord) and if_match_version(self.request) is not None:
            exc = PreconditionFailed(exc.message)
        return super().handle_exception(exc)
