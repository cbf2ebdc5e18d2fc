"""The rules of diary.csv: each participant-week once and within the protocol, and
the diary week's declared rules as entry applies them (values present exactly as
`reached` and `cramps` say, a call not before its week began, no reached call for a
week that began after the withdrawal). Screening-diary totals are kept for the
deviation warnings."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from diary.declarations import Context
from diary.declarations.records import call_window
from diary.package.problems import ProblemLog
from diary.package.protocol import Protocol
from diary.package.reader import Table
from diary.package.rows import known, rule_verdicts, rules_check, typed_rows
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
    spec = FILES[DIARY]
    today = timezone.localdate()
    verdicts = rule_verdicts(spec)
    for line, row in typed_rows(table, spec, problems, today=today):
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
        context = None
        if ref is not None and known(phase, week) and week <= weeks[phase]:
            start = ref.randomized_on if phase == "intervention" else ref.consented_on
            # Historical calls outside their window are deviations, listed as warnings.
            context = Context(
                {"phase": phase, "week": week, "start": start, "withdrawn_on": ref.withdrawn_on}
            )
            _window_warning(line, row, start, week, protocol, warnings)
        rules_check(spec, line, row, problems, context=context, today=today, verdicts=verdicts)
        screening_week = known(phase, week) and phase == "screening"
        if ref is not None and screening_week and row["reached"] is True and known(row["cramps"]):
            ref.screening_cramps += row["cramps"]
            ref.screening_weeks_observed += 1
    return count


def _window_warning(line, row, start, week, protocol, warnings: ProblemLog) -> None:
    call_date = row["call_date"]
    if row["reached"] is not True or not known(call_date, start):
        return
    due = start + timedelta(days=7 * week)
    first, last = call_window(due=due, window_days=protocol.call_window_days)
    if not first <= call_date <= last:
        warnings.add(
            DIARY,
            line,
            "call_date",
            f"call {call_date} is outside the week's window {first} to {last} (protocol deviation)",
        )


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
