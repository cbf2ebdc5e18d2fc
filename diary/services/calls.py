"""The weekly phone call: scheduling the diary weeks and recording what was heard."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from diary.errors import InvalidValue
from diary.models import DiaryWeek, Participant, Phase, ProtocolWeek
from diary.models.calls import CAPSULES_MISSED_MAX, SEVERITY_MAX, SEVERITY_MIN
from diary.services.audit import apply_changes, ensure_trial_open

# Moved forward by the service itself; not clinical values.
BOOKKEEPING = ("reached", "call_date", "attempts")


def week_start(*, start: date, week: int) -> date:
    """The first day of a protocol week counted from `start` (consent or randomization)."""
    return start + timedelta(days=7 * (week - 1))


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
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{field}: enter a number.", field=field) from None


def _int(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise InvalidValue(f"{field}: enter a whole number.", field=field) from None
    if number != number.to_integral_value():
        raise InvalidValue(f"{field}: enter a whole number.", field=field)
    return int(number)


def week_values_check(
    *, phase: str, cramps, duration_min, severity, capsules_missed
) -> dict[str, object]:
    """Validate one reached week's values; return them typed. Every rule names its field."""
    errors: dict[str, list[str]] = {}
    cramps = _int(cramps, "cramps")
    duration = _decimal(duration_min, "duration_min")
    severity = _decimal(severity, "severity")
    capsules = _int(capsules_missed, "capsules_missed")
    if cramps is None:
        errors["cramps"] = ["Enter the number of cramps (0 if none)."]
    elif cramps < 0:
        errors["cramps"] = ["The number of cramps cannot be negative."]
    elif cramps > 0:
        if duration is None:
            errors["duration_min"] = ["Enter the mean duration in minutes."]
        elif duration <= 0:
            errors["duration_min"] = ["The mean duration must be more than 0 minutes."]
        if severity is None:
            errors["severity"] = ["Enter the mean severity (1-10)."]
        elif not SEVERITY_MIN <= severity <= SEVERITY_MAX:
            errors["severity"] = ["Severity is on a 1-10 scale."]
    else:
        if duration is not None:
            errors["duration_min"] = ["Leave the duration empty when there was no cramp."]
        if severity is not None:
            errors["severity"] = ["Leave the severity empty when there was no cramp."]
    if phase == Phase.INTERVENTION:
        if capsules is None:
            errors["capsules_missed"] = ["Enter the number of capsules missed (0 if none)."]
        elif not 0 <= capsules <= CAPSULES_MISSED_MAX:
            errors["capsules_missed"] = [f"Capsules missed is between 0 and {CAPSULES_MISSED_MAX}."]
    if errors:
        first_field, messages = next(iter(errors.items()))
        raise InvalidValue(f"{first_field}: {messages[0]}", errors=errors)
    return {
        "cramps": cramps,
        "duration_min": duration if cramps else None,
        "severity": severity if cramps else None,
        "capsules_missed": capsules,
    }


def _check_call_date(diary_week: DiaryWeek, call_date: date) -> None:
    participant = diary_week.participant
    phase, week = diary_week.protocol_week.phase, diary_week.protocol_week.week
    start = participant.randomized_on if phase == Phase.INTERVENTION else participant.consented_on
    if call_date > timezone.localdate():
        raise InvalidValue("The call date cannot be in the future.", field="call_date")
    if start and call_date < week_start(start=start, week=week):
        raise InvalidValue(
            f"The call date is before this week began ({week_start(start=start, week=week)}).",
            field="call_date",
        )
    if participant.withdrawn_on and week_start(start=start, week=week) > participant.withdrawn_on:
        raise InvalidValue("The participant withdrew before this week began.", field="call_date")


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
) -> DiaryWeek:
    """Record a call. Not reached: one more attempt, the week stays open. Reached:
    the week's values are stored; changing values already stored needs a reason."""
    diary_week = (
        # Lock only this week's row: the trial row is shared by every call.
        DiaryWeek.objects.select_for_update(of=("self",))
        .select_related("participant__trial", "protocol_week")
        .get(pk=diary_week.pk)
    )
    ensure_trial_open(diary_week.participant.trial)
    call_date = call_date or timezone.localdate()
    _check_call_date(diary_week, call_date)
    if not reached:
        if diary_week.reached:
            raise InvalidValue(
                "This week's values are already recorded; correct them instead.",
                field="reached",
            )
        changes = {"reached": False, "call_date": call_date, "attempts": diary_week.attempts + 1}
        apply_changes(diary_week, changes, by_user=by_user, reason=reason, bookkeeping=BOOKKEEPING)
        return diary_week
    values = week_values_check(
        phase=diary_week.protocol_week.phase,
        cramps=cramps,
        duration_min=duration_min,
        severity=severity,
        capsules_missed=capsules_missed,
    )
    changes = {"reached": True, **values}
    if diary_week.reached:
        changes["call_date"] = diary_week.call_date  # a correction keeps the call's date
    else:
        changes.update(call_date=call_date, attempts=diary_week.attempts + 1)
    apply_changes(diary_week, changes, by_user=by_user, reason=reason, bookkeeping=BOOKKEEPING)
    return diary_week
