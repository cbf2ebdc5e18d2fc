"""CONSORT flow counts."""

from __future__ import annotations

import pandas as pd

SCREENING_OUTCOMES = ("not_meeting_inclusion", "meeting_exclusion", "declined")


def consort(
    screening: pd.DataFrame,
    participants: pd.DataFrame,
    analysed: pd.Series,
    completed: pd.Series,
    order: tuple[str, ...],
) -> dict:
    """Screened, excluded (by outcome and reason), randomized, allocated, completed, analysed.

    `participants` carries `arm`; `completed` is a boolean Series aligned with it;
    `analysed` holds the arm of each analysed participant.
    """
    excluded = screening[screening["outcome"].ne("enrolled")]
    by_outcome = excluded["outcome"].value_counts()
    reasons = (
        excluded.assign(reason=excluded["reason"].fillna("not recorded"))
        .groupby(["outcome", "reason"])
        .size()
    )
    arm = participants["arm"]
    allocated = arm.value_counts()
    done = arm[completed.to_numpy()].value_counts()
    analysed_counts = analysed.value_counts()
    return {
        "screened": len(screening),
        "excluded": len(excluded),
        **{outcome: int(by_outcome.get(outcome, 0)) for outcome in SCREENING_OUTCOMES},
        "excluded_reasons": {
            outcome: {reason: int(n) for (o, reason), n in reasons.items() if o == outcome}
            for outcome in SCREENING_OUTCOMES
        },
        "randomized": len(participants),
        "allocated": {g: int(allocated.get(g, 0)) for g in order},
        "completed": {g: int(done.get(g, 0)) for g in order},
        "discontinued": {g: int(allocated.get(g, 0) - done.get(g, 0)) for g in order},
        "analysed": {g: int(analysed_counts.get(g, 0)) for g in order},
    }
