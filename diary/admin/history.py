"""The admin's history pages (django-simple-history), read-only.

- Reverting to an earlier version is never offered: it would write around the
  services (no reason, no lock, no rules; it once un-randomized a participant).
- An object id that cannot be one answers 404 (simple_history's view would fail
  with a server error).
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """History shown read-only, with labels; no revert."""

    def revert_disabled(self, request, obj=None):
        return True

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
