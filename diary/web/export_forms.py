"""The form for asking for a data export (the unblinded choice only for the unblinded
statistician)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.exports.formats import FORMAT_LABELS, FORMATS
from diary.roles import Role, role_of
from diary.web.forms.base import Radios, TrialForm

BLINDED, UNBLINDED = "blinded", "unblinded"


class ExportRequestForm(TrialForm):
    formats = forms.MultipleChoiceField(
        label=_("Files"),
        choices=[(name, _(FORMAT_LABELS[name])) for name in FORMATS],
        initial=list(FORMATS),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )

    service_fields = {"unblinded": "blinding"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.UNBLINDED_STATISTICIAN:
            self.fields["blinding"] = forms.ChoiceField(
                label=_("Randomization list"),
                choices=[
                    (BLINDED, _("Blinded: without the randomization list")),
                    (UNBLINDED, _("Unblinded: with the randomization list and the arms")),
                ],
                initial=BLINDED,
                widget=Radios(),
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "formats": data["formats"],
            "unblinded": data.get("blinding", BLINDED) == UNBLINDED,
        }
