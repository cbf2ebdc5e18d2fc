"""The call queue: which weekly calls a member of staff should make, for their sites.

A diary week is open while its values are not recorded (never called, or called
without reaching the participant). Its call window is its due date ± the trial's
call_window_days. On a given day an open week is

- due: its window is open today;
- overdue: its window has closed;
- coming up: its window opens within the next UPCOMING_DAYS days.

An overdue week stays in the queue while its phase lasts and leaves it
MISSED_AFTER_DAYS days after the window of the phase's last week closed: by then
nobody can report that week reliably, so it stays missing.

Weeks of withdrawn participants leave the queue, and so do the screening weeks of
a participant who has been randomized (the screening diary is over).
The queue is read with a constant number of queries whatever the size of the trial.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import DateField, ExpressionWrapper, F, Q, QuerySet

from diary.models import DiaryWeek, Phase, Site, Trial
from diary.selectors.scoping import diary_weeks_for
from diary.selectors.trial import trial_or_none

UPCOMING_DAYS = 7
MISSED_AFTER_DAYS = 14


@dataclass(frozen=True)
class CallRow:
    diary_week_id: int
    participant_id: str
    site_code: str
    phone: str
    phase: str
    week: int
    due_date: date
    window_start: date
    window_end: date
    attempts: int
    last_call_date: date | None

    @property
    def phase_label(self) -> str:
        return Phase(self.phase).label

    def days_overdue(self, on_date: date) -> int:
        return max((on_date - self.window_end).days, 0)


@dataclass(frozen=True)
class CallQueue:
    on_date: date
    call_window_days: int
    due: list[CallRow] = field(default_factory=list)
    overdue: list[CallRow] = field(default_factory=list)
    coming_up: list[CallRow] = field(default_factory=list)
    trial: Trial | None = None

    def __len__(self) -> int:
        return len(self.due) + len(self.overdue) + len(self.coming_up)


_ROW_FIELDS = (
    "pk",
    "participant__participant_id",
    "participant__site__code",
    "participant__phone",
    "protocol_week__phase",
    "protocol_week__week",
    "due_date",
    "attempts",
    "call_date",
)


def calls_due(*, user, on_date: date) -> CallQueue:
    """The open calls of the user's sites on `on_date`: due (window open), overdue
    (window closed, participant not reached) and coming up (window opens within
    UPCOMING_DAYS days). Each list is sorted by due date, then participant id."""
    return _call_queue(diary_weeks_for(user), on_date=on_date)


def site_calls_due(*, site: Site, on_date: date) -> CallQueue:
    """The same queue for one site, whoever reads it (the daily digest to the site's
    research assistants, the progress report)."""
    return _call_queue(DiaryWeek.objects.filter(participant__site=site), on_date=on_date)


def _call_queue(weeks, *, on_date: date) -> CallQueue:
    trial = trial_or_none()
    if trial is None:
        return CallQueue(on_date=on_date, call_window_days=0)
    window = timedelta(days=trial.call_window_days)
    phase_weeks = {
        Phase.SCREENING: trial.screening_weeks,
        Phase.INTERVENTION: trial.intervention_weeks,
    }
    longest = max(phase_weeks.values())
    horizon = on_date + window + timedelta(days=UPCOMING_DAYS)
    rows = (
        weeks.filter(participant__trial=trial, participant__withdrawn_on__isnull=True)
        .exclude(reached=True)
        .exclude(
            Q(protocol_week__phase=Phase.SCREENING) & Q(participant__randomized_on__isnull=False)
        )
        .filter(due_date__lte=horizon)
        .filter(due_date__gte=on_date - window - timedelta(days=MISSED_AFTER_DAYS + 7 * longest))
        .order_by("due_date", "participant__participant_id", "protocol_week__week")
        .values_list(*_ROW_FIELDS)
    )
    queue = CallQueue(on_date=on_date, call_window_days=trial.call_window_days, trial=trial)
    for pk, pid, site, phone, phase, week, due, attempts, last_call in rows:
        row = CallRow(
            diary_week_id=pk,
            participant_id=pid,
            site_code=site,
            phone=phone,
            phase=phase,
            week=week,
            due_date=due,
            window_start=due - window,
            window_end=due + window,
            attempts=attempts,
            last_call_date=last_call,
        )
        part = queue_part(
            window_start=row.window_start,
            window_end=row.window_end,
            weeks_after=phase_weeks[phase] - week,
            on_date=on_date,
        )
        if part is not None:
            getattr(queue, part).append(row)
    return queue


def queue_part(*, window_start: date, window_end: date, weeks_after: int, on_date: date):
    """Where an open week stands in the call queue on `on_date`: "due", "overdue",
    "coming_up", or None when it has left the queue (MISSED_AFTER_DAYS after the
    window of its phase's last week closed) or is not near yet."""
    if window_end < on_date:
        phase_end = window_end + timedelta(days=7 * weeks_after)
        return "overdue" if (on_date - phase_end).days <= MISSED_AFTER_DAYS else None
    if window_start <= on_date:
        return "due"
    if window_start <= on_date + timedelta(days=UPCOMING_DAYS):
        return "coming_up"
    return None


def week_queue_part(diary_week: DiaryWeek, *, on_date: date):
    """`queue_part` of one open diary week (None once recorded)."""
    if diary_week.reached or diary_week.participant.withdrawn_on:
        return None
    trial = diary_week.participant.trial
    phase = diary_week.protocol_week.phase
    weeks = trial.screening_weeks if phase == Phase.SCREENING else trial.intervention_weeks
    window = timedelta(days=trial.call_window_days)
    return queue_part(
        window_start=diary_week.due_date - window,
        window_end=diary_week.due_date + window,
        weeks_after=weeks - diary_week.protocol_week.week,
        on_date=on_date,
    )


def out_of_window_calls(*, user) -> QuerySet[DiaryWeek]:
    """The reached calls of the user's sites made outside their week's window (protocol
    deviations), newest first."""
    trial = trial_or_none()
    if trial is None:
        return DiaryWeek.objects.none()
    window = timedelta(days=trial.call_window_days)
    return (
        diary_weeks_for(user)
        .filter(reached=True, participant__trial=trial)
        .filter(
            Q(call_date__lt=ExpressionWrapper(F("due_date") - window, output_field=DateField()))
            | Q(call_date__gt=ExpressionWrapper(F("due_date") + window, output_field=DateField()))
        )
        .select_related("participant__site", "protocol_week")
        .order_by("-call_date", "participant__participant_id")
    )


def diary_week_for_call(*, user, participant_id: str, phase: str, week: int) -> DiaryWeek | None:
    """One diary week of the user's sites, with what the call form shows; None when it
    does not exist or belongs to another site."""
    return (
        diary_weeks_for(user)
        .select_related("participant__site", "participant__trial", "protocol_week")
        .filter(
            participant__participant_id=participant_id,
            protocol_week__phase=phase,
            protocol_week__week=week,
        )
        .first()
    )
