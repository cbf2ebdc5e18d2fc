"""The forms for asking for a report (the views a user may have now are offered, no
more) and for releasing a closed report to a DSMB member."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from analysis.cohort import CODED, OPEN, UNBLINDED
from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.services.reports import FORMATS, default_view, view_refusal
from diary.roles import Role, role_of
from diary.web.forms.base import Radios, TrialForm

IMPUTATION_LABELS = {
    "arm_week_mean": _("Arm-week mean (the default, as in the published analysis)"),
    "participant_mean": _("The participant's own mean"),
    "complete_case": _("Complete cases (observed weeks only)"),
}
FORMAT_LABELS = {
    "json": _("JSON (always made)"),
    "html": _("HTML page with the tables and figures"),
    "xlsx": _("Excel workbook, one sheet per table"),
    "csv": _("CSV tables (zip)"),
    "png": _("Figures (PNG, 300 dpi)"),
    "svg": _("Figures (SVG, for editing)"),
    "pdf": _("Figures (PDF, for print)"),
}
VIEW_LABELS = {
    OPEN: _("Open: all participants pooled, nothing by group"),
    CODED: _("Coded: groups named A and B"),
    UNBLINDED: _("Unblinded: arms named"),
}


class ReportRequestForm(TrialForm):
    imputation = forms.ChoiceField(
        label=_("Missing intervention weeks"),
        choices=[(name, IMPUTATION_LABELS[name]) for name in IMPUTATIONS],
        initial=DEFAULT_IMPUTATION,
        widget=Radios(),
    )
    table1_pvalues = forms.BooleanField(
        label=_("Add p-values to Table 1 (CONSORT advises against them; not in open reports)"),
        required=False,
    )
    formats = forms.MultipleChoiceField(
        label=_("Files"),
        choices=[(name, FORMAT_LABELS[name]) for name in FORMATS],
        initial=list(FORMATS),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choices"}),
    )

    def __init__(self, *args, user, trial, **kwargs):
        super().__init__(*args, **kwargs)
        unblinded = role_of(user) == Role.UNBLINDED_STATISTICIAN
        # the unblinded statistician may ask for any view (with the DSMB's request when
        # it would be closed); the others see only the views they may have now
        views = [
            v
            for v in (OPEN, CODED, UNBLINDED)
            if unblinded or not view_refusal(user=user, trial=trial, view=v)
        ]
        self.only_view = views[0] if len(views) == 1 else None
        if len(views) > 1:
            self.fields["view"] = forms.ChoiceField(
                label=_("Groups"),
                choices=[(v, VIEW_LABELS[v]) for v in views],
                initial=default_view(user=user, trial=trial),
                widget=Radios(),
            )
        if unblinded:
            self.fields["dsmb_reference"] = forms.CharField(
                label=_(
                    "DSMB request (for a closed report: by group before the lock, or "
                    "unblinded before the trial is unblinded)"
                ),
                required=False,
                max_length=300,
                help_text=_(
                    "The monitoring board's request: meeting, letter or reference. "
                    "Kept with the report."
                ),
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "view": data.get("view") or self.only_view,
            "imputation": data["imputation"],
            "table1_pvalues": data["table1_pvalues"],
            "formats": data["formats"],
            "dsmb_reference": data.get("dsmb_reference", ""),
        }


class ReleaseForm(TrialForm):
    released_to = forms.ModelChoiceField(
        label=_("DSMB member"),
        queryset=get_user_model().objects.none(),
        to_field_name="username",
    )
    note = forms.CharField(
        label=_("Note (meeting, letter or purpose)"), required=False, max_length=300
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["released_to"].queryset = (
            get_user_model()
            .objects.filter(groups__name=Role.DSMB_MEMBER, is_active=True)
            .order_by("username")
        )
