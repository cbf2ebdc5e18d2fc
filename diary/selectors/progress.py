"""The weekly progress report's figures, by site and never by arm: enrolment against
target, the weekly calls (made in their window, late, early, missed), participants
with an overdue call, withdrawals, adverse events, and data completeness.

Definitions (on the report's date D, with the trial's call window of ± w days):
- a diary week is *expected* unless its participant withdrew before it was due;
- a call is *in window* when the participant was reached within due ± w, *late*
  or *early* when reached after or before it, *missed* when the window has closed
  without reaching the participant, *open* while its window has not closed;
- *overdue* participants have a call in the call queue's overdue list
  (diary.selectors.calls);
- *completeness*: of the expected weeks whose window has closed, the share reached;
  of the randomized participants, those with every baseline value recorded.

Nothing here reads the randomization list or an arm.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from diary.models import (
    AdverseEvent,
    DiaryWeek,
    OutboxMessage,
    Participant,
    ScreeningRecord,
    Trial,
)
from diary.selectors.calls import site_calls_due
from diary.selectors.nights import diary_completion_pooled

CALENDAR_WEEKS = 8  # calendar weeks of calls shown, the report's week last
RECENT_DAYS = 7  # "this week": the seven days up to the report's date
BASELINE_FIELDS = ("height_cm", "weight_kg", "hypertension", "diabetes", "creatinine_mg_dl")


def _percent(part: int, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass(frozen=True)
class Enrolment:
    site_code: str
    name: str
    target: int | None
    screened: int
    enrolled: int
    randomized: int

    @property
    def percent_of_target(self) -> float | None:
        return _percent(self.randomized, self.target)


@dataclass
class Calls:
    in_window: int = 0
    late: int = 0
    early: int = 0
    missed: int = 0
    open: int = 0

    @property
    def made(self) -> int:
        return self.in_window + self.late + self.early

    @property
    def closed(self) -> int:
        return self.made + self.missed


@dataclass(frozen=True)
class CallWeek:
    site_code: str
    week_start: date  # Monday of the calendar week the calls were due in
    calls: Calls

    @property
    def label(self) -> str:
        year, week, _ = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Overdue:
    site_code: str
    participant_ids: list[str]
    calls: int


@dataclass(frozen=True)
class Safety:
    site_code: str
    withdrawals: int
    withdrawals_recent: int
    adverse_events: int
    serious: int
    adverse_events_recent: int
    serious_recent: int


@dataclass(frozen=True)
class Completeness:
    site_code: str
    weeks_expected: int
    weeks_reached: int
    randomized: int
    baseline_complete: int

    @property
    def weeks_percent(self) -> float | None:
        return _percent(self.weeks_reached, self.weeks_expected)

    @property
    def baseline_percent(self) -> float | None:
        return _percent(self.baseline_complete, self.randomized)


@dataclass(frozen=True)
class SeriousEvent:
    participant_id: str
    site_code: str
    onset_on: date
    term: str
    grade: str
    relatedness: str
    outcome: str
    resolved_on: date | None


@dataclass(frozen=True)
class PendingMessages:
    """Emails of one kind still waiting for someone to send them to (the outbox)."""

    kind: str
    count: int
    oldest: date


@dataclass(frozen=True)
class ProgressReport:
    trial_code: str
    trial_title: str
    on_date: date
    since: date
    call_window_days: int
    target: int | None
    enrolment: list[Enrolment]
    call_weeks: list[CallWeek]
    call_totals: dict[str, Calls]
    overdue: list[Overdue]
    safety: list[Safety]
    completeness: list[Completeness]
    serious_recent: list[SeriousEvent] = field(default_factory=list)
    pending_messages: list[PendingMessages] = field(default_factory=list)
    # Queries by site and state, counted as everywhere (diary.selectors.datamgmt).
    queries: object = None
    # The electronic diary's nights reported, all arms together (None without one).
    diary_completion: dict | None = None

    @property
    def enrolment_total(self) -> Enrolment:
        return Enrolment(
            site_code="All sites",
            name="",
            target=self.target,
            screened=sum(e.screened for e in self.enrolment),
            enrolled=sum(e.enrolled for e in self.enrolment),
            randomized=sum(e.randomized for e in self.enrolment),
        )


def progress_report(*, trial: Trial, on_date: date) -> ProgressReport:
    sites = list(trial.sites.order_by("code"))
    since = on_date - timedelta(days=RECENT_DAYS - 1)
    week_rows, totals, expected, reached = _calls(trial, on_date)
    overdue = []
    for site in sites:
        rows = site_calls_due(site=site, on_date=on_date).overdue
        overdue.append(
            Overdue(site.code, sorted({r.participant_id for r in rows}), calls=len(rows))
        )
    return ProgressReport(
        trial_code=trial.code,
        trial_title=trial.title,
        on_date=on_date,
        since=since,
        call_window_days=trial.call_window_days,
        target=trial.target_enrolment,
        enrolment=_enrolment(trial, sites, on_date),
        call_weeks=week_rows,
        call_totals={s.code: totals.get(s.code, Calls()) for s in sites},
        overdue=overdue,
        safety=_safety(trial, sites, on_date, since),
        completeness=_completeness(trial, sites, on_date, expected, reached),
        serious_recent=_serious_recent(trial, on_date, since),
        pending_messages=_pending_messages(),
        queries=_queries(trial, sites),
        diary_completion=diary_completion_pooled(trial=trial, on_date=on_date),
    )


def _queries(trial: Trial, sites):
    from diary.models import Query
    from diary.selectors.datamgmt import query_counts

    return query_counts(
        Query.objects.filter(participant__trial=trial), sites=[s.code for s in sites]
    )


def _pending_messages() -> list[PendingMessages]:
    """The outbox's pending emails by kind, as they stand when the report is made."""
    labels = dict(OutboxMessage.Kind.choices)
    rows = (
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .values("kind")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by("kind")
    )
    return [
        PendingMessages(
            labels.get(r["kind"], r["kind"]), r["count"], timezone.localdate(r["oldest"])
        )
        for r in rows
    ]


