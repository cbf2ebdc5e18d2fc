"""Screening a candidate: the answer to each criterion, then consent or decline."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.models import EligibilityCriterion, Sex
from diary.services.screening import Consent
from diary.web.forms.base import (
    NO,
    YES,
    Radios,
    TrialForm,
    as_bool,
    date_field,
    today,
    whole_number,
)

CRITERION_PREFIX = "criterion_"


class ScreeningForm(TrialForm):
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, empty_label=None)
    screening_id = forms.CharField(
        label=_("Screening number"),
        max_length=40,
        help_text=_("The number on the screening log sheet."),
    )
    screened_on = date_field(_("Date of screening"))
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[(code, _(label)) for code, label in Sex.choices], widget=Radios()
    )
    age = forms.IntegerField(
        label=_("Age (years)"), min_value=18, max_value=120, widget=whole_number(min=18, max=120)
    )
    consent = forms.ChoiceField(
        label=_("Does the candidate give written consent?"),
        required=False,
        choices=[(YES, _("Gives written consent: enrol")), (NO, _("Declines to take part"))],
        widget=Radios(),
    )
    participant_id = forms.CharField(
        label=_("Study id"), required=False, max_length=40, help_text=_("Suggested from the site.")
    )
    consented_on = date_field(_("Date of consent"), required=False)
    consent_form_version = forms.CharField(
        label=_("Consent form version"), required=False, max_length=40
    )
    phone = forms.CharField(
        label=_("Phone number for the weekly call"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    declined_reason = forms.CharField(
        label=_("Reason for declining (if given)"), required=False, max_length=300
    )

    CONSENT_FIELDS = ("consent", "participant_id", "consented_on", "consent_form_version", "phone")

    def __init__(self, *args, sites, criteria: list[EligibilityCriterion], **kwargs):
        kwargs.setdefault("initial", {"screened_on": today(), "consented_on": today()})
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.criteria = criteria
        self.service_fields = {c.code: CRITERION_PREFIX + c.code for c in criteria}
        for criterion in criteria:
            self.fields[CRITERION_PREFIX + criterion.code] = forms.ChoiceField(
                label=criterion.text,
                choices=[(YES, _("Yes")), (NO, _("No"))],
                widget=Radios(inline=True),
            )

    def criterion_fields(self, kind: str):
        return [self[CRITERION_PREFIX + c.code] for c in self.criteria if c.kind == kind]

    @property
    def inclusion_fields(self):
        return self.criterion_fields(EligibilityCriterion.Kind.INCLUSION)

    @property
    def exclusion_fields(self):
        return self.criterion_fields(EligibilityCriterion.Kind.EXCLUSION)

    @property
    def consent_section(self):
        return [self[name] for name in self.CONSENT_FIELDS]

    def answers(self) -> dict[str, bool]:
        return {
            c.code: as_bool(self.cleaned_data.get(CRITERION_PREFIX + c.code)) for c in self.criteria
        }

    @property
    def consents(self) -> bool | None:
        return as_bool(self.cleaned_data.get("consent"))

    def consent_record(self) -> Consent | None:
        if not self.consents:
            return None
        data = self.cleaned_data
        missing = [n for n in ("participant_id", "consented_on") if not data.get(n)]
        for name in missing:
            self.add_error(name, _("Required when the candidate consents."))
        if missing:
            return None
        return Consent(
            participant_id=data["participant_id"].strip(),
            consented_on=data["consented_on"],
            consent_form_version=(data.get("consent_form_version") or "").strip(),
            phone=(data.get("phone") or "").strip(),
        )

    def decision_kwargs(self) -> dict:
        return {"age": self.cleaned_data["age"], "answers": self.answers()}

    def record_kwargs(self, consent: Consent | None) -> dict:
        data = self.cleaned_data
        return {
            "site": data["site"],
            "screening_id": data["screening_id"].strip(),
            "screened_on": data["screened_on"],
            "sex": data["sex"],
            "age": data["age"],
            "answers": self.answers(),
            "consent": consent,
            "declined_reason": data.get("declined_reason") or "",
        }
