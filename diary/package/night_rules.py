"""The rules of nights.csv and cramp_events.csv (the electronic diary): each
participant-night once, within the participant's follow-up as entry has it (not
before consent, not after the withdrawal or the last intervention week), and a
reported night with exactly as many cramp_events.csv rows as its `cramps`."""

from datetime import date, timedelta

from django.utils import timezone

from diary.declarations import Context
from diary.package.diary_rules import ParticipantRef, participant_ref
from diary.package.problems import ProblemLog
from diary.package.protocol import Protocol
from diary.package.reader import Table
from diary.package.rows import known, rule_verdicts, rules_check, typed_rows
from diary.package.schema import CRAMP_EVENTS, FILES, NIGHTS


def _context(ref: ParticipantRef, protocol: Protocol) -> Context:
    end = None
    if ref.randomized_on is not None:
        end = ref.randomized_on + timedelta(days=7 * protocol.intervention_weeks - 1)
    return Context(
        {"consented_on": ref.consented_on, "withdrawn_on": ref.withdrawn_on, "follow_up_end": end}
    )


def nights_check(
    table: Table,
    *,
    protocol: Protocol,
    participants: dict[str, ParticipantRef] | None,
    problems: ProblemLog,
) -> dict[tuple[str, date], tuple[int, int | None]]:
    """Check every night; return {(participant_id, night): (line, cramps)}, cramps
    None for a night not reported."""
    spec = FILES[NIGHTS]
    today = timezone.localdate()
    seen: dict[tuple[str, date], tuple[int, int | None]] = {}
    verdicts = rule_verdicts(spec)
    for line, row in typed_rows(table, spec, problems, today=today):
        pid, night = row["participant_id"], row["night"]
        ref = participant_ref(participants, NIGHTS, line, pid, problems)
        context = _context(ref, protocol) if ref is not None else None
        rules_check(spec, line, row, problems, context=context, today=today, verdicts=verdicts)
        if not known(pid, night):
            continue
        if (pid, night) in seen:
            problems.add(
                NIGHTS,
                line,
                "night",
                f"duplicate participant-night ({pid}, {night}; first on line "
                f"{seen[(pid, night)][0]})",
            )
            continue
        cramps = row["cramps"] if row["reported"] is True and known(row["cramps"]) else None
        seen[(pid, night)] = (line, cramps)
    return seen


def cramp_events_check(
    table: Table | None,
    *,
    nights: dict[tuple[str, date], tuple[int, int | None]] | None,
    problems: ProblemLog,
) -> int:
    """Check every cramp row against its night; return the number of rows."""
    counts: dict[tuple[str, date], int] = {}
    count = 0
    if table is not None:
        spec = FILES[CRAMP_EVENTS]
        verdicts = rule_verdicts(spec)
        for line, row in typed_rows(table, spec, problems):
            count += 1
            rules_check(spec, line, row, problems, verdicts=verdicts)
            pid, night = row["participant_id"], row["night"]
            if not known(pid, night) or nights is None:
                continue
            found = nights.get((pid, night))
            if found is None or found[1] is None:
                problems.add(
                    CRAMP_EVENTS,
                    line,
                    "night",
                    f"no reported night {night} of {pid} in {NIGHTS}",
                )
                continue
            counts[(pid, night)] = counts.get((pid, night), 0) + 1
    for (pid, night), (line, cramps) in (nights or {}).items():
        held = counts.get((pid, night), 0)
        if cramps is not None and held != cramps:
            problems.add(
                NIGHTS,
                line,
                "cramps",
                f"night {night} of {pid} has cramps {cramps} but {CRAMP_EVENTS} holds "
                f"{held} row{'' if held == 1 else 's'} for it",
            )
    return count
