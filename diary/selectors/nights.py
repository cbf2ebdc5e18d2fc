"""Reading the electronic diary: a participant's nights, a week's nights with the
values derived from them, how many nights were reported in each week (compliance),
and who has left the diary empty lately."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q

from diary.declarations.records import DerivedWeek, derive_week, week_nights
from diary.models import CrampEvent, DiaryLink, DiaryWeek, Night, Participant, Phase
from diary.selectors.scoping import participants_for


@dataclass(frozen=True)
class NightEntry:
    night: date
    record: Night | None
    cramps: list[CrampEvent]

    @property
    def reported(self) -> bool:
        return bool(self.record and self.record.reported)


@dataclass(frozen=True)
class WeekDiary:
    """A diary week's nights, as the participant entered them, and what they give."""

    nights: list[NightEntry]
    derived: DerivedWeek

    @property
    def any_entry(self) -> bool:
        return any(entry.record is not None for entry in self.nights)


def _week_start(participant: Participant, phase: str):
    return participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on


def nights_between(*, participant: Participant, first: date, last: date) -> dict[date, NightEntry]:
    """{night: entry} for every night from `first` to `last` (entry.record None when
    nothing was entered)."""
    records = {
        n.night: n
        for n in Night.objects.filter(participant=participant, night__range=(first, last))
    }
    cramps = defaultdict(list)
    for event in CrampEvent.objects.filter(night__in=list(records.values())).order_by(
        "night_id", "position"
    ):
        cramps[event.night_id].append(event)
    out = {}
    day = first
    while day <= last:
        record = records.get(day)
        out[day] = NightEntry(day, record, cramps[record.pk] if record else [])
        day += timedelta(days=1)
    return out


def week_diary(*, diary_week: DiaryWeek) -> WeekDiary | None:
    """The week's seven nights and the values derived from them (None before the
    week's phase has a start)."""
    participant = diary_week.participant
    phase, week = diary_week.protocol_week.phase, diary_week.protocol_week.week
    start = _week_start(participant, phase)
    if start is None:
        return None
    days = week_nights(start=start, week=week)
    entries = nights_between(participant=participant, first=days[0], last=days[-1])
    derived = derive_week(
        start=start,
        week=week,
        nights={
            day: [(c.duration_min, c.severity) for c in e.cramps]
            for day, e in entries.items()
            if e.reported
        },
    )
    return WeekDiary(nights=[entries[d] for d in days], derived=derived)


def nights_reported_by_week(participant: Participant) -> dict[tuple[str, int], int]:
    """{(phase, week): nights reported} for the participant's protocol weeks."""
    reported = set(
        Night.objects.filter(participant=participant, reported=True).values_list("night", flat=True)
    )
    out = {}
    trial = participant.trial
    for phase, weeks in (
        (Phase.SCREENING, trial.screening_weeks),
        (Phase.INTERVENTION, trial.intervention_weeks),
    ):
        start = _week_start(participant, phase)
        if start is None:
            continue
        for week in range(1, weeks + 1):
            out[(phase, week)] = sum(
                1 for d in week_nights(start=start, week=week) if d in reported
            )
    return out


@dataclass(frozen=True)
class SilentDiary:
    participant_id: str
    site_code: str
    phone: str
    last_night: date | None


def diaries_silent(*, user, on_date: date, nights: int = 2) -> list[SilentDiary]:
    """Participants of the user's sites with a live diary link and no entry for the
    last `nights` nights (the nights that began before `on_date`), still in follow-up."""
    first = on_date - timedelta(days=nights)
    live = DiaryLink.objects.filter(revoked_at__isnull=True).values("participant_id")
    people = (
        participants_for(user)
        .filter(pk__in=live, withdrawn_on__isnull=True, consented_on__lte=first)
        .annotate(last_night=Max("nights__night"))
        .filter(Q(last_night__isnull=True) | Q(last_night__lt=first))
        .select_related("site", "trial")
        .order_by("participant_id")
    )
    out = []
    for person in people:
        end = None
        if person.randomized_on is not None:
            end = person.randomized_on + timedelta(days=7 * person.trial.intervention_weeks - 1)
        if end is not None and end < first:
            continue
        out.append(
            SilentDiary(person.participant_id, person.site.code, person.phone, person.last_night)
        )
    return out


def diary_compliance(participant: Participant) -> list[dict]:
    """Nights reported in each protocol week, for a participant who keeps the
    electronic diary ([] for one who has no night in it)."""
    if not Night.objects.filter(participant=participant).exists():
        return []
    return [
        {"phase": phase, "week": week, "reported": n}
        for (phase, week), n in nights_reported_by_week(participant).items()
    ]


def diary_completion_pooled(*, trial, on_date: date) -> dict | None:
    """Nights reported against nights of follow-up so far (from consent to the day
    before `on_date`, the withdrawal or the end of follow-up, whichever is first), for
    the participants who keep the electronic diary, all arms together (blinded).
    None when nobody keeps it."""
    keepers = list(
        Participant.objects.filter(trial=trial, nights__isnull=False)
        .distinct()
        .only("pk", "consented_on", "randomized_on", "withdrawn_on")
    )
    if not keepers:
        return None
    expected = reported = 0
    ends = {}
    for person in keepers:
        end = on_date - timedelta(days=1)
        if person.withdrawn_on is not None:
            end = min(end, person.withdrawn_on)
        if person.randomized_on is not None:
            end = min(end, person.randomized_on + timedelta(days=7 * trial.intervention_weeks - 1))
        ends[person.pk] = end
        expected += max((end - person.consented_on).days + 1, 0)
    for pid, night in Night.objects.filter(participant__in=keepers, reported=True).values_list(
        "participant_id", "night"
    ):
        reported += night <= ends[pid]
    return {
        "participants": len(keepers),
        "nights_expected": expected,
        "nights_reported": reported,
        "percent": round(100 * reported / expected, 1) if expected else None,
    }
