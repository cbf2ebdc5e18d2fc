"""Staff forms of the electronic diary: the participant's diary preferences, sending
or revoking the diary link, and a night entered or corrected for the participant."""

from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from diary.declarations import CRAMP_EVENT
from diary.declarations.records import NIGHT_CRAMPS_MAX
from diary.models import Language, ReminderChannel
from diary.web.forms.base import Radios, TrialForm, reason_field


class DiaryPreferencesForm(TrialForm):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[(code, _(label)) for code, label in Language.choices],
        widget=Radios(),
    )
    reminder_channel = forms.ChoiceField(
        label=_("Daily reminder"),
        choices=[(code, _(label)) for code, label in ReminderChannel.choices],
        widget=Radios(),
    )
    reminder_time = forms.TimeField(
        label=_("Time of the reminder"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Morning or evening, in the participant's time zone; not in the quiet hours."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)
    email = forms.EmailField(label=_("Email address"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(available_timezones())
        self.fields["time_zone"].choices = [("", _("The trial's (%s)") % settings.TIME_ZONE)] + [
            (z, z) for z in zones
        ]


class SendLinkForm(TrialForm):
    channel = forms.ChoiceField(
        label=_("Send a new diary link by"),
        choices=[(ReminderChannel.EMAIL, _("Email")), (ReminderChannel.SMS, _("Text message"))],
        widget=Radios(inline=True),
    )


class RevokeLinkForm(TrialForm):
    reason = forms.CharField(label=_("Reason the link is revoked"), max_length=300)


class StaffNightForm(TrialForm):
    """A night as the participant tells it: reported or not, then each cramp."""

    reported = forms.ChoiceField(
        label=_("Does the participant remember this night?"),
        choices=[("yes", _("Yes")), ("no", _("No, the night cannot be reported"))],
        widget=Radios(inline=True),
    )
    cramps = forms.IntegerField(
        label=_("Number of cramps that night"),
        min_value=0,
        max_value=NIGHT_CRAMPS_MAX,
        required=False,
    )

    def __init__(self, *args, rows: int, correcting: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for i in range(1, rows + 1):
            self.fields[f"duration_{i}"] = CRAMP_EVENT["duration_min"].form_field(
                label=_("Cramp %(n)s: minutes") % {"n": i}, required=False
            )
            self.fields[f"severity_{i}"] = CRAMP_EVENT["severity"].form_field(
                label=_("Cramp %(n)s: severity (1-10)") % {"n": i}, required=False
            )
        if correcting:
            self.fields["reason"] = reason_field(_("Reason for the correction"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reported") != "yes":
            return cleaned
        count = cleaned.get("cramps")
        if count is None:
            self.add_error("cramps", _("Enter the number of cramps (0 if none)."))
            return cleaned
        if count > self.rows:
            self.add_error("cramps", _("Enter each cramp below (add rows first)."))
        for i in range(1, min(count, self.rows) + 1):
            for name in (f"duration_{i}", f"severity_{i}"):
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter this cramp's value."))
        return cleaned

    def cramp_values(self) -> list[dict] | None:
        data = self.cleaned_data
        if data.get("reported") != "yes":
            return None
        return [
            {"duration_min": data[f"duration_{i}"], "severity": data[f"severity_{i}"]}
            for i in range(1, (data.get("cramps") or 0) + 1)
        ]

    def cramp_rows(self):
        return [(self[f"duration_{i}"], self[f"severity_{i}"]) for i in range(1, self.rows + 1)]
