"""A participant's timeline: diary weeks, adverse events, withdrawal and the history
of changes with their reasons. Nothing here reveals the arm (the randomization list
is never read). A constant number of queries whatever the size of the trial."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop, pgettext, pgettext_lazy

from diary.declarations import PARTICIPANT
from diary.labels import translated, week_label
from diary.models import AdverseEvent, DiaryWeek, Participant, Phase
from diary.roles import sees_direct_identifiers
from diary.selectors.scoping import participants_for
from diary.services.calls import week_start


@dataclass(frozen=True)
class WeekEntry:
    diary_week: DiaryWeek
    phase: str
    week: int
    window_start: date
    window_end: date
    status: str  # recorded | due | upcoming | missed | after_withdrawal

    STATUS_LABELS = {
        "recorded": gettext_noop("Recorded"),
        "due": gettext_noop("Due now"),
        "upcoming": gettext_noop("Not yet due"),
        "missed": gettext_noop("Missed"),
        "after_withdrawal": gettext_noop("After withdrawal"),
    }

    @property
    def status_label(self) -> str:
        return gettext(self.STATUS_LABELS[self.status])

    @property
    def label(self) -> str:
        return week_label(self.phase, self.week)

    @property
    def out_of_window(self) -> bool:
        """A reached call made outside the week's window: a protocol deviation."""
        call_date = self.diary_week.call_date
        reached = self.diary_week.reached
        return bool(reached) and not self.window_start <= call_date <= self.window_end


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class ChangeEntry:
    when: datetime
    who: str
    record: str
    kind: str  # created | entered | corrected, or a data management event's
    changes: list[FieldChange]
    reason: str

    KIND_LABELS = {
        "created": pgettext_lazy("change", "enrolled"),
        "entered": pgettext_lazy("change", "entered"),
        "corrected": pgettext_lazy("change", "corrected"),
    }

    @property
    def kind_label(self) -> str:
        return str(self.KIND_LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Timeline:
    participant: Participant
    on_date: date
    screening_weeks: list[WeekEntry]
    intervention_weeks: list[WeekEntry]
    intervention_weeks_planned: int
    adverse_events: list[AdverseEvent]
    history: list[ChangeEntry] = field(default_factory=list)

    @property
    def screening_cramps(self) -> int:
        return sum(e.diary_week.cramps or 0 for e in self.screening_weeks)

    @property
    def screening_weeks_recorded(self) -> int:
        return sum(1 for e in self.screening_weeks if e.status == "recorded")

    @property
    def screening_complete(self) -> bool:
        return bool(self.screening_weeks) and all(
            e.status == "recorded" for e in self.screening_weeks
        )


PARTICIPANT_FIELDS = (
    "phone",
    "consented_on",
    "consent_form_version",
    "sex",
    "age",
    "height_cm",
    "weight_kg",
    "hypertension",
    "diabetes",
    "creatinine_mg_dl",
    "randomized_on",
    "bottle_number",
    "withdrawn_on",
    "withdrawal_reason",
)
WEEK_FIELDS = (
    "call_date",
    "attempts",
    "reached",
    "cramps",
    "duration_min",
    "severity",
    "capsules_missed",
)
AE_FIELDS = ("onset_on", "term", "serious", "grade", "relatedness", "outcome", "resolved_on")
EMPTY = (None, "")


# The reasons the services give for the changes they make themselves (the people's
# reasons are shown as written).
AUTOMATIC_REASONS = {
    gettext_noop("withdrawal"),
    gettext_noop("study product stopped"),
    gettext_noop("randomization"),
    gettext_noop("recorded from imported data"),
    gettext_noop("replacement bottle"),
    gettext_noop("database lock"),
    gettext_noop("trial unblinded"),
}


def _reason(reason: str) -> str:
    return gettext(reason) if reason in AUTOMATIC_REASONS else reason


def _display(value, choices=None) -> str:
    if choices and value in choices:
        return translated(choices[value])
    if value in EMPTY:
        return "—"
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _week_status(week: DiaryWeek, window: tuple[date, date], began: date, withdrawn_on, today):
    if week.reached:
        return "recorded"
    if withdrawn_on and began > withdrawn_on:
        return "after_withdrawal"
    if window[1] < today:
        return "missed"
    if window[0] <= today:
        return "due"
    return "upcoming"


def _week_entries(participant, weeks, window: timedelta, on_date: date) -> list[WeekEntry]:
    entries = []
    for week in weeks:
        phase, number = week.protocol_week.phase, week.protocol_week.week
        start = (
            participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on
        )
        bounds = (week.due_date - window, week.due_date + window)
        began = week_start(start=start, week=number)
        entries.append(
            WeekEntry(
                diary_week=week,
                phase=phase,
                week=number,
                window_start=bounds[0],
                window_end=bounds[1],
                status=_week_status(week, bounds, began, participant.withdrawn_on, on_date),
            )
        )
    return entries


def _history(rows, fields, model, record_label) -> list[ChangeEntry]:
    """Consecutive history rows of each record, compared field by field."""
    labels = {
        name: translated(capfirst(model._meta.get_field(name).verbose_name)) for name in fields
    }
    choices = {name: dict(model._meta.get_field(name).flatchoices) for name in fields}
    entries, previous = [], {}
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_type == "+" and before is None and model is Participant:
            changes, kind = [], "created"
        else:
            changes = [
                FieldChange(
                    labels[name],
                    _display(getattr(before, name) if before else None, choices[name]),
                    _display(getattr(row, name), choices[name]),
                )
                for name in fields
                if (getattr(before, name) if before else None) != getattr(row, name)
                and not (before is None and getattr(row, name) in EMPTY)
            ]
            if not changes:
                continue
            corrected = before is not None and any(
                getattr(before, name) not in EMPTY
                and getattr(before, name) != getattr(row, name)
                and name not in ("call_date", "attempts", "reached")
                for name in fields
            )
            kind = "corrected" if corrected else "entered"
        entries.append(
            ChangeEntry(
                when=row.history_date,
                who=row.history_user.username if row.history_user else gettext("system"),
                record=record_label(row),
                kind=kind,
                changes=changes,
                reason=_reason(row.history_change_reason or ""),
            )
        )
    return entries


def _data_management(participant) -> list[ChangeEntry]:
    """Verification marks cleared by a change, signatures made and made invalid, the
    casebook locked and unlocked (diary.selectors.datamgmt)."""
    from diary.selectors.datamgmt import data_management_events

    return [
        ChangeEntry(
            when=event.when,
            who=event.who,
            record=event.record,
            kind=event.kind,
            changes=[FieldChange(event.what, "", "")],
            reason=event.reason,
        )
        for event in data_management_events(participant)
    ]


def participant_timeline(*, user, participant_id: str, on_date: date) -> Timeline | None:
    """The timeline of one participant of the user's sites; None when the participant
    does not exist or belongs to another site."""
    participant = (
        participants_for(user)
        .select_related("site", "trial")
        .filter(participant_id=participant_id)
        .first()
    )
    if participant is None:
        return None
    trial = participant.trial
    window = timedelta(days=trial.call_window_days)
    weeks = list(
        DiaryWeek.objects.filter(participant=participant)
        .select_related("protocol_week")
        .order_by("-protocol_week__phase", "protocol_week__week")
    )
    entries = _week_entries(participant, weeks, window, on_date)
    week_labels = {e.diary_week.pk: e.label for e in entries}
    events = list(AdverseEvent.objects.filter(participant=participant).order_by("onset_on", "pk"))
    adverse_event = gettext("Adverse event: %(term)s")
    ae_labels = {e.pk: adverse_event % {"term": e.term} for e in events}

    def _ordered(qs):
        return qs.select_related("history_user").order_by("history_date", "history_id")

    history = (
        _history(
            _ordered(Participant.history.filter(id=participant.pk)),
            PARTICIPANT_FIELDS
            if sees_direct_identifiers(user)
            else tuple(f for f in PARTICIPANT_FIELDS if not PARTICIPANT[f].direct_identifier),
            Participant,
            lambda row: pgettext("record", "Participant"),
        )
        + _history(
            _ordered(DiaryWeek.history.filter(participant_id=participant.pk)),
            WEEK_FIELDS,
            DiaryWeek,
            lambda row: week_labels.get(row.id, gettext("Diary week")),
        )
        + _history(
            _ordered(AdverseEvent.history.filter(participant_id=participant.pk)),
            AE_FIELDS,
            AdverseEvent,
            lambda row: ae_labels.get(row.id, adverse_event % {"term": row.term}),
        )
    )
    history += _data_management(participant)
    history.sort(key=lambda entry: entry.when, reverse=True)
    return Timeline(
        participant=participant,
        on_date=on_date,
        screening_weeks=[e for e in entries if e.phase == Phase.SCREENING],
        intervention_weeks=[e for e in entries if e.phase == Phase.INTERVENTION],
        intervention_weeks_planned=trial.intervention_weeks,
        adverse_events=events,
        history=history,
    )
