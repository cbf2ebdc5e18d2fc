"""API views: parse with a serializer, call one selector or service, render.

Every queryset starts from diary.selectors.scoping, so an object outside the user's
sites is simply not found (404) and its existence does not leak. Writes go through
diary.services.*, so the audit rule, the locked database and every validation are
the same as in the web app.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from diary.api import filters
from diary.api import serializers as s
from diary.api.filters import strict_query
from diary.api.permissions import EntersData
from diary.api.versions import VersionedMixin, expected_version
from diary.declarations import IDENTIFIER, WeekSource
from diary.roles import may_enter_data, role_of
from diary.selectors.calls import calls_due
from diary.selectors.scoping import (
    adverse_events_for,
    diary_weeks_for,
    participants_for,
    screenings_for,
    sites_for,
)
from diary.selectors.trial import current_trial, trial_or_none
from diary.services.adverse_events import adverse_event_record, adverse_event_update
from diary.services.calls import weekly_call_record
from diary.services.participants import (
    participant_treatment_stop,
    participant_update,
    participant_withdraw,
)
from diary.services.randomization import bottle_replace, participant_randomize
from diary.services.screening import Consent, next_participant_id, screening_record_create

# Identifiers chosen by people (site codes, screening and participant ids), in their
# declared format.
ID_REGEX = IDENTIFIER


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer, summary="Your role and sites")
    def get(self, request):
        user = request.user
        data = {
            "username": user.get_username(),
            "role": role_of(user),
            "sites": list(sites_for(user).values_list("code", flat=True)),
            "may_enter_data": may_enter_data(user),
        }
        return Response(s.MeSerializer(data).data)


class TrialView(APIView):
    @extend_schema(responses=s.TrialSerializer, summary="The protocol (no arms)")
    def get(self, request):
        trial = trial_or_none()
        if trial is None:
            raise NotFound("No trial is configured yet.")
        return Response(s.TrialSerializer(trial).data)


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.SiteSerializer
    lookup_field = "code"
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return sites_for(self.request.user).order_by("code")


@extend_schema_view(
    create=extend_schema(
        request=s.ScreeningCreateSerializer,
        responses={201: s.ScreeningRecordSerializer},
        summary="Log a screened candidate (and enrol them when they consent)",
    )
)
class ScreeningViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ScreeningRecordSerializer
    permission_classes = [EntersData]
    filterset_class = filters.ScreeningFilter
    lookup_field = "screening_id"
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return screenings_for(self.request.user).select_related("site", "participant")

    def create(self, request):
        form = s.ScreeningCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        consent = None
        if data.get("consented_on"):
            consent = Consent(
                participant_id=data.get("participant_id") or next_participant_id(site=data["site"]),
                consented_on=data["consented_on"],
                consent_form_version=data.get("consent_form_version", ""),
                phone=data.get("phone", ""),
            )
        record = screening_record_create(
            trial=current_trial(),
            site=data["site"],
            screening_id=data["screening_id"],
            screened_on=data["screened_on"],
            sex=data["sex"],
            age=data["age"],
            answers=data["answers"],
            consent=consent,
            declined_reason=data.get("declined_reason", ""),
            by_user=request.user,
        )
        return Response(s.ScreeningRecordSerializer(record).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    partial_update=extend_schema(
        request=s.ParticipantUpdateSerializer,
        responses=s.ParticipantDetailSerializer,
        summary="Enter or correct baseline characteristics (corrections need a reason)",
    ),
    randomize=extend_schema(
        request=s.RandomizeSerializer,
        responses=s.RandomizationSerializer,
        summary="Randomize: allocate the next bottle (the response never names an arm)",
    ),
    replace_bottle=extend_schema(
        request=s.BottleReplaceSerializer,
        responses=s.BottleSerializer,
        summary="Replace a lost or damaged bottle (coordinators; the arm stays hidden)",
    ),
    withdraw=extend_schema(
        request=s.WithdrawSerializer,
        responses=s.ParticipantDetailSerializer,
        summary="Record a withdrawal (the end of follow-up)",
    ),
    stop_treatment=extend_schema(
        request=s.TreatmentStopSerializer,
        responses=s.ParticipantDetailSerializer,
        summary="Record that the participant stopped the study product (still followed)",
    ),
)
class ParticipantViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Participants are created by screening (POST /api/screenings/ with consent)."""

    serializer_class = s.ParticipantSerializer
    permission_classes = [EntersData]
    filterset_class = filters.ParticipantFilter
    lookup_field = "participant_id"
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return participants_for(self.request.user).select_related("site", "screening")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ParticipantDetailSerializer
        return s.ParticipantSerializer

    def _render(self, participant, **kwargs):
        participant = self.get_queryset().get(pk=participant.pk)
        serializer = s.ParticipantDetailSerializer(
            participant, context=self.get_serializer_context()
        )
        return Response(serializer.data, **kwargs)

    def partial_update(self, request, *args, **kwargs):
        participant = self.get_object()
        form = s.ParticipantUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        reason = changes.pop("reason", "")
        version = expected_version(request, {"version": changes.pop("version", None)})
        participant_update(
            participant=participant,
            changes=changes,
            by_user=request.user,
            reason=reason,
            expected_version=version,
        )
        return self._render(participant)

    @action(detail=True, methods=["post"])
    def randomize(self, request, *args, **kwargs):
        participant = self.get_object()
        form = s.RandomizeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        participant = participant_randomize(
            participant=participant,
            by_user=request.user,
            randomized_on=form.validated_data.get("randomized_on"),
            expected_version=expected_version(request, form.validated_data),
        )
        return Response(s.RandomizationSerializer(participant).data)

    @action(detail=True, methods=["post"], url_path="replace-bottle")
    def replace_bottle(self, request, *args, **kwargs):
        participant = self.get_object()
        form = s.BottleReplaceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        bottle_number = bottle_replace(
            participant=participant,
            reason=form.validated_data["reason"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        data = {"participant_id": participant.participant_id, "bottle_number": bottle_number}
        return Response(s.BottleSerializer(data).data)

    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        participant = self.get_object()
        form = s.WithdrawSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        participant_withdraw(
            participant=participant,
            withdrawn_on=form.validated_data["withdrawn_on"],
            reason=form.validated_data["withdrawal_reason"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(participant)

    @action(detail=True, methods=["post"], url_path="stop-treatment")
    def stop_treatment(self, request, *args, **kwargs):
        participant = self.get_object()
        form = s.TreatmentStopSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        participant_treatment_stop(
            participant=participant,
            stopped_on=form.validated_data["treatment_stopped_on"],
            reason=form.validated_data["treatment_stop_reason"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(participant)


@extend_schema_view(
    call=extend_schema(
        request=s.WEEKLY_CALL_SHAPES,
        responses=s.DiaryWeekSerializer,
        summary="Record a weekly call (corrections of recorded values need a reason)",
    )
)
class DiaryWeekViewSet(VersionedMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.DiaryWeekSerializer
    permission_classes = [EntersData]
    filterset_class = filters.DiaryWeekFilter

    def get_queryset(self):
        return diary_weeks_for(self.request.user).select_related(
            "participant__site", "protocol_week"
        )

    @action(detail=True, methods=["post"])
    def call(self, request, *args, **kwargs):
        week = self.get_object()
        form = s.WeeklyCallSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        weekly_call_record(
            diary_week=week,
            reached=data["reached"],
            call_date=data.get("call_date"),
            cramps=data.get("cramps"),
            duration_min=data.get("duration_min"),
            severity=data.get("severity"),
            capsules_missed=data.get("capsules_missed"),
            by_user=request.user,
            reason=data.get("reason", ""),
            expected_version=expected_version(request, data),
            out_of_window=data.get("out_of_window", False),
            source=data.get("source", WeekSource.PHONE) if data["reached"] else WeekSource.PHONE,
        )
        return Response(s.DiaryWeekSerializer(self.get_queryset().get(pk=week.pk)).data)


@extend_schema(
    parameters=[s.CallsDueQuerySerializer],
    summary="The call queue of your sites: overdue, due on the day, coming up",
)
class CallsDueView(ListAPIView):
    serializer_class = s.CallRowSerializer
    filter_backends: list = []

    def list(self, request, *args, **kwargs):
        names = s.CallsDueQuerySerializer().fields
        strict_query(request, names)
        query = s.CallsDueQuerySerializer(
            data={k: request.query_params[k] for k in names if k in request.query_params}
        )
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        queue = calls_due(user=request.user, on_date=wanted.get("on") or timezone.localdate())
        rows = [
            {"status": state, **vars(row)}
            for state, _label in s.CALL_STATUSES
            if wanted.get("status", state) == state
            for row in getattr(queue, state)
            if wanted.get("site", row.site_code) == row.site_code
            and wanted.get("phase", row.phase) == row.phase
            and wanted.get("week", row.week) == row.week
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    create=extend_schema(
        request=s.AdverseEventCreateSerializer,
        responses={201: s.AdverseEventSerializer},
        summary="Record an adverse event",
    ),
    partial_update=extend_schema(
        request=s.AdverseEventUpdateSerializer,
        responses=s.AdverseEventSerializer,
        summary="Update an adverse event (corrections need a reason)",
    ),
)
class AdverseEventViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.AdverseEventSerializer
    permission_classes = [EntersData]
    filterset_class = filters.AdverseEventFilter

    def get_queryset(self):
        return adverse_events_for(self.request.user).select_related("participant__site")

    def _render(self, event, **kwargs):
        event = self.get_queryset().get(pk=event.pk)
        return Response(s.AdverseEventSerializer(event).data, **kwargs)

    def create(self, request):
        form = s.AdverseEventCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        event = adverse_event_record(**form.validated_data, by_user=request.user)
        return self._render(event, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        event = self.get_object()
        form = s.AdverseEventUpdateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        reason = changes.pop("reason", "")
        version = expected_version(request, {"version": changes.pop("version", None)})
        adverse_event_update(
            event=event,
            changes=changes,
            by_user=request.user,
            reason=reason,
            expected_version=version,
        )
        return self._render(event)
