"""Forms of data management: raising, answering, closing and re-opening a query;
signing, locking and unlocking a casebook."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diary.models.datamgmt import QUERY_TEXT_MAX
from diary.services.casebooks import SIGNATURE_MEANING
from diary.web.forms.base import (
    TrialForm,
    as_bool,
    reason_field,
    submission_field,
    version_field,
)


def _text(label: str, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=QUERY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class QueryRaiseForm(TrialForm):
    service_fields = {"field": "value"}
    submission = submission_field()

    def __init__(self, *args, kind, initial_value: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"] = forms.ChoiceField(
            label=_("Value"),
            choices=[(v.name, _(v.label)) for v in kind.values if not v.direct_identifier],
            initial=initial_value,
        )
        self.fields["text"] = _text(_("Question for the site"))


class QueryAnswerForm(TrialForm):
    service_fields = {"correction": "new_value"}

    def __init__(self, *args, value, may_correct: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.value = value
        self.fields["text"] = _text(pgettext_lazy("noun", "Answer"))
        self.fields["version"] = version_field()
        if may_correct:
            self.fields["correct"] = forms.BooleanField(
                label=_("Correct the value with this answer"), required=False
            )
            field = value.form_field(required=False)
            field.label = (
                format_lazy(
                    _("New value: {value} ({unit})"), value=_(value.label), unit=_(value.unit)
                )
                if value.unit and value.unit != "date"
                else format_lazy(_("New value: {value}"), value=_(value.label))
            )
            self.fields["new_value"] = field
            self.fields["reason"] = reason_field()

    def correction(self):
        """(correct, value typed for the service)."""
        if not self.cleaned_data.get("correct"):
            return False, None
        raw = self.cleaned_data.get("new_value")
        if self.value.kind == "bool":
            return True, as_bool(raw)
        return True, (None if raw == "" else raw)


class QueryCloseForm(TrialForm):
    text = _text(_("Note (optional)"), required=False, rows=2)
    version = version_field()


class QueryReopenForm(TrialForm):
    text = _text(_("What is still missing"))
    version = version_field()


class SignForm(TrialForm):
    confirm = forms.BooleanField(label=_(SIGNATURE_MEANING))
    password = forms.CharField(
        label=_("Your password, again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    version = version_field()


class CasebookLockForm(TrialForm):
    note = _text(_("Note (optional)"), required=False, rows=2)
    version = version_field()


class CasebookUnlockForm(TrialForm):
    reason = _text(_("Reason for unlocking"), rows=2)
    version = version_field()
