"""Recording and correcting an adverse event."""

from django import forms

from diary.models import AdverseEvent, Grade, Relatedness
from diary.web.forms.base import (
    Radios,
    TrialForm,
    as_bool,
    date_field,
    from_bool,
    reason_field,
    today,
    yes_no_field,
)


class AdverseEventForm(TrialForm):
    onset_on = date_field("Date the problem began")
    term = forms.CharField(
        label="What is the problem?",
        max_length=200,
        help_text="In the participant's words or as a medical term, e.g. 'nausea'.",
    )
    serious = yes_no_field(
        "Is it serious?",
        help_text=(
            "Serious: death, life-threatening, hospitalisation, persistent disability "
            "or another important medical event."
        ),
    )
    grade = forms.ChoiceField(
        label="Intensity",
        choices=Grade.choices,
        widget=Radios(inline=True),
    )
    relatedness = forms.ChoiceField(
        label="Related to the study capsules?",
        choices=[("", "Choose…"), *Relatedness.choices],
    )
    outcome = forms.CharField(
        label="Outcome so far", required=False, max_length=100, help_text="E.g. 'ongoing'."
    )
    resolved_on = date_field("Date it resolved", required=False, help_text="Empty if ongoing.")
    reason = reason_field()

    def __init__(self, *args, event: AdverseEvent | None = None, **kwargs):
        self.event = event
        if event is not None:
            initial = {name: getattr(event, name) for name in self.value_fields()}
            initial["serious"] = from_bool(event.serious)
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault("initial", {"onset_on": today()})
        super().__init__(*args, **kwargs)
        if event is None:
            del self.fields["reason"]

    @staticmethod
    def value_fields() -> tuple[str, ...]:
        return ("onset_on", "term", "serious", "grade", "relatedness", "outcome", "resolved_on")

    def values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.value_fields()}
        values["serious"] = bool(as_bool(values["serious"]))
        values["outcome"] = values["outcome"] or ""
        return values
