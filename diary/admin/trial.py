"""Admin for the protocol: trial settings, sites, criteria. (Staff and their sites are
managed on the accounts, diary.admin.staff.)

Arms are deliberately not shown here: their codes and labels stay with the
unblinded statistician's pages.
"""

from django.contrib import admin

from diary.admin.history import HistoryAdmin
from diary.models import EligibilityCriterion, Site, Trial


@admin.register(Trial)
class TrialAdmin(HistoryAdmin):
    list_display = ("code", "title", "screening_weeks", "intervention_weeks", "locked_at")
    readonly_fields = (
        "code",
        "screening_weeks",
        "intervention_weeks",
        "site_prefixed_ids",
        "locked_at",
        "unblinded_at",
    )
    fields = (
        "code",
        "title",
        "screening_weeks",
        "intervention_weeks",
        "call_window_days",
        "min_age",
        "min_screening_cramps",
        "target_enrolment",
        "site_prefixed_ids",
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

    def get_readonly_fields(self, request, obj=None):
        # A site's code is in its participants' ids and their URLs: it never changes.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False


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
