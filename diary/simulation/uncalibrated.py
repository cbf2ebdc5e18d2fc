"""Trials on the reference protocol drawn from a model, without calibration: a
null-effect trial (both arms alike) and large trials for benchmarks. Generation
is vectorised, so 100,000 participants take seconds."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diary.simulation.frames import (
    DiaryArrays,
    adverse_event_frame,
    allocation_frame,
    diary_frame,
    participant_frame,
    screening_frame,
)
from diary.simulation.plan import REFERENCE_ARMS, REFERENCE_SITES, REFERENCE_TRIAL, TrialPlan
from diary.simulation.published import COMPARATOR, EXPERIMENTAL, published
from diary.simulation.timeline import DAY, enrol, follow_up, weekday_dates

SCREENING_FROM, SCREENING_TO = "2022-09-01", "2023-10-06"
AE_TERMS = np.array(
    [
        "Upper respiratory tract infection",
        "Abdominal discomfort",
        "Dizziness",
        "Constipation",
        "Headache",
        "Fall with knee contusion",
        "Toothache",
    ],
    dtype=object,
)


@dataclass(frozen=True)
class Effect:
    """Intervention cramp rate as a multiple of the participant's baseline rate,
    and the shift of severity and duration (on their log scale), per arm."""

    rate: dict
    log_shift: dict


NO_EFFECT = Effect(
    rate={EXPERIMENTAL: 0.85, COMPARATOR: 0.85},
    log_shift={EXPERIMENTAL: -0.3, COMPARATOR: -0.3},
)
# roughly the reference trial's effect (vitamin K2 cuts cramps to about a third)
REFERENCE_LIKE = Effect(
    rate={EXPERIMENTAL: 0.37, COMPARATOR: 1.3},
    log_shift={EXPERIMENTAL: -0.9, COMPARATOR: -0.4},
)


def _screening_log(rng, participants: int):
    """Everyone screened, in the reference trial's proportions."""
    consort = published()["consort"]
    scale = participants / consort["randomized"]
    others = {
        key: int(round(consort[key] * scale))
        for key in ("not_meeting_inclusion", "meeting_exclusion", "declined")
    }
    n = participants + sum(others.values())
    outcome = np.array(
        ["enrolled"] * participants + [k for k, m in others.items() for _ in range(m)],
        dtype=object,
    )
    rng.shuffle(outcome)
    reason = np.full(n, None, dtype=object)
    reason[outcome == "not_meeting_inclusion"] = "Fewer than 2 leg cramps in the past 2 weeks"
    reason[outcome == "declined"] = "Declined to participate"
    texts = np.array(list(consort["meeting_exclusion_detail"]), dtype=object)
    weights = np.array(list(consort["meeting_exclusion_detail"].values()), dtype=float)
    excluded = outcome == "meeting_exclusion"
    reason[excluded] = rng.choice(texts, p=weights / weights.sum(), size=excluded.sum())
    screened_on = weekday_dates(rng, n, SCREENING_FROM, SCREENING_TO)
    site = rng.choice(REFERENCE_SITES["site_code"].to_numpy(), size=n)
    sex = np.where(rng.random(n) < 0.54, "F", "M").astype(object)
    age = np.round(65 + rng.gamma(1.8, 4.1, n)).astype(float)
    return screened_on, site, outcome, reason, age, sex


