"""The weekly call form."""

from django import forms

from diary.models import DiaryWeek, Phase
from diary.web.forms.base import (
    NO,
    YES,
    Radios,
    TrialForm,
    date_field,
    decimal_number,
    reason_field,
    today,
    whole_number,
    yes_no_field,
)


class WeeklyCallForm(TrialForm):
    reached = forms.ChoiceField(
        label="Did you reach the participant?",
        choices=[(YES, "Yes, reached"), (NO, "No, not reached (records an attempt)")],
        widget=Radios(),
    )
    call_date = date_field("Date of the call")
    cramps = forms.IntegerField(
        label="Number of cramps in the week",
        required=False,
        widget=whole_number(min=0),
        help_text="0 if none.",
    )
    duration_min = forms.DecimalField(
        label="Mean duration of a cramp (minutes)",
        required=False,
        widget=decimal_number(min=0),
        help_text="Only when there was at least one cramp.",
    )
    severity = forms.DecimalField(
        label="Mean severity (1 = mildest, 10 = worst)",
        required=False,
        widget=decimal_number(min=1, max=10),
        help_text="Only when there was at least one cramp.",
    )
    capsules_missed = forms.IntegerField(
        label="Capsules missed in the week",
        required=False,
        widget=whole_number(min=0, max=7),
        help_text="0 to 7.",
    )
    new_health_problem = yes_no_field("Any new health problem since the last call?", required=False)
    reason = reason_field("Reason for the correction")

    def __init__(self, *args, diary_week: DiaryWeek, **kwargs):
        self.diary_week = diary_week
        self.correcting = bool(diary_week.reached)
        if self.correcting:
            kwargs.setdefault(
                "initial",
                {
                    "reached": YES,
                    "call_date": diary_week.call_date,
                    "cramps": diary_week.cramps,
                    "duration_min": diary_week.duration_min,
                    "severity": diary_week.severity,
                    "capsules_missed": diary_week.capsules_missed,
                    "new_health_problem": NO,
                },
            )
        else:
            kwargs.setdefault("initial", {"call_date": today()})
        super().__init__(*args, **kwargs)
        self.fields["call_date"].widget.attrs["max"] = today().isoformat()
        if diary_week.protocol_week.phase != Phase.INTERVENTION:
            del self.fields["capsules_missed"]  # no capsules during the screening diary
        if self.correcting:
            # Values already recorded: the form corrects them, with a reason.
            self.fields["reached"].choices = [(YES, "Yes, reached")]
            self.fields["call_date"].disabled = True
            self.fields[
                "reason"
            ].help_text = "Required: these values were already recorded; say why they change."
        else:
            del self.fields["reason"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reached") == YES and not cleaned.get("new_health_problem"):
            self.add_error(
                "new_health_problem",
                "Ask about new health problems and answer yes or no.",
            )
        return cleaned

    @property
    def was_reached(self) -> bool:
        return self.cleaned_data["reached"] == YES

    @property
    def reports_health_problem(self) -> bool:
        return self.was_reached and self.cleaned_data.get("new_health_problem") == YES

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"reached": self.was_reached, "call_date": data["call_date"]}
        if self.was_reached:
            kwargs.update(
                cramps=data.get("cramps"),
                duration_min=data.get("duration_min"),
                severity=data.get("severity"),
                capsules_missed=data.get("capsules_missed"),
            )
        if self.correcting:
            kwargs["reason"] = data.get("reason") or ""
        return kwargs
