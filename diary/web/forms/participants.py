"""Baseline characteristics, randomization and withdrawal of a participant."""

from django import forms

from diary.models import Participant, Sex
from diary.services.participants import EDITABLE_FIELDS
from diary.web.forms.base import (
    Radios,
    TrialForm,
    as_bool,
    date_field,
    decimal_number,
    from_bool,
    reason_field,
    today,
    whole_number,
    yes_no_field,
)

BOOLEAN_FIELDS = ("hypertension", "diabetes")


class BaselineForm(TrialForm):
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, widget=Radios())
    age = forms.IntegerField(label="Age (years)", widget=whole_number(min=18, max=120))
    height_cm = forms.DecimalField(
        label="Height (cm)", required=False, widget=decimal_number(min=100, max=230)
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, widget=decimal_number(min=25, max=250)
    )
    hypertension = yes_no_field("Hypertension", required=False, unknown=True)
    diabetes = yes_no_field("Diabetes", required=False, unknown=True)
    creatinine_mg_dl = forms.DecimalField(
        label="Serum creatinine (mg/dL)",
        required=False,
        widget=decimal_number(min="0.1", max=20, **{"data-umol-target": "creatinine-umol"}),
        help_text="In mg/dL; 1 mg/dL = 88.4 µmol/L.",
    )
    phone = forms.CharField(
        label="Phone number for the weekly call",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    consent_form_version = forms.CharField(
        label="Consent form version", required=False, max_length=40
    )
    reason = reason_field()

    def __init__(self, *args, participant: Participant, **kwargs):
        initial = {name: getattr(participant, name) for name in EDITABLE_FIELDS}
        for name in BOOLEAN_FIELDS:
            initial[name] = from_bool(initial[name])
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        changes = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        for name in BOOLEAN_FIELDS:
            changes[name] = as_bool(changes[name])
        for name in ("phone", "consent_form_version"):
            changes[name] = (changes[name] or "").strip()
        return changes


class RandomizeForm(TrialForm):
    randomized_on = date_field(
        "Date of randomization", help_text="Today, unless you are entering it afterwards."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"randomized_on": today()})
        super().__init__(*args, **kwargs)


class WithdrawForm(TrialForm):
    withdrawn_on = date_field("Date of withdrawal")
    withdrawal_reason = forms.CharField(
        label="Reason for the withdrawal",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="As the participant gave it. The data already collected are kept.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"withdrawn_on": today()})
        super().__init__(*args, **kwargs)
