"""Languages and reminders: a participant's diary preferences (their language, how and
when they are reminded), and the language a member of staff works in."""

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from diary.errors import InvalidValue, RuleConflict
from diary.models import DiaryPreferences, Language, Participant, ReminderChannel, StaffLanguage
from diary.services.reminders import in_quiet_hours, quiet_hours

UNSET = object()


def _time_zone(name: str) -> str:
    if not name:
        return ""
    if name not in available_timezones():
        raise InvalidValue(f"time_zone: unknown time zone {name!r}.", field="time_zone")
    try:
        ZoneInfo(name)
    except ZoneInfoNotFoundError:
        raise InvalidValue(f"time_zone: unknown time zone {name!r}.", field="time_zone") from None
    return name


@transaction.atomic
def diary_preferences_update(
    *,
    participant: Participant,
    by_user,
    language=UNSET,
    reminder_channel=UNSET,
    reminder_time=UNSET,
    time_zone=UNSET,
    email=UNSET,
) -> DiaryPreferences:
    """Change a participant's diary preferences (recorded in their history). Email
    reminders need an email address, text messages the participant's phone number,
    and either a time outside the quiet hours."""
    preferences = DiaryPreferences.objects.select_for_update().filter(
        participant=participant
    ).first() or DiaryPreferences(participant=participant)
    if language is not UNSET:
        if language not in Language.values:
            raise InvalidValue("language: choose one of the listed languages.", field="language")
        preferences.language = language
    if email is not UNSET:
        email = (email or "").strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise InvalidValue("email: enter a valid email address.", field="email") from None
        preferences.email = email
    if time_zone is not UNSET:
        preferences.time_zone = _time_zone((time_zone or "").strip())
    if reminder_time is not UNSET:
        if reminder_time is not None and not isinstance(reminder_time, time):
            raise InvalidValue("reminder_time: enter a time of day.", field="reminder_time")
        preferences.reminder_time = reminder_time
    if reminder_channel is not UNSET:
        if reminder_channel not in ReminderChannel.values:
            raise InvalidValue("reminder_channel: not a channel.", field="reminder_channel")
        preferences.reminder_channel = reminder_channel
    channel = preferences.reminder_channel
    if channel == ReminderChannel.EMAIL and not preferences.email:
        raise RuleConflict("Email reminders need an email address.", field="email")
    if channel == ReminderChannel.SMS and not participant.phone:
        raise RuleConflict(
            "Text-message reminders need the participant's phone number.", field="reminder_channel"
        )
    if channel != ReminderChannel.NONE:
        if preferences.reminder_time is None:
            raise InvalidValue("Choose the time of the daily reminder.", field="reminder_time")
        start, end = quiet_hours()
        if in_quiet_hours(preferences.reminder_time, start, end):
            raise RuleConflict(
                f"{preferences.reminder_time:%H:%M} is within the quiet hours "
                f"({start:%H:%M}-{end:%H:%M}); choose another time.",
                field="reminder_time",
            )
    if by_user is not None:
        preferences._history_user = by_user
    preferences._change_reason = "Changed by the participant" if by_user is None else None
    preferences.save()
    return preferences


def staff_language_set(*, user, language: str) -> StaffLanguage:
    if language not in Language.values:
        raise InvalidValue("language: choose one of the listed languages.", field="language")
    chosen, _ = StaffLanguage.objects.update_or_create(user=user, defaults={"language": language})
    return chosen
