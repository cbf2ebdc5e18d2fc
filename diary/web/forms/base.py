"""Shared form pieces: widgets that suit a keyboard and a tablet, yes/no questions."""

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

YES, NO = "yes", "no"
YES_NO = [(YES, _("Yes")), (NO, _("No"))]
YES_NO_UNKNOWN = [(YES, _("Yes")), (NO, _("No")), ("", _("Not known"))]
REASON_HELP = _(
    "Required when you change a value that was already entered; kept in the audit trail."
)


class Radios(forms.RadioSelect):
    """Radio buttons in a styled group; the class stays on the group, not on each input."""

    def __init__(self, *, inline: bool = False):
        super().__init__(attrs={"class": "choices inline" if inline else "choices"})

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["attrs"].pop("class", None)
        return option


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def whole_number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric", "step": "1", **attrs})


def decimal_number(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", **attrs})


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput(), **kwargs)


def yes_no_field(label: str, *, required: bool = True, unknown: bool = False, **kwargs):
    return forms.ChoiceField(
        label=label,
        choices=YES_NO_UNKNOWN if unknown else YES_NO,
        widget=Radios(inline=True),
        required=required,
        **kwargs,
    )


def reason_field(label: str = _("Reason for the change")) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=100, help_text=REASON_HELP)


def version_field() -> forms.IntegerField:
    """The version of the record the form was opened on: a change made from an
    out-of-date form is refused, and the same form sent twice records once."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


def submission_field() -> forms.UUIDField:
    """A key new with each form shown: the same form sent twice records once
    (diary.web.errors.run_service_once)."""
    return forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


def as_bool(value: str | None) -> bool | None:
    """'yes' -> True, 'no' -> False, '' -> None."""
    return {YES: True, NO: False}.get(value or "")


def from_bool(value: bool | None) -> str:
    return {True: YES, False: NO}.get(value, "")


def today():
    return timezone.localdate()


class TrialForm(forms.Form):
    """A form whose fields may be named differently from the service's arguments."""

    service_fields: dict[str, str] = {}
    error_css_class = "has-error"
    required_css_class = "required"
