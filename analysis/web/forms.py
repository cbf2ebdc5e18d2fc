"""The form for asking for a report (the unblinded choice only for the unblinded
statistician)."""

from django import forms

from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.services.reports import FORMATS
from diary.roles import Role, role_of
from diary.web.forms.base import Radios, TrialForm

IMPUTATION_LABELS = {
    "arm_week_mean": "Arm-week mean (the default, as in the published analysis)",
    "participant_mean": "The participant's own mean",
    "complete_case": "Complete cases (observed weeks only)",
}
FORMAT_LABELS = {
    "json": "JSON (always made)",
    "html": "HTML page with the tables and figures",
    "xlsx": "Excel workbook, one sheet per table",
    "csv": "CSV tables (zip)",
    "png": "Figures (PNG)",
}
BLINDED, UNBLINDED = "blinded", "unblinded"


class ReportRequestForm(TrialForm):
    imputation = forms.ChoiceField(
        label="Missing intervention weeks",
        choices=[(name, IMPUTATION_LABELS[name]) for name in IMPUTATIONS],
        initial=DEFAULT_IMPUTATION,
        widget=Radios(),
    )
    table1_pvalues = forms.BooleanField(
        label="Add p-values to Table 1 (CONSORT advises against them)", required=False
    )
    formats = forms.MultipleChoiceField(
        label="Files",
        choices=[(name, FORMAT_LABELS[name]) for name in FORMATS],
        initial=list(FORMATS),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if role_of(user) == Role.UNBLINDED_STATISTICIAN:
            self.fields["blinding"] = forms.ChoiceField(
                label="Groups",
                choices=[
                    (BLINDED, "Blinded: groups named A and B"),
                    (UNBLINDED, "Unblinded: arms named"),
                ],
                initial=BLINDED,
                widget=Radios(),
            )
            self.fields["dsmb_reference"] = forms.CharField(
                label="DSMB request (for an unblinded report before the trial is unblinded)",
                required=False,
                max_length=300,
                help_text="The monitoring board's request: meeting, letter or reference. "
                "Kept with the report.",
            )

    service_fields = {"blinded": "blinding"}

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "imputation": data["imputation"],
            "table1_pvalues": data["table1_pvalues"],
            "formats": data["formats"],
            "blinded": data.get("blinding", BLINDED) != UNBLINDED,
            "dsmb_reference": data.get("dsmb_reference", ""),
        }
