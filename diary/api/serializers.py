"""What the API reads and writes. Serializers check types and storage limits only;
every rule of the trial is the services' (diary.services.*). No arm appears here."""

from datetime import date

from rest_framework import serializers

from diary.models import (
    AdverseEvent,
    DiaryWeek,
    EligibilityCriterion,
    Grade,
    Participant,
    Phase,
    Relatedness,
    ScreeningRecord,
    Sex,
    Site,
    Trial,
)
from diary.roles import Role
from diary.selectors.allocation import current_bottle_number
from diary.selectors.scoping import participants_for, sites_for
from diary.services.participants import EDITABLE_FIELDS

# Reasons are kept with the history row, whose column holds 100 characters.
REASON_MAX_LENGTH = 100
# Counts are stored as small integers.
SMALL_INT_MAX = 32767
PARTICIPANT_STATUSES = [
    ("consented", "Consented"),
    ("randomized", "Randomized"),
    ("withdrawn", "Withdrawn"),
]
CALL_STATUSES = [("overdue", "Overdue"), ("due", "Due"), ("coming_up", "Coming up")]


class TrialDateField(serializers.DateField):
    """A date within 1900-2100: schedules and call windows are computed from the
    dates entered, and must stay within the calendar."""

    EARLIEST = date(1900, 1, 1)
    LATEST = date(2100, 12, 31)

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not self.EARLIEST <= day <= self.LATEST:
            raise serializers.ValidationError("Enter a date between 1900 and 2100.")
        return day


def reason_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, help_text=help_text
    )


class ScopedSlugField(serializers.SlugRelatedField):
    """A site or participant named by its code/id, looked up among those the
    requesting user may see (anything else 'does not exist')."""

    def __init__(self, *, model, scope, **kwargs):
        self.scope = scope
        # The placeholder queryset names the model for the schema; lookups use the scope.
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


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
            "created_at",
        ]
        read_only_fields = fields

    def get_participant_id(self, record: ScreeningRecord) -> str | None:
        participant = getattr(record, "participant", None)
        return participant.participant_id if participant else None


class ScreeningCreateSerializer(serializers.Serializer):
    """A screened candidate. With `consented_on` an eligible candidate is enrolled
    (with `participant_id`, or the site's next free id); without it, an eligible
    candidate is logged as declined."""

    site = ScopedSlugField(model=Site, scope=sites_for, slug_field="code")
    screening_id = serializers.CharField(max_length=40)
    screened_on = TrialDateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    # The screening log's database constraint: 18-120 years.
    age = serializers.IntegerField(min_value=18, max_value=120)
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Criterion code -> answer, for every criterion of GET /api/trial/.",
    )
    consented_on = TrialDateField(required=False, allow_null=True)
    participant_id = serializers.CharField(max_length=40, required=False, allow_blank=True)
    consent_form_version = serializers.CharField(max_length=40, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    declined_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- participants ------------------------------------------------------------------


class ParticipantSerializer(serializers.ModelSerializer):
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
            "withdrawn_on",
            "withdrawal_reason",
            "emergency_unblinded",
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


class ParticipantUpdateSerializer(serializers.ModelSerializer):
    """Baseline characteristics and contact details; correcting a value already
    entered needs a `reason`."""

    reason = reason_field("Why an entered value is corrected (required for corrections).")

    class Meta:
        model = Participant
        fields = [*EDITABLE_FIELDS, "reason"]
        extra_kwargs = {name: {"required": False} for name in EDITABLE_FIELDS}


class RandomizeSerializer(serializers.Serializer):
    randomized_on = TrialDateField(required=False, allow_null=True, help_text="Defaults to today.")


class RandomizationSerializer(serializers.Serializer):
    """The outcome of a randomization: the bottle to hand out, never an arm."""

    participant_id = serializers.CharField()
    bottle_number = serializers.IntegerField()
    randomized_on = serializers.DateField()


class BottleSerializer(serializers.Serializer):
    """The bottle to hand out, never its arm."""

    participant_id = serializers.CharField()
    bottle_number = serializers.IntegerField()


class BottleReplaceSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why: bottle lost, damaged...")


class WithdrawSerializer(serializers.Serializer):
    withdrawn_on = TrialDateField()
    withdrawal_reason = serializers.CharField(max_length=300)


# --- diary weeks and the weekly call -------------------------------------------------


class DiaryWeekSerializer(serializers.ModelSerializer):
    participant_id = serializers.CharField(source="participant.participant_id", read_only=True)
    site = serializers.CharField(source="participant.site.code", read_only=True)
    phase = serializers.ChoiceField(
        source="protocol_week.phase", choices=Phase.choices, read_only=True
    )
    week = serializers.IntegerField(source="protocol_week.week", read_only=True)

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
            "updated_at",
        ]
        read_only_fields = fields


class WeeklyCallSerializer(serializers.Serializer):
    """One call. Not reached: one more attempt. Reached: the week's values (cramps;
    duration and severity when cramps > 0; capsules missed in the intervention
    phase). Changing values already recorded needs a `reason`."""

    reached = serializers.BooleanField()
    call_date = TrialDateField(required=False, allow_null=True, help_text="Defaults to today.")
    cramps = serializers.IntegerField(required=False, allow_null=True, max_value=SMALL_INT_MAX)
    duration_min = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True
    )
    severity = serializers.DecimalField(
        max_digits=4, decimal_places=2, required=False, allow_null=True
    )
    capsules_missed = serializers.IntegerField(
        required=False, allow_null=True, max_value=SMALL_INT_MAX
    )
    reason = reason_field("Why recorded values are corrected (required for corrections).")


class CallRowSerializer(serializers.Serializer):
    """One open call of the queue (diary.selectors.calls.calls_due)."""

    status = serializers.ChoiceField(choices=CALL_STATUSES)
    diary_week_id = serializers.IntegerField()
    participant_id = serializers.CharField()
    site = serializers.CharField(source="site_code")
    phone = serializers.CharField()
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
    site = serializers.CharField(required=False, max_length=40)
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
            "created_at",
        ]
        read_only_fields = fields


class AdverseEventCreateSerializer(serializers.ModelSerializer):
    participant_id = ScopedSlugField(
        model=Participant, scope=participants_for, slug_field="participant_id", source="participant"
    )
    onset_on = TrialDateField()
    resolved_on = TrialDateField(required=False, allow_null=True)
    serious = serializers.BooleanField(default=False)
    grade = serializers.ChoiceField(choices=Grade.choices)
    relatedness = serializers.ChoiceField(choices=Relatedness.choices)

    class Meta:
        model = AdverseEvent
        fields = [
            "participant_id",
            "onset_on",
            "term",
            "serious",
            "grade",
            "relatedness",
            "outcome",
            "resolved_on",
        ]


class AdverseEventUpdateSerializer(serializers.ModelSerializer):
    onset_on = TrialDateField(required=False)
    resolved_on = TrialDateField(required=False, allow_null=True)
    grade = serializers.ChoiceField(choices=Grade.choices, required=False)
    relatedness = serializers.ChoiceField(choices=Relatedness.choices, required=False)
    reason = reason_field("Why an entered value is corrected (required for corrections).")

    class Meta:
        model = AdverseEvent
        fields = [
            "onset_on",
            "term",
            "serious",
            "outcome",
            "resolved_on",
            "grade",
            "relatedness",
            "reason",
        ]
        extra_kwargs = {
            name: {"required": False}
            for name in ("onset_on", "term", "serious", "outcome", "resolved_on")
        }
