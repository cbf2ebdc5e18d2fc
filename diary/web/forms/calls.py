"""The weekly call form. Its value fields come from diary.declarations.DIARY_WEEK, and
the declaration's rules are checked here too, so every problem shows at once."""

from datetime import date

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diary.declarations import DIARY_WEEK, WeekSource
from diary.declarations.records import WEEK_VALUES, call_window
from diary.models import DiaryWeek, Phase
from diary.selectors.nights import week_diary
from diary.services.calls import week_context
from diary.web.forms.base import (
    NO,
    YES,
    Radios,
    TrialForm,
    reason_field,
    today,
    version_field,
    yes_no_field,
)


class WeeklyCallForm(TrialForm):
    version = version_field()
    reached = forms.ChoiceField(
        label=_("Did you reach the participant?"),
        choices=[(YES, _("Yes, reached")), (NO, _("No, not reached (records an attempt)"))],
        widget=Radios(),
    )
    call_date = DIARY_WEEK["call_date"].form_field(required=True)
    cramps = DIARY_WEEK["cramps"].form_field()
    duration_min = DIARY_WEEK["duration_min"].form_field(
        label=_("Mean duration of a cramp (minutes)")
    )
    severity = DIARY_WEEK["severity"].form_field(label=_("Mean severity (1 = mildest, 10 = worst)"))
    capsules_missed = DIARY_WEEK["capsules_missed"].form_field(help_text=_("0 to 7."))
    out_of_window = forms.BooleanField(
        label=_("The call was made on this date, outside the week's window"),
        required=False,
        help_text=_("A protocol deviation: it is listed with the trial's deviations."),
    )
    new_health_problem = yes_no_field(
        _("Any new health problem since the last call?"), required=False
    )
    reason = reason_field(_("Reason for the correction"))

    def __init__(self, *args, diary_week: DiaryWeek, **kwargs):
        self.diary_week = diary_week
        self.correcting = bool(diary_week.reached)
        self.window = call_window(
            due=diary_week.due_date, window_days=diary_week.participant.trial.call_window_days
        )
        # The participant's electronic diary for this week, when they keep one.
        self.week_diary = week_diary(diary_week=diary_week)
        self.has_diary = bool(self.week_diary and self.week_diary.any_entry)
        initial = {"version": diary_week.version}
        if self.correcting:
            initial.update(
                reached=YES,
                call_date=diary_week.call_date,
                new_health_problem=NO,
                **{name: getattr(diary_week, name) for name in WEEK_VALUES},
            )
        else:
            if self.window[0] <= today() <= self.window[1]:
                initial["call_date"] = today()  # within the window the call is today's
            # Outside it the date is asked for: a week called late is often entered later.
            if self.has_diary:
                initial.update(self.week_diary.derived.stored())
        if self.has_diary:
            initial["source"] = diary_week.source or WeekSource.DIARY
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if self.has_diary:
            self.fields["source"] = forms.ChoiceField(
                label=_("The participant's diary for this week"),
                choices=[
                    (WeekSource.DIARY, _("Confirm the diary's values (shown below)")),
                    (WeekSource.CORRECTED, _("Correct the diary's values (give the reason)")),
                    (
                        WeekSource.PHONE,
                        _("Enter the values the participant tells me (paper diary)"),
                    ),
                ],
                widget=Radios(),
                required=False,
            )
        self.fields["call_date"].widget.attrs["max"] = today().isoformat()
        if "call_date" not in self.initial:
            self.fields["call_date"].help_text = _(
                "This week's window was %(first)s to %(last)s: enter the date the call was made."
            ) % {
                "first": date_format(self.window[0], gettext("d M")),
                "last": date_format(self.window[1], gettext("d M Y")),
            }
        if diary_week.protocol_week.phase != Phase.INTERVENTION:
            del self.fields["capsules_missed"]  # no capsules during the screening diary
        if self.correcting:
            # Values already recorded: the form corrects them (and the call's date), with
            # a reason.
            self.fields["reached"].choices = [(YES, _("Yes, reached"))]
            self.fields["reason"].help_text = _(
                _("Required: these values were already recorded; say why they change.")
            )
        elif self.has_diary:
            self.fields["reason"].label = _("Reason the diary's values are corrected")
        else:
            del self.fields["reason"]

    def clean(self):
        cleaned = super().clean()
        reached = cleaned.get("reached")
        if reached == YES and not cleaned.get("new_health_problem"):
            self.add_error(
                "new_health_problem",
                _("Ask about new health problems and answer yes or no."),
            )
        # The caller asks about the capsules at every intervention call (the data may
        # lack them, for imported weeks; edit checks question those).
        asks_capsules = "capsules_missed" in self.fields and "capsules_missed" not in self.errors
        if reached == YES and asks_capsules and cleaned.get("capsules_missed") is None:
            self.add_error("capsules_missed", _("Enter the number of capsules missed (0 if none)."))
        if reached in (YES, NO):
            values = self._values()
            known = {k: v for k, v in values.items() if k not in self.errors}
            context = week_context(
                self.diary_week,
                out_of_window_confirmed=bool(self.cleaned_data.get("out_of_window")),
            )
            errors = DIARY_WEEK.errors(known, context=context)
            for name, messages in errors.items():
                if name in self.fields and name not in self.errors:
                    for message in messages:
                        self.add_error(name, message)
        return cleaned

    def _values(self) -> dict:
        data = self.cleaned_data
        values = {"reached": self.was_reached, "call_date": data.get("call_date")}
        for name in WEEK_VALUES:
            values[name] = data.get(name) if self.was_reached else None
        if "capsules_missed" not in self.fields:
            values.pop("capsules_missed")
        return values

    @property
    def was_reached(self) -> bool:
        return self.cleaned_data.get("reached") == YES

    @property
    def reports_health_problem(self) -> bool:
        return self.was_reached and self.cleaned_data.get("new_health_problem") == YES

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "reached": self.was_reached,
            "call_date": data["call_date"],
            "expected_version": data.get("version"),
            "out_of_window": bool(data.get("out_of_window")),
        }
        if self.was_reached:
            kwargs.update({name: data.get(name) for name in WEEK_VALUES})
        if self.correcting or self.has_diary:
            kwargs["reason"] = data.get("reason") or ""
        if self.was_reached and self.has_diary:
            kwargs["source"] = data.get("source") or WeekSource.DIARY
        return kwargs

    @property
    def asks_out_of_window(self) -> bool:
        """Show the confirmation when the date entered is outside the window."""
        call_date = self.data.get("call_date") if self.is_bound else None
        try:
            day = date.fromisoformat(call_date) if call_date else None
        except ValueError:
            return False
        return day is not None and not self.window[0] <= day <= self.window[1]