def _enrolment(trial: Trial, sites, on_date: date) -> list[Enrolment]:
    screened = Counter(
        dict(
            ScreeningRecord.objects.filter(trial=trial, screened_on__lte=on_date)
            .values_list("site__code")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    people = (
        Participant.objects.filter(trial=trial, consented_on__lte=on_date)
        .values_list("site__code")
        .annotate(n=Count("pk"), randomized=Count("pk", filter=Q(randomized_on__lte=on_date)))
        .order_by()
    )
    counts = {code: (n, randomized) for code, n, randomized in people}
    return [
        Enrolment(
            site_code=s.code,
            name=s.name,
            target=s.target_enrolment,
            screened=screened.get(s.code, 0),
            enrolled=counts.get(s.code, (0, 0))[0],
            randomized=counts.get(s.code, (0, 0))[1],
        )
        for s in sites
    ]


def _calls(trial: Trial, on_date: date):
    """Calls by site and calendar week (the last CALENDAR_WEEKS weeks), totals by
    site since the start, and each site's expected and reached closed weeks."""
    window = timedelta(days=trial.call_window_days)
    first_week = on_date - timedelta(days=on_date.weekday() + 7 * (CALENDAR_WEEKS - 1))
    weeks = (
        DiaryWeek.objects.filter(participant__trial=trial, due_date__lte=on_date)
        .values_list(
            "participant__site__code",
            "due_date",
            "reached",
            "call_date",
            "participant__withdrawn_on",
        )
        .order_by()
    )
    by_week: dict[tuple[str, date], Calls] = defaultdict(Calls)
    totals: dict[str, Calls] = defaultdict(Calls)
    expected: Counter = Counter()
    reached: Counter = Counter()
    for site, due, was_reached, call_date, withdrawn_on in weeks.iterator(chunk_size=5000):
        if not was_reached and withdrawn_on is not None and withdrawn_on < due:
            continue  # not expected: the participant had withdrawn
        status = _call_status(due, was_reached, call_date, window, on_date)
        counted = [totals[site]]
        if due >= first_week:
            counted.append(by_week[(site, _monday(due))])
        for calls in counted:
            setattr(calls, status, getattr(calls, status) + 1)
        if status != "open":
            expected[site] += 1
            reached[site] += status != "missed"
    rows = [CallWeek(site, monday, calls) for (site, monday), calls in sorted(by_week.items())]
    return rows, totals, expected, reached


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _call_status(due: date, was_reached, call_date, window: timedelta, on_date: date) -> str:
    if was_reached:
        if call_date is None or due - window <= call_date <= due + window:
            return "in_window"
        return "late" if call_date > due + window else "early"
    return "missed" if due + window < on_date else "open"


def _safety(trial: Trial, sites, on_date: date, since: date) -> list[Safety]:
    withdrawals = {
        code: (n, n_recent)
        for code, n, n_recent in Participant.objects.filter(trial=trial, withdrawn_on__lte=on_date)
        .values_list("site__code")
        .annotate(n=Count("pk"), n_recent=Count("pk", filter=Q(withdrawn_on__gte=since)))
        .order_by()
    }
    recent = Q(created_at__date__gte=since, created_at__date__lte=on_date)
    events = {
        code: counts
        for code, *counts in AdverseEvent.objects.filter(
            participant__trial=trial, onset_on__lte=on_date
        )
        .values_list("participant__site__code")
        .annotate(
            n=Count("pk"),
            n_serious=Count("pk", filter=Q(serious=True)),
            n_recent=Count("pk", filter=recent),
            n_serious_recent=Count("pk", filter=recent & Q(serious=True)),
        )
        .order_by()
    }
    rows = []
    for s in sites:
        n_withdrawn, withdrawn_recent = withdrawals.get(s.code, (0, 0))
        n, serious, n_recent, serious_recent = events.get(s.code, (0, 0, 0, 0))
        rows.append(
            Safety(s.code, n_withdrawn, withdrawn_recent, n, serious, n_recent, serious_recent)
        )
    return rows


def _completeness(trial: Trial, sites, on_date: date, expected, reached) -> list[Completeness]:
    complete = Q(**{f"{name}__isnull": False for name in BASELINE_FIELDS})
    counts = {
        code: (n, done)
        for code, n, done in Participant.objects.filter(trial=trial, randomized_on__lte=on_date)
        .values_list("site__code")
        .annotate(n=Count("pk"), done=Count("pk", filter=complete))
        .order_by()
    }
    return [
        Completeness(
            s.code,
            expected[s.code],
            reached[s.code],
            counts.get(s.code, (0, 0))[0],
            counts.get(s.code, (0, 0))[1],
        )
        for s in sites
    ]


def _serious_recent(trial: Trial, on_date: date, since: date) -> list[SeriousEvent]:
    rows = (
        AdverseEvent.objects.filter(
            participant__trial=trial,
            serious=True,
            created_at__date__gte=since,
            created_at__date__lte=on_date,
        )
        .order_by("onset_on", "participant__participant_id", "pk")
        .values_list(
            "participant__participant_id",
            "participant__site__code",
            "onset_on",
            "term",
            "grade",
            "relatedness",
            "outcome",
            "resolved_on",
        )
    )
    return [SeriousEvent(*row) for row in rows]
