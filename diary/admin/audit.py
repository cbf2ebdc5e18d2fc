"""Admin forms that apply the audit rule: correcting an entered value needs a reason,
kept with the history row."""

from django import forms
from django.contrib import admin

from diary.admin.history import HistoryAdmin
from diary.selectors.scoping import participants_for
from diary.services.audit import EMPTY

REASON_HELP = "Required when you change a value that was already entered (kept in the audit trail)."


def _corrected(form) -> list[str]:
    if not form.instance.pk:
        return []
    return [
        name
        for name in form.changed_data
        if name != "change_reason" and form.initial.get(name) not in EMPTY
    ]


class AuditedForm(forms.ModelForm):
    change_reason = forms.CharField(
        label="Reason for change", required=False, max_length=100, help_text=REASON_HELP
    )

    def clean(self):
        cleaned = super().clean()
        corrected = _corrected(self)
        if corrected and not (cleaned.get("change_reason") or "").strip():
            self.add_error(
                "change_reason",
                "Give a reason: you changed " + ", ".join(corrected) + ".",
            )
        return cleaned


class AuditedInlineFormSet(forms.BaseInlineFormSet):
    """Inline corrections use the reason typed on the parent form."""

    def clean(self):
        super().clean()
        reason = (self.data.get("change_reason") or "").strip()
        for form in self.forms:
            if not hasattr(form, "cleaned_data"):
                continue
            corrected = _corrected(form)
            if corrected and not reason:
                form.add_error(
                    None,
                    "Give a reason for change at the top of the page: you changed "
                    + ", ".join(corrected)
                    + ".",
                )


class AuditedAdmin(HistoryAdmin):
    form = AuditedForm

    def save_model(self, request, obj, form, change):
        obj._change_reason = (form.cleaned_data.get("change_reason") or "").strip() or None
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        reason = (form.cleaned_data.get("change_reason") or "").strip() or None
        instances = formset.save(commit=False)
        for instance in instances:
            instance._change_reason = reason
            instance._history_user = request.user
            instance.save()
        formset.save_m2m()

    def has_delete_permission(self, request, obj=None):
        return False  # clinical records are never deleted; withdraw or correct instead


class SiteScopedAdminMixin:
    """The admin reads through the same scoping selectors as the web app."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(participant__in=participants_for(request.user))


admin.site.site_header = "Cramp trial administration"
admin.site.site_title = "Cramp trial"
