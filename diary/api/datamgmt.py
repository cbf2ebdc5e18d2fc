"""Data management through the API: queries, a participant's casebook (its values with
their verification marks and queries, the signature and the lock), source data
verification and its progress. Thin over diary.services.queries, sdv and casebooks
and diary.selectors.datamgmt, with the same roles, site scoping and answers as the
web app: a role that may not do something gets a 403, a refusal by the trial's rules
or state a 409, a request breaking its schema a 400. No arm appears here.
"""

import copy

import django_filters as filters
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from diary.api.fields import JsonInputSerializer, TextField
from diary.api.filters import IdentifierFilter
from diary.api.serializers import version_field
from diary.api.versions import VersionedMixin, expected_version
from diary.declarations import IDENTIFIER, CellError, Phase
from diary.errors import RuleConflict
from diary.models import Casebook, Participant, Query
from diary.models.datamgmt import QUERY_TEXT_MAX
from diary.selectors.casebook import clinical_record, clinical_records
from diary.selectors.datamgmt import (
    casebook_forms,
    queries_for,
    query_counts,
    sdv_progress,
    signature_state,
    signature_states,
)
from diary.selectors.scoping import participants_for, sites_for
from diary.services.audit import ensure_current
from diary.services.casebooks import (
    casebook_for_update,
    casebook_lock,
    casebook_sign,
    casebook_unlock,
)
from diary.services.queries import query_answer, query_close, query_raise, query_reopen
from diary.services.sdv import FormTarget, sdv_verify

RECORDS = [(k.name, k.label) for k in clinical_records()]
VALUE_PATTERN = r"^[a-z][a-z0-9_]{0,59}$"
ID_MAX = 2**63 - 1


def _text(*, required: bool = True, help_text: str) -> TextField:
    return TextField(
        max_length=QUERY_TEXT_MAX,
        required=required,
        allow_blank=not required,
        help_text=help_text,
    )


# -- queries ------------------------------------------------------------------------


class QueryStepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["raised", "answered", "closed", "reopened"])
    text = serializers.CharField()
    by = serializers.CharField(source="by_name")
    at = serializers.DateTimeField()
    correction = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="A correction made with an answer: value, old, new, reason.",
    )


class QuerySerializer(serializers.ModelSerializer):
    participant_id = serializers.CharField(source="participant.participant_id")
    site = serializers.CharField(source="participant.site.code")
    record = serializers.ChoiceField(choices=RECORDS)
    record_id = serializers.IntegerField(source="object_id")
    value = serializers.CharField(source="field")
    edit_check = serializers.CharField(help_text="The edit check that raised it, or empty.")
    raised_by = serializers.CharField(source="raised_by_name")
    state = serializers.ChoiceField(choices=Query.State.choices)
    steps = QueryStepSerializer(many=True, read_only=True)

    class Meta:
        model = Query
        fields = [
            "id",
            "participant_id",
            "site",
            "record",
            "record_id",
            "value",
            "value_shown",
            "edit_check",
            "text",
            "state",
            "raised_by",
            "raised_at",
            "answered_at",
            "closed_at",
            "version",
            "steps",
        ]
        read_only_fields = fields


class QueryRaiseSerializer(JsonInputSerializer):
    record = serializers.ChoiceField(choices=RECORDS, help_text="The record's declaration.")
    record_id = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, help_text="The record's id (GET /api/casebooks/{id}/)."
    )
    value = serializers.RegexField(VALUE_PATTERN, max_length=60, help_text="The declared value.")
    text = _text(help_text="The question.")


class QueryAnswerSerializer(JsonInputSerializer):
    version = version_field()
    text = _text(help_text="The answer.")
    correction = TextField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=(
            "With it, the value is corrected to this, written as in the data package "
            "(numbers, YYYY-MM-DD dates, 1/0 for yes/no, an answer's code; empty clears "
            "it), through the record's service."
        ),
    )
    reason = TextField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="Why an entered value is corrected (required for such a correction).",
    )


class QueryCloseSerializer(JsonInputSerializer):
    version = version_field()
    text = _text(required=False, help_text="An optional note.")


class QueryReopenSerializer(JsonInputSerializer):
    version = version_field()
    text = _text(help_text="What is still missing.")


class QueryFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=Query.State.choices)
    participant = IdentifierFilter(
        field_name="participant__participant_id", help_text="Participant id."
    )
    site = IdentifierFilter(field_name="participant__site__code", help_text="Site code.")
    record = filters.ChoiceFilter(choices=RECORDS)

    class Meta:
        model = Query
        fields = ["state", "participant", "site", "record"]


