"""The reference trial (vitamin K2 vs placebo for nocturnal leg cramps), simulated
so that its intention-to-treat report reproduces every published figure."""

import re

import numpy as np
import pandas as pd

from diary.simulation.characteristics import characteristics
from diary.simulation.figures import figure_mismatches
from diary.simulation.frames import (
    DiaryArrays,
    adverse_event_frame,
    allocation_frame,
    diary_frame,
    participant_frame,
    screening_frame,
)
from diary.simulation.outcomes import reference_outcomes
from diary.simulation.plan import REFERENCE_ARMS, REFERENCE_SITES, REFERENCE_TRIAL, TrialPlan
from diary.simulation.published import ARM_CODES, COMPARATOR, EXPERIMENTAL, published
from diary.simulation.timeline import DAY, enrol, follow_up, weekday_dates

PRESET = "vitk2-nlc-2024"
SCREENING_FROM, SCREENING_TO = "2022-09-01", "2023-10-06"

# why candidates did not meet an inclusion criterion at screening (with shares)
NOT_MEETING_INCLUSION_REASONS = [
    ("Younger than 65 years", 0.2),
    ("Fewer than 2 leg cramps in the past 2 weeks", 0.5),
    ("Leg cramps not nocturnal", 0.3),
]
DECLINED_REASON = "Declined to participate"

# (term, grade) of the non-serious adverse events reported during follow-up
AE_TERMS = [
    ("Upper respiratory tract infection", "mild"),
    ("Abdominal discomfort", "mild"),
    ("Dizziness", "mild"),
    ("Constipation", "mild"),
    ("Headache", "mild"),
    ("Fall with knee contusion", "moderate"),
    ("Toothache", "mild"),
]


def derived_baselines(pub: dict) -> dict:
    """Baseline severity and duration implied by the paper (intervention mean minus
    change), read from the published file's note."""
    note = pub["baseline"]["derived_note"]
    out = {}
    for outcome in ("severity", "duration"):
        match = re.search(rf"{outcome} ([\d.]+) / ([\d.]+)", note)
        out[outcome] = {EXPERIMENTAL: float(match[1]), COMPARATOR: float(match[2])}
    return out


def _screening_log(rng: np.random.Generator, consort: dict):
    """Dates, sites, outcomes and reasons of everyone screened."""
    n = consort["screened"]
    screened_on = weekday_dates(rng, n, SCREENING_FROM, SCREENING_TO)
    site = rng.choice(REFERENCE_SITES["site_code"].to_numpy(), p=[0.52, 0.48], size=n)
    outcome = np.array(
        ["enrolled"] * consort["randomized"]
        + ["not_meeting_inclusion"] * consort["not_meeting_inclusion"]
        + ["meeting_exclusion"] * consort["meeting_exclusion"]
        + ["declined"] * consort["declined"],
        dtype=object,
    )
    rng.shuffle(outcome)
    reason = np.full(n, None, dtype=object)
    nmi = np.flatnonzero(outcome == "not_meeting_inclusion")
    texts, weights = zip(*NOT_MEETING_INCLUSION_REASONS, strict=True)
    reason[nmi] = rng.choice(np.array(texts, dtype=object), p=np.array(weights), size=len(nmi))
    excl = rng.permutation(np.flatnonzero(outcome == "meeting_exclusion"))
    start = 0
    for text, k in consort["meeting_exclusion_detail"].items():
        reason[excl[start : start + k]] = text
        start += k
    reason[outcome == "declined"] = DECLINED_REASON
    # age and sex of those not enrolled (the enrolled get theirs from Table 1)
    age = np.round(65 + rng.gamma(1.8, 4.2, n)).astype(float)
    young = reason == NOT_MEETING_INCLUSION_REASONS[0][0]
    age[young] = rng.integers(58, 65, young.sum())
    sex = np.where(rng.random(n) < 0.55, "F", "M").astype(object)
    return screened_on, site, outcome, reason, age, sex


