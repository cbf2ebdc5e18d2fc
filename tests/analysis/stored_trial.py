"""A small trial stored in the database, with every kind of row the loader reads:
screening outcomes, randomized and not-randomized participants, reached, missed and
not-yet-called weeks, weeks without cramps, adverse events."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.utils import timezone

from diary.crypto import seal_arm
from diary.models import (
    AdverseEvent,
    DiaryWeek,
    ListEntry,
    Participant,
    Phase,
    RandomizationList,
    ScreeningRecord,
    Trial,
)
from diary.services.calls import diary_weeks_schedule
from tests.factories import enrol, make_trial

START = date(2023, 1, 2)


def stored_trial(*, randomized: int = 12, seed: int = 7, trial: Trial | None = None) -> Trial:
    """The reference protocol with `randomized` participants allocated 1:1 in blocks of 4."""
    rng = np.random.default_rng(seed)
    trial = trial or make_trial()
    sites = list(trial.sites.order_by("code"))
    arms = list(trial.arms.order_by("role").values_list("code", flat=True))  # comparator first
    listing = RandomizationList.objects.create(
        trial=trial, source="generated", method="blocks", seed=seed, sha256="0" * 64
    )
    bottles = max(64, randomized + 4)
    ListEntry.objects.bulk_create(
        ListEntry(
            randomization_list=listing,
            bottle_number=b,
            arm_sealed=seal_arm(arms[(b + (b - 1) // 4) % 2]),
        ).seal(block=(b - 1) // 4 + 1, stratum="")
        for b in range(1, bottles + 1)
    )
    add_randomized(trial, range(randomized), rng)
    # Enrolled but never randomized (too few screening cramps), and screen failures.
    enrol(trial, sites[0], screened_on=START, participant_id="C1-900")
    for n, (outcome, reason) in enumerate(
        [("declined", "No time, travels"), ("not_meeting_inclusion", "Age under 65")]
    ):
        ScreeningRecord.objects.create(
            trial=trial,
            site=sites[n % len(sites)],
            screening_id=f"X{n:03d}",
            screened_on=START,
            sex="M",
            age=60 + n,
            answers={},
            eligible=outcome == "declined",
            outcome=outcome,
            reason=reason,
        )
    return trial


def add_randomized(trial: Trial, numbers, rng) -> None:
    """Enrol and randomize participants number i (bottle i + 1), with their diaries."""
    sites = list(trial.sites.order_by("code"))
    for i in numbers:
        site = sites[i % len(sites)]
        p = enrol(
            trial,
            site,
            screened_on=START + timedelta(days=i),
            participant_id=f"{site.code}-{i + 1:03d}",
            sex="F" if i % 3 else "M",
            age=65 + int(rng.integers(0, 20)),
            height_cm=Decimal("150.0") + int(rng.integers(0, 300)) / Decimal(10),
            weight_kg=Decimal("50.0") + int(rng.integers(0, 400)) / Decimal(10),
            hypertension=bool(i % 2) if i != 3 else None,
            diabetes=i % 5 == 0,
            creatinine_mg_dl=Decimal("0.60") + int(rng.integers(0, 80)) / Decimal(100),
        )
        randomized_on = p.consented_on + timedelta(days=14)
        Participant.objects.filter(pk=p.pk).update(
            randomized_on=randomized_on,
            bottle_number=i + 1,
            withdrawn_on=randomized_on + timedelta(days=30) if i == 5 else None,
            withdrawal_reason="Moved away, no phone" if i == 5 else "",
        )
        diary_weeks_schedule(participant=p, phase=Phase.INTERVENTION, start=randomized_on)
        _fill_weeks(p, rng, withdrawn=i == 5, uncalled=i == 7)
        if i % 4 == 1:
            AdverseEvent.objects.create(
                participant=p,
                onset_on=randomized_on + timedelta(days=10),
                term="Headache, mild" if i % 8 == 1 else 'Rash on "left" arm',
                serious=i == 9,
                grade="moderate" if i == 9 else "mild",
                relatedness="possible" if i % 8 == 1 else "unrelated",
                outcome="" if i == 1 else "Resolved",
                resolved_on=None if i == 1 else randomized_on + timedelta(days=15),
            )


def _fill_weeks(p: Participant, rng, *, withdrawn: bool, uncalled: bool) -> None:
    weeks = DiaryWeek.objects.filter(participant=p).select_related("protocol_week")
    for dw in weeks:
        phase, week = dw.protocol_week.phase, dw.protocol_week.week
        if withdrawn and phase == Phase.INTERVENTION and week > 4:
            continue  # no row values after the withdrawal
        if uncalled and phase == Phase.INTERVENTION and week == 8:
            continue  # not called yet: reached stays empty
        dw.call_date = dw.due_date
        dw.attempts = 1
        if rng.random() < 0.12:
            dw.reached = False
        else:
            dw.reached = True
            dw.cramps = int(rng.poisson(2.5))
            if dw.cramps:
                dw.duration_min = Decimal(int(rng.integers(50, 900))) / 100
                dw.severity = Decimal(int(rng.integers(100, 1000))) / 100
            dw.capsules_missed = int(rng.integers(0, 3)) if phase == Phase.INTERVENTION else None
        dw.updated_at = timezone.now()
        dw.save()
