"""OpenAPI schema generation: every operation documents the error body of
diary.api.errors for the statuses the API can answer with."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid input; `errors` names each field at fault.",
    "401": "Not authenticated.",
    "403": "Your role may not do this.",
    "404": "Not found (or outside your sites).",
    "409": (
        "Refused by the trial's data or rules (a rule across records, the protocol, a "
        "locked database, a correction without its reason, an out-of-date `version`)."
    ),
}
# Only operations that write to an existing record answer 412 (a stale If-Match).
WRITE_STATUSES = {"412": "The record changed since the version named in If-Match."}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    version = serializers.IntegerField(required=False, help_text="Stale record: its version.")
    current = serializers.DictField(
        required=False, help_text="Stale record: its current values.", allow_null=True
    )


class AutoSchema(SpectacularAutoSchema):
    def _get_request_body(self, direction="request"):
        body = super()._get_request_body(direction)
        if body and getattr(self._request_proxy(), "serializers", None) is not None:
            body["required"] = True  # every shape of the request has required fields
        return body

    def _request_proxy(self):
        return force_instance(self.get_request_serializer())

    def _request_fields(self) -> set[str]:
        serializer = force_instance(self.get_request_serializer())
        shapes = getattr(serializer, "serializers", None)
        if shapes is not None:  # the proxy of several request shapes
            return set().union(*(set(force_instance(shape).fields) for shape in shapes))
        return set(getattr(serializer, "fields", {})) if serializer is not None else set()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        statuses = dict(ERROR_STATUSES)
        if self.method in ("POST", "PATCH", "PUT") and "version" in self._request_fields():
            statuses.update(WRITE_STATUSES)
        # The web server (gunicorn) refuses a request line longer than it accepts.
        responses.setdefault(
            "414",
            {
                "description": "The request line is longer than the server accepts.",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
        )
        for code, description in statuses.items():
            if code not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                response["description"] = description
                responses[code] = response
        return responses
