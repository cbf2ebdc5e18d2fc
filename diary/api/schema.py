"""OpenAPI schema generation: every operation documents the error body of
diary.api.errors for the statuses the API can answer with."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

ERROR_STATUSES = {
    "400": "Invalid input; `errors` names each field at fault.",
    "401": "Not authenticated.",
    "403": "Your role may not do this.",
    "404": "Not found (or outside your sites).",
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, description in ERROR_STATUSES.items():
            if code not in responses:
                response = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                response["description"] = description
                responses[code] = response
        return responses