@extend_schema_view(
    create=extend_schema(
        request=QueryRaiseSerializer,
        responses={201: QuerySerializer},
        summary="Raise a query on one value of a record (monitors, coordinators)",
    ),
    answer=extend_schema(
        request=QueryAnswerSerializer,
        responses=QuerySerializer,
        summary="Answer an open query, optionally correcting the value (site staff)",
    ),
    close=extend_schema(
        request=QueryCloseSerializer,
        responses=QuerySerializer,
        summary="Close a query (monitors, coordinators)",
    ),
    reopen=extend_schema(
        request=QueryReopenSerializer,
        responses=QuerySerializer,
        summary="Re-open an answered or closed query (monitors, coordinators)",
    ),
)
class QueryViewSet(
    VersionedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Queries of your sites, newest first."""

    serializer_class = QuerySerializer
    filterset_class = QueryFilter
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self):
        return (
            queries_for(self.request.user)
            .select_related("participant__site", "raised_by")
            .prefetch_related("steps")
        )

    def _render(self, query, **kwargs):
        return Response(QuerySerializer(self.get_queryset().get(pk=query.pk)).data, **kwargs)

    def create(self, request):
        form = QueryRaiseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        kind = clinical_record(data["record"])
        instance = get_object_or_404(
            kind.of_participants(participants_for(request.user).values("pk")),
            pk=data["record_id"],
        )
        query = query_raise(
            record=kind.name,
            object_id=instance.pk,
            field=data["value"],
            text=data["text"],
            by_user=request.user,
            instance=instance,
        )
        return self._render(query, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        query = self.get_object()
        form = QueryAnswerSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        correct = "correction" in data
        value = None
        if correct:
            declared = clinical_record(query.record).value(query.field)
            try:
                value = declared.parse(data["correction"], required=False)
            except CellError as exc:
                # Well-formed, but not a value the queried record accepts.
                raise RuleConflict(
                    f"The correction of {query.field}: {exc}", field="correction"
                ) from None
        query_answer(
            query=query,
            text=data["text"],
            correct=correct,
            correction=value,
            reason=data.get("reason", ""),
            by_user=request.user,
            expected_version=expected_version(request, data),
        )
        return self._render(query)

    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        query = self.get_object()
        form = QueryCloseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        query_close(
            query=query,
            text=form.validated_data.get("text", ""),
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(query)

    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        query = self.get_object()
        form = QueryReopenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        query_reopen(
            query=query,
            text=form.validated_data["text"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(query)


class QueryCountSerializer(serializers.Serializer):
    site = serializers.CharField()
    open = serializers.IntegerField()
    answered = serializers.IntegerField()
    closed = serializers.IntegerField()
    unresolved = serializers.IntegerField()


class QueryCountsSerializer(serializers.Serializer):
    sites = QueryCountSerializer(many=True)
    total = QueryCountSerializer()


class QueryCountsView(APIView):
    @extend_schema(
        responses=QueryCountsSerializer,
        summary="Queries of your sites by site and state (the counts every page shows)",
    )
    def get(self, request):
        sites = list(sites_for(request.user).values_list("code", flat=True))
        counts = query_counts(queries_for(request.user), sites=sites)

        def row(site, count):
            return {
                "site": site,
                "open": count.open,
                "answered": count.answered,
                "closed": count.closed,
                "unresolved": count.unresolved,
            }

        data = {
            "sites": [row(site, count) for site, count in counts.by_site.items()],
            "total": row("all", counts.total),
        }
        return Response(QueryCountsSerializer(data).data)


# -- casebooks ----------------------------------------------------------------------


class CasebookRowSerializer(serializers.Serializer):
    participant_id = serializers.CharField()
    site = serializers.CharField()
    signed = serializers.BooleanField(help_text="Has a valid signature of its content now.")
    locked = serializers.BooleanField()
    values = serializers.IntegerField(help_text="Values holding something.")
    verified = serializers.IntegerField(help_text="Values verified against the source.")
    unresolved_queries = serializers.IntegerField()


class CasebookValueSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()
    value = serializers.CharField(source="shown", help_text="As text; empty when not entered.")
    verified = serializers.BooleanField()
    unresolved_queries = serializers.SerializerMethodField()

    def get_unresolved_queries(self, value) -> list[int]:
        return [q.query_id for q in value.queries]


class CasebookFormSerializer(serializers.Serializer):
    record = serializers.ChoiceField(choices=RECORDS)
    id = serializers.IntegerField(source="object_id")
    label = serializers.CharField()
    phase = serializers.SerializerMethodField()
    week = serializers.SerializerMethodField()
    values = CasebookValueSerializer(many=True)

    def get_phase(self, form) -> str | None:
        return form.week[0] if form.week else None

    def get_week(self, form) -> int | None:
        return form.week[1] if form.week else None


class SignatureSerializer(serializers.Serializer):
    signer_name = serializers.CharField()
    meaning = serializers.CharField()
    signed_at = serializers.DateTimeField()
    content_sha256 = serializers.CharField()
    valid = serializers.BooleanField()
    invalid_note = serializers.CharField(allow_blank=True)


class CasebookSerializer(serializers.Serializer):
    participant_id = serializers.CharField()
    site = serializers.CharField()
    version = serializers.IntegerField(help_text="Counts the changes of its records (ETag).")
    content_sha256 = serializers.CharField(help_text="SHA-256 of the content a signature binds.")
    signed = serializers.BooleanField()
    signature = SignatureSerializer(allow_null=True)
    locked = serializers.BooleanField()
    locked_at = serializers.DateTimeField(allow_null=True)
    forms = CasebookFormSerializer(many=True)


class SignSerializer(JsonInputSerializer):
    version = version_field()
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, help_text="Your password, again (21 CFR 11.200)."
    )


class LockSerializer(JsonInputSerializer):
    version = version_field()
    note = _text(required=False, help_text="An optional note.")


class UnlockSerializer(JsonInputSerializer):
    version = version_field()
    reason = _text(help_text="Why the casebook is unlocked.")


class FormTargetSerializer(JsonInputSerializer):
    record = serializers.ChoiceField(choices=RECORDS)
    id = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    values = serializers.ListField(
        child=serializers.RegexField(VALUE_PATTERN, max_length=60),
        required=False,
        max_length=100,
        help_text="The values to verify; the whole form when left out.",
    )


class WeekTargetSerializer(JsonInputSerializer):
    phase = serializers.ChoiceField(choices=Phase.choices)
    week = serializers.IntegerField(min_value=1, max_value=32767)


class VerifySerializer(JsonInputSerializer):
    version = version_field()
    forms = FormTargetSerializer(many=True, required=False, max_length=1000)
    weeks = WeekTargetSerializer(many=True, required=False, max_length=100)

    def validate(self, attrs):
        if not attrs.get("forms") and not attrs.get("weeks"):
            raise serializers.ValidationError({"forms": ["Name at least one form or week."]})
        return attrs


class VerifiedSerializer(serializers.Serializer):
    verified = serializers.IntegerField(
        help_text="Marks made (values already verified keep theirs)."
    )
    casebook = CasebookSerializer()


def _casebook(participant: Participant, reader) -> dict:
    state = signature_state(participant, with_digest=True)
    signature = state.signature
    return {
        "participant_id": participant.participant_id,
        "site": participant.site.code,
        "version": state.version,
        "content_sha256": state.digest,
        "signed": state.valid,
        "signature": None
        if signature is None
        else {
            "signer_name": signature.signer_name,
            "meaning": signature.meaning,
            "signed_at": signature.signed_at,
            "content_sha256": signature.content_sha256,
            "valid": state.valid,
            "invalid_note": state.invalid_note,
        },
        "locked": state.locked_at is not None,
        "locked_at": state.locked_at,
        "forms": casebook_forms(participant, reader=reader),
    }


class CasebookFilter(filters.FilterSet):
    site = IdentifierFilter(field_name="site__code", help_text="Site code.")

    class Meta:
        model = Participant
        fields = ["site"]


@extend_schema_view(
    list=extend_schema(
        responses=CasebookRowSerializer(many=True),
        summary="Casebooks of your sites: signature, lock, verification, queries",
    ),
    retrieve=extend_schema(
        responses=CasebookSerializer,
        summary="A casebook: every record's values with their verification and queries",
    ),
    sign=extend_schema(
        request=SignSerializer,
        responses=CasebookSerializer,
        summary="Sign the casebook with your password again (investigators)",
    ),
    lock=extend_schema(
        request=LockSerializer,
        responses=CasebookSerializer,
        summary="Lock a signed casebook (coordinators)",
    ),
    unlock=extend_schema(
        request=UnlockSerializer,
        responses=CasebookSerializer,
        summary="Unlock a casebook, with the reason (coordinators)",
    ),
    verify=extend_schema(
        request=VerifySerializer,
        responses=VerifiedSerializer,
        summary="Verify values, whole forms or whole participant-weeks (monitors)",
    ),
)
class CasebookViewSet(VersionedMixin, viewsets.GenericViewSet):
    lookup_field = "participant_id"
    lookup_value_regex = IDENTIFIER
    filterset_class = CasebookFilter
    serializer_class = CasebookSerializer

    def get_queryset(self):
        return participants_for(self.request.user).select_related("site", "trial")

    def list(self, request):
        participants = self.filter_queryset(self.get_queryset()).order_by("participant_id")
        page = self.paginate_queryset(participants)
        ids = [p.pk for p in page]
        _, progress = sdv_progress(Participant.objects.filter(pk__in=ids))
        progress = {row.label: row for row in progress}
        signed = signature_states(ids)
        unresolved = dict(
            Query.objects.filter(participant_id__in=ids, state__in=["open", "answered"])
            .order_by()
            .values("participant_id")
            .annotate(n=Count("pk"))
            .values_list("participant_id", "n")
        )
        locked = set(
            Casebook.objects.filter(participant_id__in=ids, locked_at__isnull=False).values_list(
                "participant_id", flat=True
            )
        )
        rows = [
            {
                "participant_id": p.participant_id,
                "site": p.site.code,
                "signed": signed[p.pk],
                "locked": p.pk in locked,
                "values": progress[p.participant_id].values,
                "verified": progress[p.participant_id].verified,
                "unresolved_queries": unresolved.get(p.pk, 0),
            }
            for p in page
        ]
        return self.get_paginated_response(CasebookRowSerializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(CasebookSerializer(_casebook(self.get_object(), self.request.user)).data)

    def _render(self, participant):
        return Response(CasebookSerializer(_casebook(participant, self.request.user)).data)

    @action(detail=True, methods=["post"])
    def sign(self, request, *args, **kwargs):
        participant = self.get_object()
        form = SignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        casebook_sign(
            participant=participant,
            password=form.validated_data["password"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
            request=request,
        )
        return self._render(participant)

    @action(detail=True, methods=["post"])
    def lock(self, request, *args, **kwargs):
        participant = self.get_object()
        form = LockSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        casebook_lock(
            participant=participant,
            note=form.validated_data.get("note", ""),
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(participant)

    @action(detail=True, methods=["post"])
    def unlock(self, request, *args, **kwargs):
        participant = self.get_object()
        form = UnlockSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        casebook_unlock(
            participant=participant,
            reason=form.validated_data["reason"],
            by_user=request.user,
            expected_version=expected_version(request, form.validated_data),
        )
        return self._render(participant)

    @action(detail=True, methods=["post"])
    def verify(self, request, *args, **kwargs):
        participant = self.get_object()
        form = VerifySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        version = expected_version(request, data)
        with transaction.atomic():
            ensure_current(casebook_for_update(participant.pk), version)
            made = sdv_verify(
                participant=participant,
                by_user=request.user,
                forms=[
                    FormTarget(f["record"], f["id"], tuple(f["values"]) if "values" in f else None)
                    for f in data.get("forms", [])
                ],
                weeks=[(w["phase"], w["week"]) for w in data.get("weeks", [])],
            )
        casebook = _casebook(participant, request.user)
        return Response(VerifiedSerializer({"verified": made, "casebook": casebook}).data)


class ProgressRowSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="Site code or participant id.")
    values = serializers.IntegerField()
    verified = serializers.IntegerField()
    percent = serializers.FloatField(allow_null=True)


class SdvProgressSerializer(serializers.Serializer):
    sites = ProgressRowSerializer(many=True)
    participants = ProgressRowSerializer(many=True)


class SdvProgressView(APIView):
    @extend_schema(
        responses=SdvProgressSerializer,
        summary="Source data verification progress of your sites, by site and participant",
    )
    def get(self, request):
        by_site, by_participant = sdv_progress(participants_for(request.user))
        return Response(
            SdvProgressSerializer({"sites": by_site, "participants": by_participant}).data
        )


# -- schema: which values each record has ------------------------------------------


def _one_of_records(schema: dict, values_at, *, queried: bool = False) -> dict:
    """The object schema once per record kind, its `record` fixed to the kind and the
    value names at `values_at(copy)` limited to the kind's declared values (`queried`:
    those a query may name, direct identifiers left out)."""
    shapes = []
    for kind in clinical_records():
        shape = copy.deepcopy(schema)
        shape["properties"]["record"] = {"type": "string", "enum": [kind.name]}
        values = values_at(shape)
        values.pop("allOf", None)
        names = [v.name for v in kind.values if not (queried and v.direct_identifier)]
        values.update({"type": "string", "enum": names})
        shapes.append(shape)
    return {"oneOf": shapes}


def record_values_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook (after the enums are named): a query's
    `value` and a form's `values` are declared per record, so a client learns from the
    schema which value names each record accepts; a verification names at least one
    form or week (VerifySerializer.validate)."""
    schemas = result.get("components", {}).get("schemas", {})
    if "QueryRaiseRequest" in schemas:
        schemas["QueryRaiseRequest"] = _one_of_records(
            schemas["QueryRaiseRequest"], lambda shape: shape["properties"]["value"], queried=True
        )
    if "FormTargetRequest" in schemas:
        schemas["FormTargetRequest"] = _one_of_records(
            schemas["FormTargetRequest"], lambda shape: shape["properties"]["values"]["items"]
        )
    if "VerifyRequest" in schemas:
        schemas["VerifyRequest"]["anyOf"] = [
            {"required": [name], "properties": {name: {"minItems": 1}}}
            for name in ("forms", "weeks")
        ]
    return result
