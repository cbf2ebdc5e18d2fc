"""The one place where errors become API responses.

Every error body has the same shape: ``{"detail": str, "code": str}`` plus, for a
400 or 409, ``"errors": {field: [messages]}`` (nested fields as dotted names, e.g.
``answers.diuretics``; errors not tied to one field under ``non_field_errors``).
A 409 for an out-of-date `version` (code ``stale_record``) adds the record's
``version`` and ``current`` values.
"""

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from diary.errors import AccessDenied, InvalidValue, RuleConflict, StaleRecord, TrialError

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def _code_of(error: TrialError) -> str:
    name = type(error).__name__
    snake = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return "invalid" if snake == "trial_error" else snake


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {dotted.field: [messages]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            key = NON_FIELD if key == "__all__" else str(key)
            name = f"{prefix}.{key}" if prefix else key
            if key == NON_FIELD and prefix:
                name = prefix
            for field, messages in flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {prefix or NON_FIELD: [str(item) for item in detail]}
        flat = {}
        for index, item in enumerate(detail):
            if not item:
                continue
            name = f"{prefix}.{index}" if prefix else str(index)
            for field, messages in flatten_errors(item, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix or NON_FIELD: [str(detail)]}


def _bad_request(
    detail: str, code: str, errors: dict[str, list[str]], *, status_code=status.HTTP_400_BAD_REQUEST
) -> Response:
    return Response({"detail": detail, "code": code, "errors": errors}, status=status_code)


def _status_of(error: TrialError) -> int:
    """400 when the values themselves are wrong; 409 when the trial's data, protocol,
    state or date refuse a well-formed request (a rule across records, a lock, an
    out-of-date version, a correction without its reason)."""
    if isinstance(error, InvalidValue) and not isinstance(error, RuleConflict):
        return status.HTTP_400_BAD_REQUEST
    return status.HTTP_409_CONFLICT


def _trial_error(exc: TrialError) -> Response:
    errors = flatten_errors(exc.errors) if exc.errors else {NON_FIELD: [exc.message]}
    response = _bad_request(exc.message, _code_of(exc), errors, status_code=_status_of(exc))
    if isinstance(exc, StaleRecord):
        response.data["version"] = exc.version
        response.data["current"] = {
            name: (None if value is None else str(value) if not isinstance(value, bool) else value)
            for name, value in exc.current.items()
        }
    return response


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def api_exception_handler(exc, context):
    """Domain errors -> 400 with field messages (AccessDenied -> 403); DRF and Django
    errors keep their status with the same body shape; a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE -> 413, another malformed request -> 400."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(
            "The request body is larger than the limit of "
            f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes (DATA_UPLOAD_MAX_MEMORY_SIZE)."
        )
    elif isinstance(exc, SuspiciousOperation | BadRequest):
        exc = exceptions.ParseError(str(exc) or "Bad request.")
    if isinstance(exc, AccessDenied):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, TrialError):
        return _trial_error(exc)
    elif isinstance(exc, DjangoValidationError):
        errors = flatten_errors(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        )
        first = next(iter(errors.values()))[0]
        return _bad_request(first, "invalid", errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        first = next(iter(errors.values()), ["Invalid input."])[0]
        field = next(iter(errors), NON_FIELD)
        summary = first if field == NON_FIELD else f"{field}: {first}"
        response.data = {"detail": summary, "code": "invalid", "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {
            "detail": str(detail),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response