def _adverse_events(rng, participants: pd.DataFrame) -> pd.DataFrame:
    """A few adverse events, none related to the capsules: one serious (a placebo
    participant admitted to hospital with pneumonia, who then withdrew) and some
    mild ones in both arms."""
    rows = []
    p = participants
    withdrew = p[p["withdrawn_on"].notna() & (p["arm_code"] == COMPARATOR)]
    late = withdrew[(withdrew["withdrawn_on"] - withdrew["randomized_on"]).dt.days >= 14]
    serious = late.iloc[int(rng.integers(len(late)))]
    onset = serious["withdrawn_on"] - pd.Timedelta(days=2)
    rows.append(
        {
            "participant_id": serious["participant_id"],
            "onset_on": onset,
            "term": "Community-acquired pneumonia requiring hospital admission",
            "serious": True,
            "grade": "severe",
            "relatedness": "unrelated",
            "outcome": "recovered",
            "resolved_on": onset + pd.Timedelta(days=int(rng.integers(10, 18))),
        }
    )
    p.loc[p["participant_id"] == serious["participant_id"], "withdrawal_reason"] = (
        "Admitted to hospital with pneumonia (unrelated to the study)"
    )
    terms = rng.permutation(len(AE_TERMS))[:6]
    candidates = p[p["participant_id"] != serious["participant_id"]]
    for k, term_index in enumerate(terms):
        arm = EXPERIMENTAL if k % 2 == 0 else COMPARATOR
        pool = candidates[candidates["arm_code"] == arm]
        who = pool.iloc[int(rng.integers(len(pool)))]
        last = (
            who["withdrawn_on"]
            if pd.notna(who["withdrawn_on"])
            else (who["randomized_on"] + pd.Timedelta(days=55))
        )
        span = max((last - who["randomized_on"]).days - 1, 1)
        onset = who["randomized_on"] + pd.Timedelta(days=1 + int(rng.integers(span)))
        term, grade = AE_TERMS[term_index]
        rows.append(
            {
                "participant_id": who["participant_id"],
                "onset_on": onset,
                "term": term,
                "serious": False,
                "grade": grade,
                "relatedness": "unlikely" if rng.random() < 0.4 else "unrelated",
                "outcome": "recovered",
                "resolved_on": onset + pd.Timedelta(days=int(rng.integers(1, 15))),
            }
        )
    return adverse_event_frame(rows)


def _diary_arrays(arms, per_arm, enrolment, follow) -> DiaryArrays:
    """The arms' diary values put back in randomization order."""
    fields = {}
    for name in (
        "screening_counts",
        "screening_duration",
        "screening_severity",
        "counts",
        "duration",
        "severity",
        "capsules_missed",
    ):
        first = getattr(per_arm[EXPERIMENTAL], name)
        full = np.zeros((len(arms), first.shape[1]), dtype=first.dtype)
        for arm in ARM_CODES:
            full[arms == arm] = getattr(per_arm[arm], name)
        fields[name] = full
    return DiaryArrays(
        screening_calls=enrolment.screening_calls,
        call_date=follow.call_date,
        has_row=follow.has_row,
        observed=follow.observed,
        **fields,
    )


def plan_reference_trial(seed: int = 2024, check: bool = True) -> TrialPlan:
    """Every row of the simulated reference trial, from `seed`.

    With `check` (the default) the plan's own recomputation of the published
    figures must agree with vitk2_nlc_2024.json, else RuntimeError.
    """
    pub = published()
    consort = pub["consort"]
    rng = np.random.default_rng(seed)
    screened_on, site, outcome, reason, age, sex = _screening_log(rng, consort)
    enrolled_rows = np.flatnonzero(outcome == "enrolled")
    enrolment = enrol(rng, screened_on, site, enrolled_rows, REFERENCE_TRIAL["screening_weeks"])
    n = len(enrolled_rows)
    arms = np.array(
        [EXPERIMENTAL] * consort["allocated"][EXPERIMENTAL]
        + [COMPARATOR] * consort["allocated"][COMPARATOR],
        dtype=object,
    )
    rng.shuffle(arms)  # the randomization list, bottle 1..n
    chars = characteristics(rng, arms, pub["table1"])
    age[enrolment.screening_index] = chars["age"]
    sex[enrolment.screening_index] = chars["sex"]

    withdrawers = np.concatenate(
        [
            rng.choice(
                np.flatnonzero(arms == arm),
                consort["allocated"][arm] - consort["completed"][arm],
                replace=False,
            )
            for arm in ARM_CODES
        ]
    )
    weeks = REFERENCE_TRIAL["intervention_weeks"]
    follow = follow_up(rng, enrolment.randomized_on, np.sort(withdrawers), weeks)
    per_arm = reference_outcomes(rng, arms, follow.observed, pub, derived_baselines(pub))

    screening = screening_frame(
        [f"S{k + 1:03d}" for k in range(len(screened_on))],
        site,
        screened_on,
        sex,
        age,
        outcome,
        reason,
    )
    participants = participant_frame(enrolment, arms, chars, follow, screening)
    adverse_events = _adverse_events(rng, participants)
    diary = diary_frame(
        participants["participant_id"].to_numpy(), _diary_arrays(arms, per_arm, enrolment, follow)
    )
    plan = TrialPlan(
        preset=PRESET,
        seed=seed,
        trial=dict(REFERENCE_TRIAL),
        arms=REFERENCE_ARMS.copy(),
        sites=REFERENCE_SITES.copy(),
        screening=screening,
        participants=participants,
        allocation=allocation_frame(arms),
        diary=diary,
        adverse_events=adverse_events,
        notes={
            "participants": n,
            "last_follow_up": str(enrolment.randomized_on.max() + 7 * weeks * DAY),
        },
    )
    if check:
        problems = figure_mismatches(plan)
        if problems:
            raise RuntimeError("the plan misses published figures: " + "; ".join(problems))
    return plan
