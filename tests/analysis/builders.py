"""Small helpers that build TrialDatasets for the analysis tests (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.dataset import TrialDataset, coerce_frame

TRIAL = {
    "code": "TEST-NLC",
    "title": "A test trial for nocturnal cramps",
    "screening_weeks": 2,
    "intervention_weeks": 3,
}
ARMS = [
    {"code": "remedy", "label": "Remedy 10 mg", "role": "experimental", "ratio": 1},
    {"code": "dummy", "label": "Dummy capsule", "role": "comparator", "ratio": 1},
]
GROUP_CODES = {"remedy": "B", "dummy": "A"}


def participant(pid: str, arm: str | None, **fields) -> dict:
    """A participants.csv row with plausible defaults."""
    number = int("".join(ch for ch in pid if ch.isdigit()) or 0)
    row = {
        "participant_id": pid,
        "screening_id": f"S{pid}",
        "site_code": "C1",
        "consented_on": "2023-01-02",
        "randomized_on": "2023-01-16",
        "bottle_number": number,
        "arm_code": arm,
        "sex": "F",
        "age": 70,
        "height_cm": 160.0,
        "weight_kg": 55.0,
        "hypertension": False,
        "diabetes": False,
        "creatinine_mg_dl": 0.9,
        "withdrawn_on": None,
        "withdrawal_reason": None,
    }
    row.update(fields)
    return row


def week(pid: str, phase: str, number: int, cramps=None, duration=None, severity=None) -> dict:
    """A diary row; cramps=None means the call did not reach the participant."""
    reached = cramps is not None
    return {
        "participant_id": pid,
        "phase": phase,
        "week": number,
        "call_date": None,
        "reached": reached,
        "cramps": cramps,
        "duration_min": duration if reached and cramps else None,
        "severity": severity if reached and cramps else None,
        "capsules_missed": 0 if reached and phase == "intervention" else None,
    }


def make_dataset(
    participants: list[dict],
    diary: list[dict],
    *,
    screening: list[dict] | None = None,
    adverse_events: list[dict] | None = None,
    arms: list[dict] | None = None,
    trial: dict | None = None,
) -> TrialDataset:
    if screening is None:
        screening = [
            {
                "screening_id": p["screening_id"],
                "site_code": p["site_code"],
                "screened_on": "2023-01-01",
                "sex": p["sex"],
                "age": p["age"],
                "outcome": "enrolled",
                "reason": None,
            }
            for p in participants
        ]
    return TrialDataset(
        trial=dict(trial or TRIAL),
        arms=coerce_frame("arms", arms or ARMS),
        sites=coerce_frame("sites", [{"site_code": "C1", "name": "Centre one"}]),
        screening=coerce_frame("screening", screening),
        participants=coerce_frame("participants", participants),
        diary=coerce_frame("diary", diary),
        adverse_events=coerce_frame("adverse_events", adverse_events or []),
    )


def simulate(
    n: int,
    *,
    seed: int = 0,
    screening_weeks: int = 2,
    intervention_weeks: int = 8,
    missing: float = 0.05,
    effect: float = 0.3,
) -> TrialDataset:
    """A random trial of `n` participants (vectorised; fit for 100,000 and more)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"P{i:06d}" for i in range(n)], dtype=object)
    experimental = rng.random(n) < 0.5
    arm = np.where(experimental, ARMS[0]["code"], ARMS[1]["code"]).astype(object)
    randomized = pd.Timestamp("2023-01-16") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")
    withdrawn = rng.random(n) < 0.1
    withdrawn_on = randomized + pd.to_timedelta(rng.integers(1, 7 * intervention_weeks + 5, n), "D")
    participants = pd.DataFrame(
        {
            "participant_id": ids,
            "screening_id": np.array([f"S{i:06d}" for i in range(n)], dtype=object),
            "site_code": np.where(rng.random(n) < 0.5, "C1", "C2").astype(object),
            "consented_on": randomized - pd.Timedelta(days=14),
            "randomized_on": randomized,
            "bottle_number": np.arange(1, n + 1),
            "arm_code": arm,
            "sex": np.where(rng.random(n) < 0.54, "F", "M").astype(object),
            "age": rng.integers(65, 90, n).astype(float),
            "height_cm": np.round(rng.normal(158.5, 6, n), 1),
            "weight_kg": np.round(rng.normal(52.5, 5.6, n), 1),
            "hypertension": rng.random(n) < 0.68,
            "diabetes": rng.random(n) < 0.5,
            "creatinine_mg_dl": np.round(np.abs(rng.normal(0.89, 0.3, n)), 2),
            "withdrawn_on": pd.Series(withdrawn_on).where(withdrawn),
            "withdrawal_reason": np.where(withdrawn, "moved away", None).astype(object),
        }
    )
    rate = rng.gamma(4, 2.7 / 4, n)
    phases = [("screening", screening_weeks, 1.0), ("intervention", intervention_weeks, None)]
    frames = []
    for phase, weeks, scale in phases:
        factor = np.where(experimental, effect, 1.0) if scale is None else np.ones(n)
        rows = n * weeks
        cramps = rng.poisson(np.repeat(rate * factor, weeks)).astype(float)
        reached = rng.random(rows) >= missing
        some = reached & (cramps > 0)
        frames.append(
            pd.DataFrame(
                {
                    "participant_id": np.repeat(ids, weeks),
                    "phase": phase,
                    "week": np.tile(np.arange(1, weeks + 1), n),
                    "call_date": pd.NaT,
                    "reached": reached,
                    "cramps": np.where(reached, cramps, np.nan),
                    "duration_min": np.where(
                        some, np.round(rng.gamma(2, 0.6, rows) + 0.01, 2), np.nan
                    ),
                    "severity": np.where(some, np.round(rng.uniform(1, 10, rows), 2), np.nan),
                    "capsules_missed": np.where(reached, rng.integers(0, 3, rows), np.nan),
                }
            )
        )
    diary = pd.concat(frames, ignore_index=True)
    events = participants.sample(n=max(1, n // 10), random_state=seed)
    adverse = pd.DataFrame(
        {
            "participant_id": events["participant_id"].to_numpy(),
            "onset_on": events["randomized_on"].to_numpy(),
            "term": "headache",
            "serious": rng.random(len(events)) < 0.1,
            "grade": "mild",
            "relatedness": rng.choice(["unrelated", "unlikely", "possible"], len(events)),
            "outcome": "recovered",
            "resolved_on": pd.NaT,
        }
    )
    screening = pd.DataFrame(
        {
            "screening_id": participants["screening_id"],
            "site_code": participants["site_code"],
            "screened_on": participants["consented_on"],
            "sex": participants["sex"],
            "age": participants["age"],
            "outcome": "enrolled",
            "reason": None,
        }
    )
    return TrialDataset(
        trial={
            "code": "SIM",
            "title": "A simulated trial",
            "screening_weeks": screening_weeks,
            "intervention_weeks": intervention_weeks,
        },
        arms=coerce_frame("arms", ARMS),
        sites=coerce_frame(
            "sites", [{"site_code": "C1", "name": "One"}, {"site_code": "C2", "name": "Two"}]
        ),
        screening=coerce_frame("screening", screening),
        participants=coerce_frame("participants", participants),
        diary=coerce_frame("diary", diary),
        adverse_events=coerce_frame("adverse_events", adverse),
    )


def tiny_trial() -> TrialDataset:
    """2 + 2 participants, 2 screening and 3 intervention weeks, worked by hand in
    tests/analysis/test_tiny_trial.py. P1, P2 take the remedy (experimental);
    P3, P4 the dummy (comparator). P2 misses intervention week 2 (call not
    reached) and P4 has no row for week 3; P1's week 3 has no cramp; P2 has no
    observed second screening week; P2 withdraws on day 10, P4 on day 21 (the
    last day of the intervention, so P4 completed)."""
    participants = [
        participant(
            "P1", "remedy", sex="F", age=70, height_cm=160.0, weight_kg=50.0,
            hypertension=True, diabetes=False, creatinine_mg_dl=0.80,
        ),
        participant(
            "P2", "remedy", sex="M", age=80, height_cm=170.0, weight_kg=60.0,
            hypertension=False, diabetes=True, creatinine_mg_dl=1.00,
            withdrawn_on="2023-01-26", withdrawal_reason="moved away",
        ),
        participant(
            "P3", "dummy", sex="F", age=66, height_cm=150.0, weight_kg=55.0,
            hypertension=True, diabetes=True, creatinine_mg_dl=0.90,
        ),
        participant(
            "P4", "dummy", sex="F", age=72, height_cm=156.0, weight_kg=45.0,
            hypertension=True, diabetes=False, creatinine_mg_dl=None,
            withdrawn_on="2023-02-06", withdrawal_reason="tired of calls",
        ),
    ]  # fmt: skip
    s, i = "screening", "intervention"
    diary = [
        week("P1", s, 1, 2, 1.0, 4.0), week("P1", s, 2, 4, 2.0, 6.0),
        week("P2", s, 1, 3, 1.0, 5.0), week("P2", s, 2, None),
        week("P3", s, 1, 2, 2.0, 3.0), week("P3", s, 2, 2, 1.0, 5.0),
        week("P4", s, 1, 4, 1.0, 6.0), week("P4", s, 2, 2, 3.0, 4.0),
        week("P1", i, 1, 1, 1.0, 2.0), week("P1", i, 2, 2, 0.5, 3.0), week("P1", i, 3, 0),
        week("P2", i, 1, 2, 1.5, 4.0), week("P2", i, 2, None), week("P2", i, 3, 1, 1.0, 2.0),
        week("P3", i, 1, 3, 2.0, 5.0), week("P3", i, 2, 4, 1.0, 6.0), week("P3", i, 3, 2, 1.5, 4.0),
        week("P4", i, 1, 5, 1.0, 7.0), week("P4", i, 2, 2, 2.0, 3.0),
    ]  # fmt: skip
    screened = [
        {"screening_id": f"SP{n}", "site_code": "C1", "screened_on": "2023-01-01", "sex": "F",
         "age": 70, "outcome": "enrolled", "reason": None}
        for n in range(1, 5)
    ] + [
        {"screening_id": "S9", "site_code": "C1", "screened_on": "2023-01-01", "sex": "M",
         "age": 68, "outcome": "not_meeting_inclusion", "reason": "one cramp in screening"},
        {"screening_id": "S8", "site_code": "C1", "screened_on": "2023-01-02", "sex": "F",
         "age": 75, "outcome": "declined", "reason": None},
    ]  # fmt: skip
    events = [
        {"participant_id": "P1", "onset_on": "2023-01-20", "term": "headache",
         "serious": False, "grade": "mild", "relatedness": "unrelated",
         "outcome": "recovered", "resolved_on": "2023-01-21"},
        {"participant_id": "P1", "onset_on": "2023-01-25", "term": "rash",
         "serious": False, "grade": "mild", "relatedness": "possible",
         "outcome": "recovered", "resolved_on": None},
        {"participant_id": "P3", "onset_on": "2023-01-30", "term": "fall",
         "serious": True, "grade": "severe", "relatedness": "unlikely",
         "outcome": "recovered", "resolved_on": None},
    ]  # fmt: skip
    return make_dataset(participants, diary, screening=screened, adverse_events=events)
