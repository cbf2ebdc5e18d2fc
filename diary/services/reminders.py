"""Daily diary reminders: at the participant's chosen time in their time zone, never
within the quiet hours, only while they keep the diary and only when last night is
not in it yet. Each reminder is made (in the participant's language) when it is sent,
and sent once per participant and day through the outbox. The schedule "Diary
reminders" runs this every five minutes."""

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from diary.models import DiaryLink, DiaryPreferences, Night, OutboxMessage, ReminderChannel
from diary.sms import SmsMessage

logger = logging.getLogger(__name__)

# A reminder not sent within this time after it was due (a worker down) is skipped:
# a reminder at the wrong hour helps nobody.
SEND_WITHIN = timedelta(hours=3)


def quiet_hours() -> tuple[time, time]:
    start, end = settings.DIARY_QUIET_HOURS.split("-")
    return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """True when `moment` is within [start, end), across midnight when start > end."""
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def reminder_due(
    *, now: datetime, time_zone: str, reminder_time: time, quiet: tuple[time, time]
) -> date | None:
    """The local date whose reminder is due at `now`, or None. Due from the chosen
    time (the end of the quiet hours, if the time falls within them) for SEND_WITHIN,
    and never within the quiet hours."""
    local = now.astimezone(ZoneInfo(time_zone))
    start, end = quiet
    if in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return None
    chosen = end if in_quiet_hours(reminder_time, start, end) else reminder_time
    due = datetime.combine(local.date(), chosen, tzinfo=local.tzinfo)
    if due <= local < due + SEND_WITHIN:
        return local.date()
    return None


def _compose(preferences: DiaryPreferences, night: date):
    participant = preferences.participant
    with translation.override(preferences.language):
        context = {"participant": participant, "night": night, "site_url": settings.SITE_URL}
        text = render_to_string("own_diary/messages/reminder.txt", context).strip()
        subject = render_to_string("own_diary/messages/reminder_subject.txt", context).strip()
    if preferences.reminder_channel == ReminderChannel.EMAIL:
        from diary.services.outbox import email_message

        return email_message(subject=subject, to=[preferences.email], text=text)
    return SmsMessage(to=participant.phone, body=text, subject=subject)


def diary_reminders_send(*, now: datetime | None = None) -> int:
    """Send every reminder due now; returns how many went out."""
    from diary.selectors.diary_links import diary_open
    from diary.services.nights import participant_follow_up_end
    from diary.services.outbox import outbox_send

    now = now or timezone.now()
    quiet = quiet_hours()
    live = DiaryLink.objects.filter(revoked_at__isnull=True).values("participant_id")
    candidates = (
        DiaryPreferences.objects.exclude(reminder_channel=ReminderChannel.NONE)
        .filter(reminder_time__isnull=False, participant_id__in=live)
        .select_related("participant__trial")
        .order_by("participant_id")
    )
    sent = 0
    for preferences in candidates:
        participant = preferences.participant
        zone = preferences.time_zone or settings.TIME_ZONE
        day = reminder_due(
            now=now, time_zone=zone, reminder_time=preferences.reminder_time, quiet=quiet
        )
        if day is None or not diary_open(participant, today=day):
            continue
        night = day - timedelta(days=1)
        end = participant_follow_up_end(participant)
        if night < participant.consented_on or (end is not None and night > end):
            continue
        if Night.objects.filter(participant=participant, night=night).exists():
            continue
        address = (
            preferences.email
            if preferences.reminder_channel == ReminderChannel.EMAIL
            else participant.phone
        )
        if not address:
            continue
        try:
            message = outbox_send(
                key=f"diary-reminder:{participant.pk}:{day.isoformat()}",
                kind=OutboxMessage.Kind.DIARY_REMINDER,
                compose=lambda p=preferences, n=night: _compose(p, n),
                subject=f"Diary reminder for {participant.participant_id}",
            )
        except Exception:
            # Not claimed (rolled back): the next run tries again, within SEND_WITHIN.
            logger.exception("diary reminder of %s: not sent", participant.participant_id)
            continue
        sent += message is not None
    return sent
