"""What the API reads and writes. Input fields come from the records' declarations
(diary.declarations), so the OpenAPI schema states the limits the server enforces;
the rules across records are the services' (diary.services.*). No arm appears here.

Writes to an existing record carry the `version` the client read (also sent as the
`ETag` of a record's representation; an `If-Match` header is honoured too): a write
based on an older version is refused with 409 and the current values.
"""

import re

from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from diary.api.fields import JsonInputSerializer, TextField, TrialDateField
from diary.declarations import (
    ADVERSE_EVENT,
    DIARY_WEEK,
    IDENTIFIER,
    PARTICIPANT,
    SCREENING,
    SITE,
    WeekSource,
)
from diary.declarations.records import WEEK_VALUES
from diary.models import (
    AdverseEvent,
    DiaryWeek,
    EligibilityCriterion,
    Participant,
    Phase,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.roles import Role, sees_direct_identifiers
from diary.selectors.allocation import current_bottle_number
from diary.selectors.scoping import participants_for, sites_for
from diary.services.participants import EDITABLE_FIELDS

__all__ = ["TrialDateField"]

# Reasons are kept with the history row.
REASON_MAX_LENGTH = 100
# Counts are stored as small integers.
SMALL_INT_MAX = 32767
PARTICIPANT_STATUSES = [
    ("consented", "Consented"),
    ("randomized", "Randomized"),
    ("withdrawn", "Withdrawn"),
]
CALL_STATUSES = [("overdue", "Overdue"), ("due", "Due"), ("coming_up", "Coming up")]


def reason_field(help_text: str) -> serializers.CharField:
    return TextField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, help_text=help_text
    )


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        help_text=(
            "The record's `version` as you read it (its ETag). A change based on an "
            "older version is refused (409) with the current values."
        ),
    )


class ScopedSlugField(serializers.SlugRelatedField):
    """A site or participant named by its code/id, looked up among those the
    requesting user may see; anything else is not found (404), so the existence of a
    record outside the user's sites does not leak."""

    def __init__(self, *, model, scope, **kwargs):
        self.scope = scope
        # The placeholder queryset names the model for the schema; lookups use the scope.
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)

    pattern = None

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if self.pattern and not re.fullmatch(self.pattern, data):
            raise serializers.ValidationError(f"{data!r} is not a valid {self.slug_field}.")
        try:
            return self.get_queryset().get(**{self.slug_field: data})
        except (TypeError, ValueError, self.get_queryset().model.DoesNotExist):
            raise NotFound(f"No {self.slug_field} {data!r} among your sites.") from None


@extend_schema_field({"type": "string", "pattern": f"^{IDENTIFIER}$"})
class IdentifierSlugField(ScopedSlugField):
    """A scoped lookup whose value has the declared identifier format (anything else is
    a 400 naming the field; a well-formed id not found is a 404)."""

    pattern = IDENTIFIER


# --- the trial and its sites -------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = EligibilityCriterion
        fields = ["code", "kind", "text"]


class TrialSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    locked = serializers.BooleanField(source="is_locked", read_only=True)
    unblinded = serializers.SerializerMethodField()

    class Meta:
        model = Trial
        fields = [
            "code",
            "title",
            "screening_weeks",
            "intervention_weeks",
            "call_window_days",
            "min_age",
            "min_screening_cramps",
            "target_enrolment",
            "site_prefixed_ids",
            "locked",
            "unblinded",
            "criteria",
        ]

    def get_unblinded(self, trial: Trial) -> bool:
        return trial.unblinded_at is not None


class SiteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Site
        fields = ["code", "name", "target_enrolment"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    sites = serializers.ListField(child=serializers.CharField())
    may_enter_data = serializers.BooleanField()


# --- screening ---------------------------------------------------------------------


class ScreeningRecordSerializer(serializers.ModelSerializer):
    site = serializers.CharField(source="site.code", read_only=True)
    participant_id = serializers.SerializerMethodField()
    answers = serializers.DictField(child=serializers.BooleanField(), read_only=True)

    class Meta:
        model = ScreeningRecord
        fields = [
            "screening_id",
            "site",
            "screened_on",
            "sex",
            "age",
            "answers",
            "eligible",
            "outcome",
            "reason",
            "participant_id",
            "version",
            "created_at",
        ]
        read_only_fields = fields

    def get_participant_id(self, record: ScreeningRecord) -> str | None:
        participant = getattr(record, "participant", None)
        return participant.participant_id if participant else None


class ScreeningCreateSerializer(JsonInputSerializer):
    """A screened candidate. With `consented_on` an eligible candidate is enrolled
    (with `participant_id`, or the site's next free id); without it, an eligible
    candidate is logged as declined."""

    site = IdentifierSlugField(model=Site, scope=sites_for, slug_field="code")
    screening_id = SCREENING["screening_id"].serializer_field()
    screened_on = SCREENING["screened_on"].serializer_field()
    sex = SCREENING["sex"].serializer_field()
    age = SCREENING["age"].serializer_field()
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Criterion code -> answer, for every criterion of GET /api/trial/.",
    )
    consented_on = PARTICIPANT["consented_on"].serializer_field(required=False)
    participant_id = PARTICIPANT["participant_id"].serializer_field(
        required=False, help_text="The study id; the site's next free id when omitted."
    )
    consent_form_version = PARTICIPANT["consent_form_version"].serializer_field()
    phone = PARTICIPANT["phone"].serializer_field()
    declined_reason = TextField(max_length=300, required=False, allow_blank=True)


# --- participants ------------------------------------------------------------------