def _block_list(rng, n: int) -> np.ndarray:
    """A 1:1 randomization list in permuted blocks of 4."""
    blocks = -(-n // 4)
    base = np.array([EXPERIMENTAL, EXPERIMENTAL, COMPARATOR, COMPARATOR], dtype=object)
    return rng.permuted(np.tile(base, (blocks, 1)), axis=1).ravel()[:n]


def _characteristics(rng, sex: np.ndarray, age: np.ndarray) -> dict:
    n = len(sex)
    female = sex == "F"
    height = np.where(female, rng.normal(153.5, 4.3, n), rng.normal(164.0, 4.8, n))
    height = np.clip(height, 138, 185)
    weight = np.clip(52.5 + 0.45 * (height - 158.5) + rng.normal(0, 4.3, n), 36, 80)
    creatinine = np.clip(np.where(female, 0.78, 0.95) * np.exp(rng.normal(0, 0.22, n)), 0.4, 4)
    return {
        "sex": sex,
        "age": age,
        "height_cm": np.round(height, 1),
        "weight_kg": np.round(weight, 1),
        "hypertension": rng.random(n) < 0.68,
        "diabetes": rng.random(n) < 0.5,
        "creatinine_mg_dl": np.round(creatinine, 2),
    }


def _dither(rng, x: np.ndarray) -> np.ndarray:
    floor = np.floor(x)
    return (floor + (rng.random(x.shape) < x - floor)).astype(np.int64)


def _diary_values(rng, arms: np.ndarray, observed: np.ndarray, effect: Effect) -> dict:
    """Counts, durations and severities of the screening and intervention weeks."""
    n, weeks = observed.shape
    screening = 1 + rng.binomial(6, rng.beta(8, 22, n)[:, None], (n, 2))
    baseline_rate = screening.mean(axis=1)
    multiplier = np.where(arms == EXPERIMENTAL, effect.rate[EXPERIMENTAL], effect.rate[COMPARATOR])
    rate = baseline_rate * multiplier * rng.gamma(3.0, 1 / 3.0, n)
    noise = np.sqrt(0.6 * rate)[:, None] * rng.standard_normal((n, weeks))
    counts = _dither(rng, np.maximum(rate[:, None] + noise, 0.0))
    shift = np.where(
        arms == EXPERIMENTAL, effect.log_shift[EXPERIMENTAL], effect.log_shift[COMPARATOR]
    )
    level = rng.standard_normal(n)

    def severity(loc, shape):
        latent = loc + 0.45 * level[:, None] + 0.35 * rng.standard_normal(shape)
        return np.round(1 + np.minimum(np.exp(latent), 9.0), 2)

    def duration(loc, shape):
        latent = loc + 0.5 * level[:, None] + 0.45 * rng.standard_normal(shape)
        return np.round(np.clip(np.exp(latent), 0.05, 10.0), 2)

    return {
        "screening_counts": screening,
        "screening_severity": severity(np.log(2.2), (n, 2)),
        "screening_duration": duration(np.log(1.0), (n, 2)),
        "counts": counts,
        "severity": severity(np.log(2.2) + shift[:, None], (n, weeks)),
        "duration": duration(np.log(1.0) + shift[:, None], (n, weeks)),
        "capsules_missed": np.minimum(rng.geometric(0.72, (n, weeks)) - 1, 7),
    }


def _adverse_events(rng, participants: pd.DataFrame) -> pd.DataFrame:
    """About 3.5 events per 100 participants, none related to the capsules."""
    k = rng.binomial(len(participants), 0.035)
    who = participants.iloc[rng.choice(len(participants), k, replace=False)]
    last = who["withdrawn_on"].fillna(who["randomized_on"] + pd.Timedelta(days=55))
    span = np.maximum((last - who["randomized_on"]).dt.days.to_numpy() - 1, 1)
    onset = who["randomized_on"].to_numpy() + (1 + rng.integers(0, span)) * DAY
    serious = rng.random(k) < 0.05
    rows = pd.DataFrame(
        {
            "participant_id": who["participant_id"].to_numpy(),
            "onset_on": onset,
            "term": np.where(
                serious,
                "Community-acquired pneumonia requiring hospital admission",
                AE_TERMS[rng.integers(len(AE_TERMS), size=k)],
            ),
            "serious": serious,
            "grade": np.where(serious, "severe", np.where(rng.random(k) < 0.8, "mild", "moderate")),
            "relatedness": np.where(rng.random(k) < 0.7, "unrelated", "unlikely"),
            "outcome": "recovered",
            "resolved_on": onset + rng.integers(1, 15, k) * DAY,
        }
    )
    return adverse_event_frame(rows.to_dict("records"))


def _simulate(preset: str, seed: int, participants: int, effect: Effect) -> TrialPlan:
    if participants < 2:
        raise ValueError("a trial needs at least 2 participants")
    rng = np.random.default_rng(seed)
    weeks = REFERENCE_TRIAL["intervention_weeks"]
    screened_on, site, outcome, reason, age, sex = _screening_log(rng, participants)
    enrolled = np.flatnonzero(outcome == "enrolled")
    age[enrolled] = np.maximum(age[enrolled], 65)
    enrolment = enrol(rng, screened_on, site, enrolled, REFERENCE_TRIAL["screening_weeks"])
    arms = _block_list(rng, participants)
    chars = _characteristics(rng, sex[enrolment.screening_index], age[enrolment.screening_index])
    withdrawers = np.flatnonzero(rng.random(participants) < 0.105)
    follow = follow_up(rng, enrolment.randomized_on, withdrawers, weeks)
    values = _diary_values(rng, arms, follow.observed, effect)
    width = max(3, len(str(len(outcome))))
    numbers = np.char.zfill(np.arange(1, len(outcome) + 1).astype(str), width)
    screening = screening_frame(
        np.char.add("S", numbers).astype(object),
        site,
        screened_on,
        sex,
        age,
        outcome,
        reason,
    )
    people = participant_frame(enrolment, arms, chars, follow, screening)
    diary = diary_frame(
        people["participant_id"].to_numpy(),
        DiaryArrays(
            screening_calls=enrolment.screening_calls,
            call_date=follow.call_date,
            has_row=follow.has_row,
            observed=follow.observed,
            **values,
        ),
    )
    return TrialPlan(
        preset=preset,
        seed=seed,
        trial=dict(REFERENCE_TRIAL),
        arms=REFERENCE_ARMS.copy(),
        sites=REFERENCE_SITES.copy(),
        screening=screening,
        participants=people,
        allocation=allocation_frame(arms),
        diary=diary,
        adverse_events=_adverse_events(rng, people),
        notes={"effect": "none" if effect is NO_EFFECT else "reference-like"},
    )


def plan_null_trial(seed: int = 0, participants: int = 199) -> TrialPlan:
    """The reference protocol with no difference between the arms: both arms'
    cramps fall alike from baseline (a placebo response), severity and duration
    too. Randomized 1:1 in permuted blocks of 4."""
    return _simulate("null-effect", seed, participants, NO_EFFECT)


def plan_scale_trial(seed: int = 0, participants: int = 10_000) -> TrialPlan:
    """A large trial on the reference protocol with an effect like the paper's,
    for benchmarks: 2 screening and 8 intervention weeks per participant, missed
    calls and withdrawals at the reference trial's rates."""
    return _simulate("scale", seed, participants, REFERENCE_LIKE)
