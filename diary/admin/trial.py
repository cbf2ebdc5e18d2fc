"""Admin for the protocol: trial settings, sites, staff site assignments, criteria.

Arms are deliberately not shown here: their codes and labels stay with the
unblinded statistician's pages.
"""

from django.contrib import admin

from diary.admin.history import HistoryAdmin
from diary.models import EligibilityCriterion, Site, SiteAssignment, Trial


@admin.register(Trial)
class TrialAdmin(HistoryAdmin):
    list_display = ("code", "title", "screening_weeks", "intervention_weeks", "locked_at")
    readonly_fields = ("code", "screening_weeks", "intervention_weeks", "locked_at", "unblinded_at")
    fields = (
        "code",
        "title",
        "screening_weeks",
        "intervention_weeks",
        "call_window_days",
        "min_age",
        "min_screening_cramps",
        "target_enrolment",
        "locked_at",
        "unblinded_at",
    )

    def has_add_permission(self, request):
        return False  # one trial per database, configured by setup_trial or an import

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Site)
class SiteAdmin(HistoryAdmin):
    list_display = ("code", "name", "target_enrolment")
    search_fields = ("code", "name")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiteAssignment)
class SiteAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "site")
    list_filter = ("site",)
    autocomplete_fields = ("site",)


@admin.register(EligibilityCriterion)
class EligibilityCriterionAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "text", "position")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
