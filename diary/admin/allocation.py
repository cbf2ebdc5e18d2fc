"""Admin for the randomization list (unblinded statistician only) and the allocation
audit records (bottles given, emergency unblindings, lock events; no arm in them).

Everything here is read-only: lists are made, discarded and frozen, bottles given
and unblindings recorded only through the services (the web pages link from here).
Pages showing an arm check the role as well as the model permission, so even a
superuser without the unblinded role never sees one.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from diary.admin.history import HistoryAdmin
from diary.crypto import open_arm
from diary.models import Allocation, EmergencyUnblinding, ListEntry, RandomizationList, TrialEvent
from diary.roles import is_unblinded
from diary.selectors.allocation import randomization_list_check
from diary.selectors.scoping import participants_for


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class UnblindedOnlyMixin(ReadOnlyAdminMixin):
    def has_view_permission(self, request, obj=None):
        return is_unblinded(request.user) and super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return is_unblinded(request.user) and super().has_module_permission(request)


@admin.register(RandomizationList)
class RandomizationListAdmin(UnblindedOnlyMixin, HistoryAdmin):
    change_list_template = "admin/diary/randomizationlist/change_list.html"
    list_display = ("trial", "source", "method", "sha256", "created_at", "frozen_at")
    fields = (
        "trial",
        "source",
        "method",
        "seed_shown",
        "parameters",
        "sha256",
        "integrity",
        "created_by",
        "created_at",
        "frozen_at",
        "web_page",
    )
    readonly_fields = fields

    @admin.display(description="seed")
    def seed_shown(self, obj):
        return obj.seed

    @admin.display(description="integrity and verification")
    def integrity(self, obj):
        check = randomization_list_check(randomization_list=obj)
        state = "matches its fingerprint" if check.intact else "DOES NOT match its fingerprint"
        problems = check.verification.errors + check.verification.warnings
        return f"The stored list {state}. " + (" ".join(problems) or "It verifies.")

    @admin.display(description="in the app")
    def web_page(self, obj):
        return format_html(
            '<a href="{}">List page (verification, download, freeze)</a>',
            reverse("diary:randomization_list"),
        )


@admin.register(ListEntry)
class ListEntryAdmin(UnblindedOnlyMixin, admin.ModelAdmin):
    list_display = ("bottle_number", "arm", "block", "stratum", "is_spare", "given_to")
    list_filter = ("is_spare",)
    search_fields = ("=bottle_number",)
    list_per_page = 200
    fields = ("randomization_list", "bottle_number", "arm", "block", "stratum", "is_spare")
    readonly_fields = fields

    @admin.display(description="arm")
    def arm(self, obj):
        return open_arm(obj.arm_sealed)

    @admin.display(description="given to")
    def given_to(self, obj):
        allocation = getattr(obj, "allocation", None)
        return allocation.participant.participant_id if allocation else ""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("allocation__participant")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "participant",
        "bottle_number",
        "kind",
        "allocated_on",
        "by_user",
        "reason",
        "replacement_link",
    )
    list_filter = ("kind", "participant__site")
    search_fields = ("participant__participant_id", "=list_entry__bottle_number")
    fields = (
        "participant",
        "bottle_number",
        "kind",
        "allocated_on",
        "allocated_at",
        "by_user",
        "reason",
        "replaces",
    )
    readonly_fields = fields
    list_select_related = ("participant", "list_entry", "by_user")

    @admin.display(description="bottle")
    def bottle_number(self, obj):
        return obj.list_entry.bottle_number

    @admin.display(description="")
    def replacement_link(self, obj):
        return format_html(
            '<a href="{}">Replacement bottle…</a>',
            reverse("diary:bottle_replacement", args=[obj.participant.participant_id]),
        )

    def get_queryset(self, request):
        allocations = (
            super().get_queryset(request).filter(participant__in=participants_for(request.user))
        )
        if not is_unblinded(request.user):
            # A spare set aside is of another arm than its participant's.
            allocations = allocations.filter(kind__in=Allocation.GIVEN)
        return allocations


@admin.register(EmergencyUnblinding)
class EmergencyUnblindingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("participant", "requested_by", "requested_at", "reason", "notified_at")
    search_fields = ("participant__participant_id",)
    list_filter = ("participant__site",)
    fields = (
        "participant",
        "requested_by",
        "requested_at",
        "reason",
        "shown_at",
        "notified_at",
        "notified_to",
    )
    readonly_fields = fields
    list_select_related = ("participant", "requested_by")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(participant__in=participants_for(request.user))


@admin.register(TrialEvent)
class TrialEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "kind", "by_user", "reason")
    list_filter = ("kind",)
    fields = ("trial", "kind", "at", "by_user", "reason")
    readonly_fields = fields
