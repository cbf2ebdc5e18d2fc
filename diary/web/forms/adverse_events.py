"""Recording and correcting an adverse event. Value fields come from
diary.declarations.ADVERSE_EVENT."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.declarations import ADVERSE_EVENT
from diary.declarations.choices import Relatedness
from diary.models import AdverseEvent
from diary.web.forms.base import (
    Radios,
    TrialForm,
    as_bool,
    from_bool,
    reason_field,
    submission_field,
    today,
    version_field,
)


class AdverseEventForm(TrialForm):
    version = version_field()
    submission = submission_field()
    onset_on = ADVERSE_EVENT["onset_on"].form_field(label=_("Date the problem began"))
    term = ADVERSE_EVENT["term"].form_field(label=_("What is the problem?"))
    serious = ADVERSE_EVENT["serious"].form_field(label=_("Is it serious?"))
    grade = ADVERSE_EVENT["grade"].form_field(label=_("Intensity"))
    relatedness = forms.ChoiceField(
        label=_("Related to the study capsules?"),
        choices=[("", _("Choose…")), *((code, _(label)) for code, label in Relatedness.choices)],
    )
    outcome = ADVERSE_EVENT["outcome"].form_field(label=_("Outcome so far"))
    resolved_on = ADVERSE_EVENT["resolved_on"].form_field(label=_("Date it resolved"))
    reason = reason_field()

    def __init__(self, *args, event: AdverseEvent | None = None, **kwargs):
        self.event = event
        if event is not None:
            initial = {name: getattr(event, name) for name in self.value_fields()}
            initial["serious"] = from_bool(event.serious)
            initial["version"] = event.version
            kwargs.setdefault("initial", initial)
        else:
            kwargs.setdefault("initial", {"onset_on": today()})
        super().__init__(*args, **kwargs)
        self.fields["grade"].widget = Radios(inline=True)
        self.fields["grade"].widget.choices = self.fields["grade"].choices
        if event is None:
            del self.fields["reason"]
            del self.fields["version"]

    @staticmethod
    def value_fields() -> tuple[str, ...]:
        return ADVERSE_EVENT.names

    def values(self) -> dict:
        values = {name: self.cleaned_data.get(name) for name in self.value_fields()}
        values["serious"] = bool(as_bool(values["serious"]))
        values["outcome"] = values["outcome"] or ""
        return values
