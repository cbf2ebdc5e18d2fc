"""Forms of the randomization pages: making the list, replacement bottles,
emergency unblinding, and the trial's lock."""

from django import forms
from django.utils.translation import gettext_lazy as _

from diary.randomization.design import METHODS, PERMUTED_BLOCKS
from diary.randomization.strata import FACTORS
from diary.web.forms.base import TrialForm, whole_number

FACTOR_CHOICES = [(f.name, f.label) for f in FACTORS.values()]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class GenerateListForm(TrialForm):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=list(METHODS.items()),
        initial=PERMUTED_BLOCKS,
        widget=forms.RadioSelect,
    )
    block_sizes = forms.CharField(
        label=_("Block sizes"),
        initial="4, 6",
        required=False,
        help_text=_(
            "Comma-separated; each a multiple of the ratio's total (2 for 1:1). "
            "Each block's size is drawn at random from these."
        ),
    )
    stratify_by = forms.MultipleChoiceField(
        label=_("Stratify by"),
        choices=FACTOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for no stratification."),
    )
    bottles_per_stratum = forms.IntegerField(
        label=_("Bottles per stratum"),
        min_value=1,
        max_value=100_000,
        widget=whole_number(),
        help_text=_("With blocks, a stratum is filled with whole blocks (up to one block more)."),
    )
    spares = forms.IntegerField(
        label=_("Spare bottles"),
        min_value=0,
        max_value=10_000,
        initial=10,
        widget=whole_number(),
        help_text=_("Kept for replacing lost or damaged bottles; rounded up to whole blocks."),
    )

    def clean_block_sizes(self) -> list[int]:
        text = self.cleaned_data.get("block_sizes") or ""
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        try:
            sizes = [int(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("Enter whole numbers separated by commas.")) from None
        if self.data.get("method", PERMUTED_BLOCKS) == PERMUTED_BLOCKS and not sizes:
            raise forms.ValidationError(_("Give at least one block size."))
        return sizes


class ImportListForm(TrialForm):
    file = forms.FileField(
        label=_("List file (CSV)"),
        help_text=_(
            "Columns bottle_number, arm_code, and optionally block, stratum, is_spare (0/1)."
        ),
    )
    stratify_by = forms.MultipleChoiceField(
        label=_("The list is stratified by"),
        choices=FACTOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Strata are named by the factors' values joined with '/', e.g. C1/F."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ReplaceBottleForm(TrialForm):
    reason = forms.CharField(
        label=_("Why is a replacement needed?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. bottle lost, broken, capsules damaged. Kept in the audit trail."),
    )


class PasswordReasonForm(TrialForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    password = forms.CharField(
        label=_("Your password, again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )


class EmergencyUnblindingForm(PasswordReasonForm):
    confirm = forms.BooleanField(
        label=_(
            "I need the allocation for this participant's care and understand that the "
            "request is recorded and reported."
        ),
    )


class LockForm(TrialForm):
    reason = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    waiver = forms.CharField(
        label=_("Waive the unsigned casebooks and open queries listed above: reason"),
        max_length=2000,
        required=False,
        help_text=_(
            "Only when they cannot be resolved; the waiver and what it waives are recorded."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class UnlockForm(TrialForm):
    reason = forms.CharField(
        label=_("Reason for unlocking"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class UnblindForm(TrialForm):
    reason = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    password = forms.CharField(
        label=_("Your password, again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
