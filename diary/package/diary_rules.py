"""The rules of diary.csv: each participant-week once and within the protocol,
values present exactly as `reached` and `cramps` say, and an intervention call not
before its week began. Screening-diary totals are kept for the deviation warnings."""

from dataclasses import dataclass
from datetime import date, timedelta

from diary.package.problems import ProblemLog
from diary.package.protocol import Protocol
from diary.package.reader import Table
from diary.package.rows import INVALID, known, typed_rows
from diary.package.schema import DIARY, FILES, PARTICIPANTS

PHASE_KEY = {"screening": 0, "intervention": 1}


@dataclass
class ParticipantRef:
    """What the diary and adverse-event rules need to know of a participant."""

    index: int
    line: int
    consented_on: date | None
    randomized_on: date | None
    withdrawn_on: date | None
    screening_cramps: int = 0
    screening_weeks_observed: int = 0


def participant_ref(
    participants: dict[str, ParticipantRef] | None, file: str, line: int, pid, problems
) -> ParticipantRef | None:
    """The participant a row refers to; an unknown one is a problem. None also when
    participants.csv could not be read (its problems are reported already)."""
    if not known(pid) or participants is None:
        return None
    ref = participants.get(pid)
    if ref is None:
        problems.add(
            file, line, "participant_id", f"unknown participant_id {pid!r} (not in {PARTICIPANTS})"
        )
    return ref


def diary_check(
    table: Table,
    *,
    protocol: Protocol,
    participants: dict[str, ParticipantRef] | None,
    problems: ProblemLog,
    warnings: ProblemLog,
) -> int:
    """Check every diary row; return the number of rows."""
    weeks = {phase: protocol.weeks(phase) for phase in PHASE_KEY}
    seen: dict[int, int] = {}  # participant-week -> its first line
    count = 0
    for line, row in typed_rows(table, FILES[DIARY], problems):
        count += 1
        ref = participant_ref(participants, DIARY, line, row["participant_id"], problems)
        phase, week = row["phase"], row["week"]
        if known(phase, week):
            if week > weeks[phase]:
                problems.add(
                    DIARY,
                    line,
                    "week",
                    f"week {week} is outside the {phase} weeks 1-{weeks[phase]}",
                )
            elif ref is not None:
                key = (ref.index * 2 + PHASE_KEY[phase]) * 64 + week  # weeks <= 60
                if key in seen:
                    problems.add(
                        DIARY,
                        line,
                        "week",
                        f"duplicate participant-week ({row['participant_id']}, {phase} "
                        f"week {week}; first on line {seen[key]})",
                    )
                else:
                    seen[key] = line
        _values_check(line, row, problems)
        if ref is not None and known(phase, week):
            _call_date_check(line, row, ref, problems, warnings)
            if phase == "screening" and row["reached"] is True and known(row["cramps"]):
                ref.screening_cramps += row["cramps"]
                ref.screening_weeks_observed += 1
    return count


def _values_check(line: int, row: dict, problems: ProblemLog) -> None:
    reached, cramps = row["reached"], row["cramps"]
    duration, severity = row["duration_min"], row["severity"]
    add = problems.add
    if row["call_date"] is None:
        add(DIARY, line, "call_date", "missing value (every call, reached or not, has a date)")
    if reached is False:
        for name in ("cramps", "duration_min", "severity", "capsules_missed"):
            if row[name] is not None:
                add(DIARY, line, name, "must be empty when reached is 0")
        return
    if reached is not True or cramps is INVALID:
        return
    if cramps is None:
        add(DIARY, line, "cramps", "missing value (reached is 1)")
    elif cramps == 0:
        for name in ("duration_min", "severity"):
            if row[name] is not None:
                add(DIARY, line, name, "must be empty when cramps is 0")
    else:
        if duration is None:
            add(DIARY, line, "duration_min", "missing value (cramps > 0)")
        elif duration is not INVALID and duration <= 0:
            add(DIARY, line, "duration_min", f"{duration} is not more than 0 minutes")
        if severity is None:
            add(DIARY, line, "severity", "missing value (cramps > 0)")
        elif severity is not INVALID and not 1 <= severity <= 10:
            add(DIARY, line, "severity", f"{severity} is outside 1-10")


def _call_date_check(
    line: int, row: dict, ref: ParticipantRef, problems: ProblemLog, warnings: ProblemLog
) -> None:
    """An intervention call before its week began is refused; a screening call
    before its week began (counted from consent) is a warning."""
    call_date, phase, week = row["call_date"], row["phase"], row["week"]
    start = ref.randomized_on if phase == "intervention" else ref.consented_on
    if not known(call_date, start):
        return
    begins = start + timedelta(days=7 * (week - 1))
    if call_date >= begins:
        return
    basis = "randomized_on" if phase == "intervention" else "consented_on"
    message = (
        f"call {call_date} is before {phase} week {week} began "
        f"({begins} = {basis} + {7 * (week - 1)} days)"
    )
    (problems if phase == "intervention" else warnings).add(DIARY, line, "call_date", message)


def screening_deviations(
    participants: dict[str, ParticipantRef], protocol: Protocol, warnings: ProblemLog
) -> None:
    """Warn of each participant randomized without the screening diary the protocol
    asks for (every screening week observed, enough cramps)."""
    needed = protocol.min_screening_cramps or 0
    weeks = protocol.screening_weeks
    for pid, ref in participants.items():
        if ref.screening_weeks_observed < weeks:
            warnings.add(
                PARTICIPANTS,
                ref.line,
                "randomized_on",
                f"{pid} was randomized with {ref.screening_weeks_observed} of {weeks} "
                "screening weeks observed (protocol deviation)",
            )
        if ref.screening_cramps < needed:
            cramps = ref.screening_cramps
            warnings.add(
                PARTICIPANTS,
                ref.line,
                "randomized_on",
                f"{pid} was randomized with {cramps} cramp{'' if cramps == 1 else 's'} in "
                f"the screening diary; the protocol asks for {needed} (protocol deviation)",
            )
