"""The admin's doors to the clinical records go through the same services as the web
app and the API.

- `HistoryAdmin` (diary.admin.history): the history of a record, read-only.
- `ServiceAdmin`: a clinical record's change form whose save is the record's
  service. The form is checked by running the service in a transaction that is
  rolled back (the same rules, messages and lock as every other door, shown next
  to the fields), then saved by running it for real. Fields a service does not
  change are read-only; records are never added or deleted here.
"""

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponseRedirect

from diary.admin.history import HistoryAdmin
from diary.errors import TrialError
from diary.selectors.scoping import participants_for
from diary.web.errors import add_trial_error

REASON_HELP = "Required when you change a value that was already entered (kept in the audit trail)."


class _RolledBack(Exception):
    """Ends a check run of a service (its writes are undone)."""


def service_check(call) -> None:
    """Run `call` (a service) and undo everything it wrote; its TrialError, if any,
    is raised. Hooks it registers for the commit (alerts) are dropped with it."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        pass


class ServiceForm(forms.ModelForm):
    # A service's `reason` error belongs to the reason field.
    service_fields = {"reason": "change_reason"}
    change_reason = forms.CharField(
        label="Reason for change",
        required=False,
        max_length=100,
        help_text=REASON_HELP,
        widget=forms.TextInput(attrs={"size": 60}),
    )
    record_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["record_version"].initial = self.instance.version


class ServiceAdmin(HistoryAdmin):
    """See the module's docstring. Subclasses name the `editable` fields and write
    them with `service_change`."""

    form = ServiceForm
    editable: tuple[str, ...] = ()

    def service_change(self, request, obj, changes: dict, *, reason: str, version) -> None:
        raise NotImplementedError

    def changes_of(self, form) -> dict:
        return {name: form.cleaned_data.get(name) for name in self.editable if name in form.fields}

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields if f.name not in self.editable]
        return [*names, *super().get_readonly_fields(request, obj)]

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        model_admin = self

        class Form(base):
            def clean(self):
                cleaned = super().clean()
                if self.instance.pk is None or self.errors:
                    return cleaned
                changes = model_admin.changes_of(self)
                original = type(self.instance).objects.get(pk=self.instance.pk)
                try:
                    service_check(
                        lambda: model_admin.service_change(
                            request,
                            original,
                            changes,
                            reason=cleaned.get("change_reason") or "",
                            version=cleaned.get("record_version"),
                        )
                    )
                except TrialError as exc:
                    add_trial_error(self, exc)
                return cleaned

        return Form

    def save_model(self, request, obj, form, change):
        original = type(obj).objects.get(pk=obj.pk)
        self.service_change(
            request,
            original,
            self.changes_of(form),
            reason=form.cleaned_data.get("change_reason") or "",
            version=form.cleaned_data.get("record_version"),
        )
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """Inlines are read-only: nothing of them is saved here."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_related(self, request, form, formsets, change):
        """Nothing besides the record itself is written from its change form."""
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except TrialError as exc:
            # Refused between the check and the save (another change came first):
            # everything of this request was rolled back.
            self.message_user(request, f"Nothing was saved: {exc.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_add_permission(self, request, obj=None):
        return False  # entered in the web app or the API, through the services

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are never deleted; withdraw or correct instead

    def get_actions(self, request):
        return {}  # no bulk change bypasses a record's service


class ReadOnlyInline(admin.TabularInline):
    """A related record listed on its parent's page; it is changed on its own page,
    through its service."""

    extra = 0
    can_delete = False
    show_change_link = True

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SiteScopedAdminMixin:
    """The admin reads through the same scoping selectors as the web app."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(participant__in=participants_for(request.user))


admin.site.site_header = "Cramp trial administration"
admin.site.site_title = "Cramp trial"
