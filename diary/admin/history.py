"""The admin's history pages (django-simple-history), read-only.

- Reverting to an earlier version is never offered: it would write around the
  services (no reason, no lock, no rules; it once un-randomized a participant).
- An object id that cannot be one answers 404 (simple_history's view would fail
  with a server error).
"""

import dataclasses
from decimal import Decimal

from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

# Counters the app moves by itself: not changes anyone made.
NOT_SHOWN = frozenset({"version", "updated_at"})


def display_value(field, value):
    """A stored value as staff read it: labels of choices, yes/no, a dash for empty."""
    if value in (None, ""):
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


class TrialHistoryHelper(HistoricalRecordContextHelper):
    """The admin's list of changes in the trial's terms: each field by its label,
    each value as staff read it; the version counter left out."""

    def context_for_delta_changes(self, delta):
        shown = [c for c in delta.changes if c.field not in NOT_SHOWN]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=shown))

    def prepare_delta_change_value(self, change, value):
        try:
            field = self.model._meta.get_field(change.field)
        except FieldDoesNotExist:
            return value
        if field.is_relation:
            return super().prepare_delta_change_value(change, value)
        return display_value(field, value)


class HistoryAdmin(SimpleHistoryAdmin):
    """History shown read-only, with labels; no revert."""

    object_history_list_template = "admin/trial_history_list.html"

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return TrialHistoryHelper(self.model, historical_record)

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404("No such record.") from None
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(
                "Reverting to an earlier version is not offered; correct the record instead."
            )
        return super().history_form_view(request, object_id, version_id, extra_context)
