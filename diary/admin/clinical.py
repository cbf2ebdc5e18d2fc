"""Admin for the clinical records: the screening log, participants with their diary
weeks and adverse events, each with its history. Every change goes through the
record's service (diary.admin.audit.ServiceAdmin)."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from diary.admin.allocation import ReadOnlyAdminMixin
from diary.admin.audit import ReadOnlyInline, ServiceAdmin, SiteScopedAdminMixin
from diary.admin.history import HistoryAdmin
from diary.declarations import ADVERSE_EVENT
from diary.declarations.records import WEEK_VALUES
from diary.errors import InvalidValue
from diary.models import AdverseEvent, CrampEvent, DiaryWeek, Night, Participant, ScreeningRecord
from diary.selectors.scoping import participants_for, screenings_for
from diary.selectors.trial import trial_or_none
from diary.services.adverse_events import adverse_event_update
from diary.services.calls import weekly_call_record
from diary.services.participants import EDITABLE_FIELDS, participant_update
from diary.services.screening import SCREENING_CORRECTABLE, screening_record_update


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("consented", "Consented, not randomized"),
            ("on_treatment", "On treatment"),
            ("completed", "Completed"),
            ("withdrawn", "Withdrawn"),
        ]

    def queryset(self, request, queryset):
        trial = trial_or_none()
        if trial is None or self.value() is None:
            return queryset
        end = timezone.localdate() - timedelta(days=7 * trial.intervention_weeks)
        if self.value() == "consented":
            return queryset.filter(randomized_on__isnull=True, withdrawn_on__isnull=True)
        if self.value() == "withdrawn":
            return queryset.filter(withdrawn_on__isnull=False)
        if self.value() == "on_treatment":
            return queryset.filter(randomized_on__gt=end, withdrawn_on__isnull=True)
        if self.value() == "completed":
            return queryset.filter(randomized_on__lte=end).filter(
                Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=timezone.localdate())  # noqa: DJ012
            )
        return queryset


class CurrentWeekFilter(admin.SimpleListFilter):
    title = "current intervention week"
    parameter_name = "week"

    def lookups(self, request, model_admin):
        trial = trial_or_none()
        weeks = trial.intervention_weeks if trial else 0
        return [(str(w), f"Week {w}") for w in range(1, weeks + 1)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        week = int(self.value())
        today = timezone.localdate()
        return queryset.filter(
            randomized_on__gt=today - timedelta(days=7 * week),
            randomized_on__lte=today - timedelta(days=7 * (week - 1)),
            withdrawn_on__isnull=True,
        )


class DiaryWeekInline(ReadOnlyInline):
    model = DiaryWeek
    fields = ("protocol_week", "due_date", "call_date", "attempts", "reached", "cramps")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("protocol_week")


class AdverseEventInline(ReadOnlyInline):
    model = AdverseEvent
    fields = ("onset_on", "term", "serious", "grade", "resolved_on")


@admin.register(Participant)
class ParticipantAdmin(ServiceAdmin):
    """Baseline characteristics and contact details are corrected here (with a
    reason, through participant_update); randomization, bottles, stopping the study
    product and withdrawal are the app's bookkeeping and only shown."""

    editable = EDITABLE_FIELDS
    list_display = (
        "participant_id",
        "site",
        "consented_on",
        "randomized_on",
        "bottle_number",
        "withdrawn_on",
    )
    list_filter = ("site", StatusFilter, CurrentWeekFilter)
    search_fields = ("participant_id", "=bottle_number")
    inlines = (DiaryWeekInline, AdverseEventInline)
    fieldsets = (
        (None, {"fields": ("participant_id", "site", "screening", "trial", "phone")}),
        ("Consent", {"fields": ("consented_on", "consent_form_version")}),
        (
            "Baseline",
            {
                "fields": (
                    "sex",
                    "age",
                    "height_cm",
                    "weight_kg",
                    "hypertension",
                    "diabetes",
                    "creatinine_mg_dl",
                    "creatinine_umol_l",
                )
            },
        ),
        ("Randomization", {"fields": ("randomized_on", "bottle_number", "emergency_unblinded_at")}),
        ("Study product", {"fields": ("treatment_stopped_on", "treatment_stop_reason")}),
        ("Withdrawal", {"fields": ("withdrawn_on", "withdrawal_reason")}),
        ("Audit", {"fields": ("change_reason", "record_version")}),
    )

    @admin.display(description="creatinine (µmol/L)")
    def creatinine_umol_l(self, obj):
        return obj.creatinine_umol_l

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "creatinine_umol_l"]

    def get_queryset(self, request):
        return participants_for(request.user).select_related("site")

    def service_change(self, request, obj, changes, *, reason, version):
        participant_update(
            participant=obj,
            changes=changes,
            by_user=request.user,
            reason=reason,
            expected_version=version,
        )


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(ServiceAdmin):
    """A screening record's date, sex, age and note are corrected here (with a reason,
    through screening_record_update); the answers, eligibility and outcome, from
    which CONSORT is counted, are decided by the app and only shown."""

    editable = SCREENING_CORRECTABLE
    list_display = ("screening_id", "site", "screened_on", "age", "sex", "eligible", "outcome")
    list_filter = ("site", "outcome", "eligible")
    search_fields = ("screening_id", "reason")
    fields = (
        "screening_id",
        "trial",
        "site",
        "screened_on",
        "sex",
        "age",
        "answers",
        "eligible",
        "outcome",
        "reason",
        "change_reason",
        "record_version",
    )

    def get_queryset(self, request):
        return screenings_for(request.user).select_related("site")

    def service_change(self, request, obj, changes, *, reason, version):
        screening_record_update(
            record=obj,
            changes=changes,
            by_user=request.user,
            reason=reason,
            expected_version=version,
        )


