"""A trial of many participants written in bulk (for query counts and the benchmark):
each participant has a complete screening diary and is randomized, with randomization
dates spread over the last nine weeks so the call queue holds due, overdue and coming-up
calls; past intervention weeks are recorded, one in seven not reached."""

from datetime import date, timedelta
from decimal import Decimal

from diary.models import (
    AdverseEvent,
    DiaryWeek,
    Participant,
    Phase,
    ProtocolWeek,
    ScreeningRecord,
    Trial,
)

SPREAD_DAYS = 63


def bulk_participants(trial: Trial, *, count: int, today: date, start: int = 1) -> None:
    sites = list(trial.sites.order_by("code"))
    weeks = list(ProtocolWeek.objects.filter(trial=trial))
    window = trial.call_window_days
    answers = {c.code: c.kind == "inclusion" for c in trial.criteria.all()}
    numbers = range(start, start + count)
    screenings = ScreeningRecord.objects.bulk_create(
        [
            ScreeningRecord(
                trial=trial,
                site=sites[n % len(sites)],
                screening_id=f"B{n:06d}",
                screened_on=today - timedelta(days=(n % SPREAD_DAYS) + 16),
                sex="F" if n % 2 else "M",
                age=65 + n % 20,
                answers=answers,
                eligible=True,
                outcome="enrolled",
            )
            for n in numbers
        ]
    )
    participants = Participant.objects.bulk_create(
        [
            Participant(
                trial=trial,
                site=record.site,
                screening=record,
                participant_id=f"{record.site.code}-B{n:06d}",
                phone=f"+44 20 7946 {n % 10000:04d}",
                consented_on=record.screened_on,
                consent_form_version="v1.0",
                sex=record.sex,
                age=record.age,
                height_cm=Decimal("168.0"),
                weight_kg=Decimal("72.5"),
                hypertension=bool(n % 3),
                diabetes=not n % 5,
                creatinine_mg_dl=Decimal("0.90"),
                randomized_on=record.screened_on + timedelta(days=15),
                bottle_number=n,
            )
            for n, record in zip(numbers, screenings, strict=True)
        ]
    )
    rows, events = [], []
    for n, participant in zip(numbers, participants, strict=True):
        for pw in weeks:
            start_on = (
                participant.consented_on
                if pw.phase == Phase.SCREENING
                else participant.randomized_on
            )
            due = start_on + timedelta(days=7 * pw.week)
            row = DiaryWeek(participant=participant, protocol_week=pw, due_date=due)
            if due + timedelta(days=window) < today:
                if pw.phase == Phase.INTERVENTION and n % 7 == pw.week:
                    row.reached, row.attempts, row.call_date = False, 2, due
                else:
                    cramps = (n + pw.week) % 4
                    row.reached, row.attempts, row.call_date = True, 1, due
                    row.cramps = cramps
                    if cramps:
                        row.duration_min = Decimal("2.50")
                        row.severity = Decimal("5.00")
                    if pw.phase == Phase.INTERVENTION:
                        row.capsules_missed = n % 3
            rows.append(row)
        if n % 10 == 0:
            events.append(
                AdverseEvent(
                    participant=participant,
                    onset_on=participant.randomized_on + timedelta(days=3),
                    term="Nausea",
                    grade="mild",
                    relatedness="possible",
                )
            )
    DiaryWeek.objects.bulk_create(rows, batch_size=2000)
    AdverseEvent.objects.bulk_create(events)
