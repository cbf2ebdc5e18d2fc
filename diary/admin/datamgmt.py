"""Data management in the admin, read-only for coordinators (who see every site): queries
with their steps and the counts every page shows (diary.selectors.datamgmt.query_counts),
source data verification marks, signatures, casebooks with their events, and the
waivers recorded at the database lock. Changes are made in the app and the API, through
the services, with the same permissions."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from diary.models import (
    Casebook,
    CasebookEvent,
    Query,
    QueryStep,
    SdvMark,
    Signature,
    TrialLockWaiver,
)
from diary.selectors.datamgmt import query_counts
from diary.selectors.scoping import participants_for, sites_for


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}


class ScopedAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        return super().get_queryset(request).filter(participant__in=participants_for(request.user))


class QueryStepInline(admin.TabularInline):
    model = QueryStep
    extra = 0
    can_delete = False
    fields = ("kind", "by_name", "at", "text", "correction")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Query)
class QueryAdmin(ScopedAdmin):
    list_display = ("id", "participant", "record", "field", "state", "edit_check", "raised_at")
    list_filter = ("state", "record", "participant__site", "edit_check")
    search_fields = ("participant__participant_id", "text")
    list_select_related = ("participant",)
    readonly_fields = ("in_the_app",)
    inlines = (QueryStepInline,)

    @admin.display(description="answer, close or re-open")
    def in_the_app(self, obj):
        return format_html(
            '<a href="{}">Open in the app</a>', reverse("diary:query", args=[obj.pk])
        )

    def changelist_view(self, request, extra_context=None):
        """The counts of diary.selectors.datamgmt.query_counts above the list."""
        counts = query_counts(
            Query.objects.filter(participant__in=participants_for(request.user)),
            sites=sites_for(request.user).values_list("code", flat=True),
        )
        summary = "; ".join(
            f"{site}: {c.open} open, {c.answered} answered, {c.closed} closed"
            for site, c in counts.by_site.items()
        )
        title = (
            f"Queries: {counts.total.open} open, {counts.total.answered} answered, "
            f"{counts.total.closed} closed ({summary})"
        )
        return super().changelist_view(request, {**(extra_context or {}), "title": title})


@admin.register(SdvMark)
class SdvMarkAdmin(ScopedAdmin):
    list_display = (
        "participant",
        "record",
        "object_id",
        "field",
        "verified_by",
        "verified_at",
        "cleared_at",
    )
    list_filter = ("record", "participant__site")
    search_fields = ("participant__participant_id",)


@admin.register(Signature)
class SignatureAdmin(ScopedAdmin):
    list_display = ("participant", "signer_name", "signed_at", "invalidated_at")
    search_fields = ("participant__participant_id", "signer_name")


@admin.register(Casebook)
class CasebookAdmin(ScopedAdmin):
    list_display = ("participant", "version", "locked_at", "locked_by")
    search_fields = ("participant__participant_id",)


@admin.register(CasebookEvent)
class CasebookEventAdmin(ScopedAdmin):
    list_display = ("participant", "kind", "at", "by_user")
    list_filter = ("kind",)
    search_fields = ("participant__participant_id",)


@admin.register(TrialLockWaiver)
class TrialLockWaiverAdmin(ReadOnlyAdmin):
    list_display = ("at", "by_user", "reason")