@admin.register(DiaryWeek)
class DiaryWeekAdmin(SiteScopedAdminMixin, ServiceAdmin):
    """A week's call is recorded or corrected here through weekly_call_record, as in
    the web app: values only when reached, a reason for a correction."""

    editable = ("reached", "call_date", *WEEK_VALUES)
    list_display = (
        "participant",
        "protocol_week",
        "due_date",
        "call_date",
        "attempts",
        "reached",
        "cramps",
    )
    list_filter = ("participant__site", "protocol_week__phase", "protocol_week__week", "reached")
    search_fields = ("participant__participant_id",)
    list_select_related = ("participant", "protocol_week")
    fields = (
        "participant",
        "protocol_week",
        "due_date",
        "attempts",
        "reached",
        "call_date",
        *WEEK_VALUES,
        "change_reason",
        "record_version",
    )

    def service_change(self, request, obj, changes, *, reason, version):
        if changes.get("reached") is None:
            raise InvalidValue(
                "Say whether the participant was reached (yes or no).", field="reached"
            )
        weekly_call_record(
            diary_week=obj,
            by_user=request.user,
            reason=reason,
            expected_version=version,
            **changes,
        )


@admin.register(AdverseEvent)
class AdverseEventAdmin(SiteScopedAdminMixin, ServiceAdmin):
    editable = ADVERSE_EVENT.names
    list_display = ("participant", "onset_on", "term", "serious", "grade", "relatedness")
    list_filter = ("participant__site", "serious", "grade", "relatedness")
    search_fields = ("participant__participant_id", "term")
    list_select_related = ("participant",)
    fields = ("participant", *ADVERSE_EVENT.names, "change_reason", "record_version")

    def service_change(self, request, obj, changes, *, reason, version):
        adverse_event_update(
            event=obj,
            changes=changes,
            by_user=request.user,
            reason=reason,
            expected_version=version,
        )


class CrampEventInline(ReadOnlyInline):
    model = CrampEvent
    fields = ("position", "duration_min", "severity")
    show_change_link = False


@admin.register(Night)
class NightAdmin(SiteScopedAdminMixin, ReadOnlyAdminMixin, HistoryAdmin):
    """The participants' diary nights and their cramps, read-only here: a night is
    entered by the participant (their personal link) or by staff on the participant's
    diary page, and corrected there (diary.services.nights.night_record). Its
    history is shown, never reverted."""

    list_display = ("participant", "night", "reported", "cramps", "source", "updated_at")
    list_filter = ("participant__site", "source", "reported")
    search_fields = ("participant__participant_id",)
    list_select_related = ("participant",)
    fields = ("participant", "night", "reported", "cramps", "source", "version", "updated_at")
    readonly_fields = fields
    inlines = [CrampEventInline]
