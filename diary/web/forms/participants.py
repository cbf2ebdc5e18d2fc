"""Baseline characteristics, randomization, stopping the study product and withdrawal
of a participant. Value fields come from diary.declarations.PARTICIPANT."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.declarations import PARTICIPANT
from diary.models import Participant
from diary.services.participants import EDITABLE_FIELDS
from diary.web.forms.base import (
    TrialForm,
    as_bool,
    date_field,
    from_bool,
    reason_field,
    today,
    version_field,
)

BOOLEAN_FIELDS = ("hypertension", "diabetes")
TEXT_FIELDS = ("phone", "consent_form_version")


class BaselineForm(TrialForm):
    version = version_field()
    sex = PARTICIPANT["sex"].form_field()
    age = PARTICIPANT["age"].form_field(label=_("Age (years)"))
    height_cm = PARTICIPANT["height_cm"].form_field(label=_("Height (cm)"))
    weight_kg = PARTICIPANT["weight_kg"].form_field(label=_("Weight (kg)"))
    hypertension = PARTICIPANT["hypertension"].form_field()
    diabetes = PARTICIPANT["diabetes"].form_field(label=_("Diabetes"))
    creatinine_mg_dl = PARTICIPANT["creatinine_mg_dl"].form_field(
        label=_("Serum creatinine (mg/dL)")
    )
    phone = PARTICIPANT["phone"].form_field()
    consent_form_version = PARTICIPANT["consent_form_version"].form_field()
    reason = reason_field()

    def __init__(self, *args, participant: Participant, **kwargs):
        initial = {name: getattr(participant, name) for name in EDITABLE_FIELDS}
        for name in BOOLEAN_FIELDS:
            initial[name] = from_bool(initial[name])
        initial["version"] = participant.version
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.fields["creatinine_mg_dl"].widget.attrs["data-umol-target"] = "creatinine-umol"
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="off")

    def changes(self) -> dict:
        changes = {name: self.cleaned_data.get(name) for name in EDITABLE_FIELDS}
        for name in BOOLEAN_FIELDS:
            changes[name] = as_bool(changes[name])
        for name in TEXT_FIELDS:
            changes[name] = (changes[name] or "").strip()
        return changes


class RandomizeForm(TrialForm):
    version = version_field()
    randomized_on = date_field(
        _("Date of randomization"), help_text=_("Today, unless you are entering it afterwards.")
    )

    def __init__(self, *args, participant: Participant, **kwargs):
        kwargs.setdefault("initial", {"randomized_on": today(), "version": participant.version})
        super().__init__(*args, **kwargs)


class WithdrawForm(TrialForm):
    version = version_field()
    withdrawn_on = date_field(
        _("Date of withdrawal"), help_text=_("The end of follow-up: no more data are collected.")
    )
    withdrawal_reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("As the participant gave it. The data already collected are kept."),
    )

    def __init__(self, *args, participant: Participant, **kwargs):
        kwargs.setdefault("initial", {"withdrawn_on": today(), "version": participant.version})
        super().__init__(*args, **kwargs)


class TreatmentStopForm(TrialForm):
    version = version_field()
    treatment_stopped_on = date_field(
        _("Date the study product was stopped"),
        help_text=_("The participant stays in the study: the weekly calls go on."),
    )
    treatment_stop_reason = forms.CharField(
        label=_("Reason for stopping the study product"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, participant: Participant, **kwargs):
        kwargs.setdefault(
            "initial", {"treatment_stopped_on": today(), "version": participant.version}
        )
        super().__init__(*args, **kwargs)