class WithoutDirectIdentifiers:
    """Gives the phone number empty to a reader whose role has no use for it
    (statisticians, monitors, the data monitoring board): minimum necessary."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if "phone" in data and (request is None or not sees_direct_identifiers(request.user)):
            data["phone"] = ""
        return data


class ParticipantSerializer(WithoutDirectIdentifiers, serializers.ModelSerializer):
    site = serializers.CharField(source="site.code", read_only=True)
    screening_id = serializers.CharField(source="screening.screening_id", read_only=True)
    creatinine_umol_l = serializers.DecimalField(
        max_digits=6, decimal_places=0, read_only=True, allow_null=True
    )
    status = serializers.ChoiceField(choices=PARTICIPANT_STATUSES, read_only=True)
    emergency_unblinded = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = [
            "participant_id",
            "site",
            "screening_id",
            "status",
            "phone",
            "consented_on",
            "consent_form_version",
            "sex",
            "age",
            "height_cm",
            "weight_kg",
            "hypertension",
            "diabetes",
            "creatinine_mg_dl",
            "creatinine_umol_l",
            "randomized_on",
            "bottle_number",
            "treatment_stopped_on",
            "treatment_stop_reason",
            "withdrawn_on",
            "withdrawal_reason",
            "emergency_unblinded",
            "version",
        ]
        read_only_fields = fields

    def get_emergency_unblinded(self, participant: Participant) -> bool:
        return participant.emergency_unblinded_at is not None


class ParticipantDetailSerializer(ParticipantSerializer):
    current_bottle_number = serializers.SerializerMethodField(
        help_text="The bottle in use: the randomization bottle, or its latest replacement."
    )

    class Meta(ParticipantSerializer.Meta):
        fields = [*ParticipantSerializer.Meta.fields, "current_bottle_number"]
        read_only_fields = fields

    def get_current_bottle_number(self, participant: Participant) -> int | None:
        return current_bottle_number(participant=participant)


class ParticipantUpdateSerializer(JsonInputSerializer):
    """Baseline characteristics and contact details; correcting a value already
    entered needs a `reason`."""

    version = version_field()
    reason = reason_field("Why an entered value is corrected (required for corrections).")

    def get_fields(self):
        fields = super().get_fields()
        for name in EDITABLE_FIELDS:
            value = PARTICIPANT[name]
            options = {"required": False}
            if value.required:
                options["allow_null"] = False
            fields[name] = value.serializer_field(**options)
        return fields


class RandomizeSerializer(JsonInputSerializer):
    version = version_field()
    randomized_on = TrialDateField(required=False, allow_null=True, help_text="Defaults to today.")


class RandomizationSerializer(serializers.Serializer):
    """The outcome of a randomization: the bottle to hand out, never an arm."""

    participant_id = serializers.CharField()
    bottle_number = serializers.IntegerField()
    randomized_on = serializers.DateField()
    version = serializers.IntegerField()


class BottleSerializer(serializers.Serializer):
    """The bottle to hand out, never its arm."""

    participant_id = serializers.CharField()
    bottle_number = serializers.IntegerField()


class BottleReplaceSerializer(JsonInputSerializer):
    version = version_field()
    reason = TextField(max_length=300, help_text="Why: bottle lost, damaged...")


class WithdrawSerializer(JsonInputSerializer):
    version = version_field()
    withdrawn_on = PARTICIPANT["withdrawn_on"].serializer_field(required=True, allow_null=False)
    withdrawal_reason = TextField(max_length=300)


class TreatmentStopSerializer(JsonInputSerializer):
    """The participant stopped taking the study product but stays in follow-up."""

    version = version_field()
    treatment_stopped_on = PARTICIPANT["treatment_stopped_on"].serializer_field(
        required=True, allow_null=False
    )
    treatment_stop_reason = TextField(max_length=300)


# --- diary weeks and the weekly call -------------------------------------------------


class DiaryWeekSerializer(serializers.ModelSerializer):
    participant_id = serializers.CharField(source="participant.participant_id", read_only=True)
    site = serializers.CharField(source="participant.site.code", read_only=True)
    phase = serializers.ChoiceField(
        source="protocol_week.phase", choices=Phase.choices, read_only=True
    )
    week = serializers.IntegerField(source="protocol_week.week", read_only=True)
    source = serializers.ChoiceField(
        choices=WeekSource.choices,
        allow_blank=True,
        read_only=True,
        help_text="Where a reached week's values come from; empty until it is reached.",
    )

    class Meta:
        model = DiaryWeek
        fields = [
            "id",
            "participant_id",
            "site",
            "phase",
            "week",
            "due_date",
            "call_date",
            "attempts",
            "reached",
            "cramps",
            "duration_min",
            "severity",
            "capsules_missed",
            "source",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


@extend_schema_field({"type": "boolean", "enum": [True]})
class _TrueField(serializers.BooleanField):
    pass


@extend_schema_field({"type": "boolean", "enum": [False]})
class _FalseField(serializers.BooleanField):
    pass


@extend_schema_field({"type": "integer", "enum": [0]})
class _ZeroField(serializers.IntegerField):
    pass


@extend_schema_field({"type": "string", "nullable": True, "maxLength": 0})
class _NullField(serializers.Field):
    """A value that must be empty (null, "" or absent) in this shape of the request."""

    def to_internal_value(self, data):
        return data


def _week_value(name: str, **options):
    return DIARY_WEEK[name].serializer_field(**options)


def _out_of_window_field():
    return serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "Confirms a reached call's date outside the week's window (due date ± the "
            "protocol's window): a protocol deviation, listed as such."
        ),
    )


def _source_field():
    return serializers.ChoiceField(
        choices=WeekSource.choices,
        required=False,
        default=WeekSource.PHONE,
        help_text=(
            "Where a reached week's values come from: `phone` (told at the call), `diary` "
            "(the participant's electronic diary, confirmed: the values given must be the "
            "diary's) or `corrected` (the diary's values corrected at the call; needs a "
            "`reason`)."
        ),
    )


class WeeklyCallSerializer(JsonInputSerializer):
    """One call. Not reached: one more attempt. Reached: the week's values (cramps;
    duration and severity when cramps > 0; capsules missed in the intervention
    phase). Correcting values already recorded (or a reached call's date) needs a
    `reason`. The schema's three shapes (not reached; reached without cramps;
    reached with cramps) are what the server accepts."""

    version = version_field()
    reached = serializers.BooleanField()
    call_date = _week_value("call_date", help_text="Defaults to today.")
    out_of_window = _out_of_window_field()
    cramps = _week_value("cramps")
    duration_min = _week_value("duration_min")
    severity = _week_value("severity")
    capsules_missed = _week_value("capsules_missed")
    source = _source_field()
    reason = reason_field("Why recorded values are corrected (required for corrections).")

    def to_internal_value(self, data):
        # The schema's shapes allow "" (as null) where a value must be empty.
        if isinstance(data, dict):
            data = {k: (None if v == "" and k in WEEK_VALUES else v) for k, v in data.items()}
        return super().to_internal_value(data)


class _CallShape(JsonInputSerializer):
    version = version_field()
    call_date = _week_value("call_date", help_text="Defaults to today.")
    out_of_window = _out_of_window_field()
    source = _source_field()
    reason = reason_field("Why recorded values are corrected (required for corrections).")


class CallNotReachedSerializer(_CallShape):
    reached = _FalseField()
    cramps = _NullField(required=False, allow_null=True)
    duration_min = _NullField(required=False, allow_null=True)
    severity = _NullField(required=False, allow_null=True)
    capsules_missed = _NullField(required=False, allow_null=True)


class CallReachedNoCrampSerializer(_CallShape):
    reached = _TrueField()
    cramps = _ZeroField()
    duration_min = _NullField(required=False, allow_null=True)
    severity = _NullField(required=False, allow_null=True)
    capsules_missed = _week_value("capsules_missed")


class CallReachedWithCrampsSerializer(_CallShape):
    reached = _TrueField()
    cramps = _week_value("cramps", required=True, allow_null=False, min_value=1)
    duration_min = _week_value("duration_min", required=True, allow_null=False)
    severity = _week_value("severity", required=True, allow_null=False)
    capsules_missed = _week_value("capsules_missed")


WEEKLY_CALL_SHAPES = PolymorphicProxySerializer(
    component_name="WeeklyCall",
    serializers=[
        CallNotReachedSerializer,
        CallReachedNoCrampSerializer,
        CallReachedWithCrampsSerializer,
    ],
    resource_type_field_name=None,
)


class CallRowSerializer(WithoutDirectIdentifiers, serializers.Serializer):
    """One open call of the queue (diary.selectors.calls.calls_due)."""

    status = serializers.ChoiceField(choices=CALL_STATUSES)
    diary_week_id = serializers.IntegerField()
    participant_id = serializers.CharField()
    site = serializers.CharField(source="site_code")
    phone = serializers.CharField(help_text="Empty for roles that do not make the calls.")
    phase = serializers.ChoiceField(choices=Phase.choices)
    week = serializers.IntegerField()
    due_date = serializers.DateField()
    window_start = serializers.DateField()
    window_end = serializers.DateField()
    attempts = serializers.IntegerField()
    last_call_date = serializers.DateField(allow_null=True)


class CallsDueQuerySerializer(serializers.Serializer):
    on = TrialDateField(required=False, help_text="The day of the queue (default today).")
    status = serializers.ChoiceField(
        choices=CALL_STATUSES,
        required=False,
        help_text="Only calls due on the day, overdue, or coming up.",
    )
    site = SITE["code"].serializer_field(required=False, allow_null=False)
    phase = serializers.ChoiceField(choices=Phase.choices, required=False)
    week = serializers.IntegerField(required=False, min_value=1, max_value=SMALL_INT_MAX)


# --- adverse events ----------------------------------------------------------------


class AdverseEventSerializer(serializers.ModelSerializer):
    participant_id = serializers.CharField(source="participant.participant_id", read_only=True)
    site = serializers.CharField(source="participant.site.code", read_only=True)

    class Meta:
        model = AdverseEvent
        fields = [
            "id",
            "participant_id",
            "site",
            "onset_on",
            "term",
            "serious",
            "grade",
            "relatedness",
            "outcome",
            "resolved_on",
            "version",
            "created_at",
        ]
        read_only_fields = fields


def _event_fields(*, partial: bool) -> dict:
    fields = {}
    for value in ADVERSE_EVENT.values:
        options = {"required": False} if partial else {}
        if value.name == "serious" and not partial:
            options = {"required": False, "default": False}
        fields[value.name] = value.serializer_field(**options)
    return fields


class AdverseEventCreateSerializer(JsonInputSerializer):
    participant_id = IdentifierSlugField(
        model=Participant, scope=participants_for, slug_field="participant_id", source="participant"
    )

    def get_fields(self):
        return {**super().get_fields(), **_event_fields(partial=False)}


class AdverseEventUpdateSerializer(JsonInputSerializer):
    version = version_field()
    reason = reason_field("Why an entered value is corrected (required for corrections).")

    def get_fields(self):
        return {**super().get_fields(), **_event_fields(partial=True)}


WEEK_VALUE_FIELDS = WEEK_VALUES
