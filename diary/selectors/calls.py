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

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
    Value,
    When,
)

from diary.models import DiaryWeek, Phase, ProtocolWeek, Site, Trial
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
_ORDER = ("due_date", "participant__participant_id", "protocol_week__week")


def calls_due(*, user, on_date: date) -> CallQueue:
    """The open calls of the user's sites on `on_date`: due (window open), overdue
    (window closed, participant not reached) and coming up (window opens within
    UPCOMING_DAYS days). Each list is sorted by due date, then participant id."""
    return _call_queue(diary_weeks_for(user), on_date=on_date)


def site_calls_due(*, site: Site, on_date: date) -> CallQueue:
    """The same queue for one site, whoever reads it (the daily digest to the site's
    research assistants, the progress report)."""
    return _call_queue(DiaryWeek.objects.filter(participant__site=site), on_date=on_date)


class CallQueuePart:
    """One part of the queue read a slice at a time, for a Paginator: `count()` is
    known, `part[a:b]` reads those rows only."""

    def __init__(self, weeks: QuerySet[DiaryWeek], *, count: int, window: timedelta):
        self._weeks = weeks
        self._count = count
        self._window = window

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[CallRow]:
        if not isinstance(index, slice):
            raise TypeError("A part of the call queue is read by slices.")
        return [_row(values, self._window) for values in self._weeks[index]]


@dataclass(frozen=True)
class PagedCallQueue:
    """The call queue of `calls_due`, each part counted and read a page at a time
    (the call queue page): a constant number of queries, whatever the trial's size."""

    on_date: date
    call_window_days: int
    due: Sequence[CallRow] = ()
    overdue: Sequence[CallRow] = ()
    coming_up: Sequence[CallRow] = ()
    trial: Trial | None = None

    def __len__(self) -> int:
        return len(self.due) + len(self.overdue) + len(self.coming_up)


def calls_due_paged(*, user, on_date: date) -> PagedCallQueue:
    """`calls_due`, with each part counted in the database and its rows read when a
    page of it is: the protocol's weeks and the counts in two queries, then one query
    per page shown."""
    trial = trial_or_none()
    if trial is None:
        return PagedCallQueue(on_date=on_date, call_window_days=0)
    weeks = _open_weeks(diary_weeks_for(user), trial=trial, on_date=on_date)
    parts = _parts(trial, on_date)
    counts = weeks.aggregate(
        **{name: Count("pk", filter=condition) for name, condition in parts.items()}
    )
    window = timedelta(days=trial.call_window_days)
    return PagedCallQueue(
        on_date=on_date,
        call_window_days=trial.call_window_days,
        trial=trial,
        **{
            name: CallQueuePart(
                weeks.filter(condition).order_by(*_ORDER).values_list(*_ROW_FIELDS),
                count=counts[name],
                window=window,
            )
            for name, condition in parts.items()
        },
    )


def _open_weeks(weeks: QuerySet[DiaryWeek], *, trial: Trial, on_date: date) -> QuerySet[DiaryWeek]:
    """The open weeks that may be in the queue on `on_date`: not reached, of a
    participant still followed, not a screening week once randomized, and due within
    the dates any part of the queue can hold."""
    window = timedelta(days=trial.call_window_days)
    longest = max(trial.screening_weeks, trial.intervention_weeks)
    return (
        weeks.filter(participant__trial=trial, participant__withdrawn_on__isnull=True)
        .exclude(reached=True)
        .exclude(
            Q(protocol_week__phase=Phase.SCREENING) & Q(participant__randomized_on__isnull=False)
        )
        .filter(due_date__lte=on_date + window + timedelta(days=UPCOMING_DAYS))
        .filter(due_date__gte=on_date - window - timedelta(days=MISSED_AFTER_DAYS + 7 * longest))
    )


def _parts(trial: Trial, on_date: date) -> dict[str, Q]:
    """`queue_part` as conditions on an open week, by part. The rule is the same: due
    while the window (due date ± call_window_days) is open on `on_date`; coming up
    when it opens within UPCOMING_DAYS days; overdue once closed, until
    MISSED_AFTER_DAYS after the window of the phase's last week closed (that week being
    `weeks_after` weeks later, each protocol week has its own earliest due date; the
    conditions name the protocol weeks by id, which keeps them cheap to build)."""
    window = timedelta(days=trial.call_window_days)
    phase_weeks = {
        Phase.SCREENING: trial.screening_weeks,
        Phase.INTERVENTION: trial.intervention_weeks,
    }
    still_listed = Q(pk__in=[])
    for pk, phase, week in ProtocolWeek.objects.filter(trial=trial).values_list(
        "pk", "phase", "week"
    ):
        weeks_after = phase_weeks[phase] - week
        earliest = on_date - timedelta(days=MISSED_AFTER_DAYS + 7 * weeks_after) - window
        still_listed |= Q(protocol_week_id=pk, due_date__gte=earliest)
    return {
        "due": Q(due_date__gte=on_date - window, due_date__lte=on_date + window),
        "overdue": Q(due_date__lt=on_date - window) & still_listed,
        "coming_up": Q(
            due_date__gt=on_date + window,
            due_date__lte=on_date + window + timedelta(days=UPCOMING_DAYS),
        ),
    }


def _row(values: tuple, window: timedelta) -> CallRow:
    pk, pid, site, phone, phase, week, due, attempts, last_call = values
    return CallRow(
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


def _call_queue(weeks, *, on_date: date) -> CallQueue:
    trial = trial_or_none()
    if trial is None:
        return CallQueue(on_date=on_date, call_window_days=0)
    parts = _parts(trial, on_date)
    rows = (
        _open_weeks(weeks, trial=trial, on_date=on_date)
        .annotate(
            queue_part=Case(
                *(When(condition, then=Value(name)) for name, condition in parts.items()),
                output_field=CharField(),
            )
        )
        .filter(queue_part__isnull=False)
        .order_by(*_ORDER)
        .values_list(*_ROW_FIELDS, "queue_part")
    )
    queue = CallQueue(on_date=on_date, call_window_days=trial.call_window_days, trial=trial)
    window = timedelta(days=trial.call_window_days)
    for *values, part in rows:
        getattr(queue, part).append(_row(values, window))
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
