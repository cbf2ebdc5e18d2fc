"""The participant's diary as JSON, under their personal link (for a future app):
GET and POST /api/diary/<token>/nights/. No account: the token is the key, as on the
diary's pages, with the same rate limits, the same rules (diary.services.nights) and
404 for a link that is unknown, revoked or no longer open."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.client_ip import client_ip
from diary.api.fields import JsonInputSerializer, TrialDateField
from diary.api.schema import ErrorSerializer
from diary.declarations import CRAMP_EVENT, NightSource
from diary.declarations.records import NIGHT_CRAMPS_MAX
from diary.models import Night
from diary.services.nights import PARTICIPANT_DAYS_BACK, night_record
from diary.services.rate_limits import RateLimited, diary_link_open

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 (a format, not a secret)
TOKEN = OpenApiParameter(
    "token",
    str,
    OpenApiParameter.PATH,
    description="The participant's personal diary link (43 characters).",
    pattern=TOKEN_PATTERN,
)


class CrampSerializer(JsonInputSerializer):
    duration_min = CRAMP_EVENT["duration_min"].serializer_field(help_text="Minutes it lasted.")
    severity = CRAMP_EVENT["severity"].serializer_field(
        help_text="1-3 mild (does not disturb sleep), 4-6 moderate (disturbs sleep, "
        "tolerable), 7-10 severe (intolerable)."
    )


class NightInputSerializer(JsonInputSerializer):
    night = TrialDateField(help_text="The date the night began (one of the last 7 nights).")
    cramps = serializers.ListField(
        child=CrampSerializer(),
        max_length=NIGHT_CRAMPS_MAX,
        help_text="Each cramp of the night; an empty list is a night without cramps.",
    )


class CrampOutputSerializer(serializers.Serializer):
    duration_min = CRAMP_EVENT["duration_min"].serializer_field(required=True, allow_null=False)
    severity = CRAMP_EVENT["severity"].serializer_field(required=True, allow_null=False)


class NightSerializer(serializers.Serializer):
    night = serializers.DateField()
    reported = serializers.BooleanField()
    cramps = CrampOutputSerializer(many=True, source="cramp_list")
    source = serializers.ChoiceField(choices=NightSource.choices)


ERRORS = {
    404: OpenApiResponse(ErrorSerializer, description="No such diary link, or it is closed."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests this hour."),
}


class NightsView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    filter_backends: list = []

    def _link(self, request, token: str):
        try:
            link = diary_link_open(token=token, client_address=client_ip(request))
        except RateLimited:
            raise Throttled(wait=3600) from None
        if link is None:
            raise NotFound("No such diary.")
        return link

    @staticmethod
    def _shown(night: Night) -> Night:
        night.cramp_list = list(night.cramp_events.order_by("position"))
        return night

    @extend_schema(
        parameters=[TOKEN],
        auth=[],
        responses={200: NightSerializer(many=True), **ERRORS},
        summary="The participant's nights (their own diary only), latest first",
    )
    def get(self, request, token: str):
        link = self._link(request, token)
        nights = Night.objects.filter(participant=link.participant).order_by("-night")
        return Response(NightSerializer([self._shown(n) for n in nights], many=True).data)

    @extend_schema(
        parameters=[TOKEN],
        auth=[],
        request=NightInputSerializer,
        responses={
            201: NightSerializer,
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "Refused by the diary's rules: the night is already recorded, is in the "
                    f"future, more than {PARTICIPANT_DAYS_BACK} nights back, or outside "
                    "the participant's follow-up."
                ),
            ),
        },
        summary="Record a night of the participant's diary (once per night)",
    )
    def post(self, request, token: str):
        link = self._link(request, token)
        form = NightInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        night = night_record(
            participant=link.participant,
            night=form.validated_data["night"],
            cramps=form.validated_data["cramps"],
            source=NightSource.PARTICIPANT,
            by_user=None,
        )
        return Response(NightSerializer(self._shown(night)).data, status=status.HTTP_201_CREATED)
