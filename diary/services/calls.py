"""The weekly phone call: scheduling the diary weeks and recording what was heard.
Values and rules: diary.declarations.DIARY_WEEK."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from diary.declarations import DIARY_WEEK, Context, WeekSource
from diary.declarations.records import WEEK_VALUES, week_start
from diary.errors import InvalidValue, ReasonRequired, RuleConflict
from diary.models import DiaryWeek, Participant, Phase, ProtocolWeek
from diary.services.audit import apply_changes, ensure_current, ensure_trial_open, record_check

__all__ = ["week_due", "week_start", "weekly_call_record", "diary_weeks_schedule"]

# Moved forward by each attempt; not clinical values.
ATTEMPT_FIELDS = ("reached", "call_date", "attempts")
# What a stale form is shown: the week's values now.
SHOWN = ("reached", "call_date", *WEEK_VALUES)


def week_due(*, start: date, week: int) -> date:
    """A week's call is due at its end, when the whole week can be reported."""
    return start + timedelta(days=7 * week)


def diary_weeks_schedule(*, participant: Participant, phase: str, start: date) -> list[DiaryWeek]:
    """Create the (empty) diary weeks of a phase, each due at the end of its week."""
    weeks = ProtocolWeek.objects.filter(trial_id=participant.trial_id, phase=phase)
    return DiaryWeek.objects.bulk_create(
        [
            DiaryWeek(
                participant=participant,
                protocol_week=pw,
                due_date=week_due(start=start, week=pw.week),
            )
            for pw in weeks
        ]
    )


def _decimal(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{field}: enter a number.", field=field) from None
    if not number.is_finite():
        raise InvalidValue(f"{field}: enter a number.", field=field)
    return number


def _int(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    number = _decimal(value, field)
    if number != number.to_integral_value():
        raise InvalidValue(f"{field}: enter a whole number.", field=field)
    return int(number)


def week_context(diary_week: DiaryWeek, *, out_of_window_confirmed: bool = False) -> Context:
    """What the rules across records need to know of a diary week."""
    participant = diary_week.participant
    phase, week = diary_week.protocol_week.phase, diary_week.protocol_week.week
    start = participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on
    return Context(
        {
            "phase": phase,
            "week": week,
            "start": start,
            "withdrawn_on": participant.withdrawn_on,
            "due": diary_week.due_date,
            "window_days": participant.trial.call_window_days,
            "out_of_window_confirmed": out_of_window_confirmed,
        }
    )


def _typed(values: dict) -> dict:
    typed = dict(values)
    for name in ("cramps", "capsules_missed"):
        typed[name] = _int(values.get(name), name)
    for name in ("duration_min", "severity"):
        typed[name] = _decimal(values.get(name), name)
    return typed


@transaction.atomic
def weekly_call_record(
    *,
    diary_week: DiaryWeek,
    reached: bool,
    call_date: date | None = None,
    cramps=None,
    duration_min=None,
    severity=None,
    capsules_missed=None,
    by_user,
    reason: str = "",
    expected_version: int | None = None,
    out_of_window: bool = False,
    source: str = WeekSource.PHONE,
) -> DiaryWeek:
    """Record a call. Not reached: one more attempt, the week stays open. Reached:
    the week's values are stored; a call date outside the week's window is taken only
    when the caller confirms it (`out_of_window`), and is then a protocol deviation
    shown in the timeline and the deviations list. Correcting a reached week (its
    values or its call date) needs a reason. `expected_version` is the version the
    caller's form or representation showed: a change made from an older one is refused
    (StaleRecord).

    `source` says where a reached week's values come from: told at the call (`phone`,
    a paper diary), the electronic diary's nights confirmed as they are (`diary`: the
    values derived from the week's nights, which the given values, if any, must
    match) or corrected at the call (`corrected`, with a reason)."""
    diary_week = (
        # Lock only this week's row: the trial row is shared by every call.
        DiaryWeek.objects.select_for_update(of=("self",))
        .select_related("participant__trial", "protocol_week")
        .get(pk=diary_week.pk)
    )
    ensure_trial_open(diary_week.participant.trial)
    ensure_current(diary_week, expected_version, fields=SHOWN)
    if not isinstance(reached, bool):
        raise InvalidValue("Say whether the participant was reached (yes or no).", field="reached")
    correcting = bool(diary_week.reached)
    if not reached:
        if correcting:
            raise RuleConflict(
                "This week's values are already recorded; correct them instead.",
                field="reached",
            )
        values = {"reached": False, "call_date": call_date or timezone.localdate()}
        values.update(dict.fromkeys(WEEK_VALUES))
        values["source"] = ""
    else:
        values = _typed(
            {
                "reached": True,
                "call_date": call_date or (diary_week.call_date if correcting else None),
                "cramps": cramps,
                "duration_min": duration_min,
                "severity": severity,
                "capsules_missed": capsules_missed,
            }
        )
        values["call_date"] = values["call_date"] or timezone.localdate()
        values["source"] = _week_source(diary_week, values, source, reason)
        # Entry asks what the edit check of older data (capsules_missed_missing) queries.
        intervention = diary_week.protocol_week.phase == Phase.INTERVENTION
        if intervention and values["capsules_missed"] is None:
            raise InvalidValue(
                "Enter the number of capsules missed (0 if none).", field="capsules_missed"
            )
    context = week_context(diary_week, out_of_window_confirmed=out_of_window)
    record_check(DIARY_WEEK, values, context=context)
    changes = dict(values)
    bookkeeping = (*ATTEMPT_FIELDS, "source")
    if correcting:
        # a reached call's date is a recorded value
        bookkeeping = ("reached", "attempts", "source")
    else:
        changes["attempts"] = diary_week.attempts + 1
    apply_changes(diary_week, changes, by_user=by_user, reason=reason, bookkeeping=bookkeeping)
    return diary_week


DERIVED = ("cramps", "duration_min", "severity")


def _week_source(diary_week: DiaryWeek, values: dict, source: str, reason: str) -> str:
    """The source of a reached week's values; with `diary`, the derived values fill
    what was not given and must equal what was."""
    if source not in WeekSource.values:
        raise InvalidValue("source: not one of " + ", ".join(WeekSource.values), field="source")
    if source == WeekSource.PHONE:
        return source
    from diary.selectors.nights import week_diary

    diary = week_diary(diary_week=diary_week)
    if diary is None or not diary.any_entry:
        raise RuleConflict(
            "The participant's electronic diary holds no night of this week.", field="source"
        )
    if source == WeekSource.CORRECTED:
        if not (reason or "").strip():
            raise ReasonRequired(
                gettext_noop(
                    "A reason is required to correct the values of the participant's diary."
                ),
                field="reason",
            )
        return source
    derived = diary.derived.stored()
    for name in DERIVED:
        if values[name] is None:
            values[name] = derived[name]
        elif values[name] != derived[name]:
            raise RuleConflict(
                f"{name}: the diary gives {derived[name]}, not {values[name]}; confirm the "
                "diary's values or correct them with a reason.",
                field=name,
            )
    return source
