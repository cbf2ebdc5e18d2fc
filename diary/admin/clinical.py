"""Admin for the clinical records: the screening log, participants with their diary
weeks and adverse events, each with its history."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from diary.admin.audit import AuditedAdmin, AuditedInlineFormSet, SiteScopedAdminMixin
from diary.models import AdverseEvent, DiaryWeek, Participant, ScreeningRecord
from diary.selectors.scoping import participants_for, screenings_for
from diary.selectors.trial import trial_or_none


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


class DiaryWeekInline(admin.TabularInline):
    model = DiaryWeek
    formset = AuditedInlineFormSet
    extra = 0
    can_delete = False
    fields = (
        "protocol_week",
        "due_date",
        "call_date",
        "attempts",
        "reached",
        "cramps",
        "duration_min",
        "severity",
        "capsules_missed",
    )
    readonly_fields = ("protocol_week", "due_date", "attempts")

    def has_add_permission(self, request, obj=None):
        return False  # weeks are scheduled by the app


class AdverseEventInline(admin.TabularInline):
    model = AdverseEvent
    formset = AuditedInlineFormSet
    extra = 0
    can_delete = False
    fields = ("onset_on", "term", "serious", "grade", "relatedness", "outcome", "resolved_on")


@admin.register(Participant)
class ParticipantAdmin(AuditedAdmin):
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
    readonly_fields = (
        "trial",
        "site",
        "screening",
        "participant_id",
        "randomized_on",
        "bottle_number",
        "creatinine_umol_l",
        "emergency_unblinded_at",
    )
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
        ("Withdrawal", {"fields": ("withdrawn_on", "withdrawal_reason")}),
        ("Audit", {"fields": ("change_reason",)}),
    )

    @admin.display(description="creatinine (µmol/L)")
    def creatinine_umol_l(self, obj):
        return obj.creatinine_umol_l

    def get_queryset(self, request):
        return participants_for(request.user).select_related("site")

    def has_add_permission(self, request):
        return False  # participants are enrolled from the screening log


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(AuditedAdmin):
    list_display = ("screening_id", "site", "screened_on", "age", "sex", "eligible", "outcome")
    list_filter = ("site", "outcome", "eligible")
    search_fields = ("screening_id", "reason")
    readonly_fields = ("trial", "eligible", "answers")
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
    )

    def get_queryset(self, request):
        return screenings_for(request.user).select_related("site")

    def has_add_permission(self, request):
        return False  # candidates are screened in the web app, which decides eligibility


@admin.register(DiaryWeek)
class DiaryWeekAdmin(SiteScopedAdminMixin, AuditedAdmin):
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
    readonly_fields = ("participant", "protocol_week", "due_date", "attempts")
    list_select_related = ("participant", "protocol_week")

    def has_add_permission(self, request):
        return False


@admin.register(AdverseEvent)
class AdverseEventAdmin(SiteScopedAdminMixin, AuditedAdmin):
    list_display = ("participant", "onset_on", "term", "serious", "grade", "relatedness")
    list_filter = ("participant__site", "serious", "grade", "relatedness")
    search_fields = ("participant__participant_id", "term")
    list_select_related = ("participant",)
