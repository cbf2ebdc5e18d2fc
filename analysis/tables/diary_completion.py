"""Electronic diary completion: nights reported against the nights of follow-up, for
the participants who keep the electronic diary (those with at least one night).

`diary_completion(...)` is pooled (no arm: fit for the open, blinded view and the
progress report); `diary_completion_by_arm(...)` splits it by arm and belongs only in
the closed and unblinded views of the report. A participant's nights of follow-up run
from consent to the end of the last intervention week, or the withdrawal if earlier.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _per_participant(
    nights: pd.DataFrame, participants: pd.DataFrame, *, intervention_weeks: int
) -> pd.DataFrame:
    keepers = participants[participants["participant_id"].isin(set(nights["participant_id"]))]
    end = keepers["randomized_on"] + pd.Timedelta(days=7 * intervention_weeks - 1)
    end = end.where(
        keepers["withdrawn_on"].isna() | (keepers["withdrawn_on"] > end), keepers["withdrawn_on"]
    )
    expected = (end - keepers["consented_on"]).dt.days + 1
    reported = nights[nights["reported"].astype("boolean").fillna(False).to_numpy(dtype=bool)]
    counts = reported.groupby("participant_id").size()
    frame = pd.DataFrame(
        {
            "participant_id": keepers["participant_id"].to_numpy(),
            "expected": expected.clip(lower=0).to_numpy(dtype=np.int64),
            "reported": keepers["participant_id"].map(counts).fillna(0).to_numpy(dtype=np.int64),
        }
    )
    if "arm" in keepers:
        frame["arm"] = keepers["arm"].to_numpy()
    return frame


def _summary(frame: pd.DataFrame) -> dict:
    expected, reported = int(frame["expected"].sum()), int(frame["reported"].sum())
    return {
        "participants": len(frame),
        "nights_expected": expected,
        "nights_reported": reported,
        "pct": 100.0 * reported / expected if expected else None,
    }


def diary_completion(
    nights: pd.DataFrame, participants: pd.DataFrame, *, intervention_weeks: int
) -> dict:
    """Pooled: {participants, nights_expected, nights_reported, pct}."""
    return _summary(_per_participant(nights, participants, intervention_weeks=intervention_weeks))


def diary_completion_by_arm(
    nights: pd.DataFrame,
    participants: pd.DataFrame,
    order: tuple[str, str],
    *,
    intervention_weeks: int,
) -> dict:
    """By arm (`participants` carries `arm`, as from analysis.cohort): {arm: summary,
    "total": summary}. Closed and unblinded views only: it tells the arms apart."""
    frame = _per_participant(nights, participants, intervention_weeks=intervention_weeks)
    out = {arm: _summary(frame[frame["arm"] == arm]) for arm in order}
    out["total"] = _summary(frame)
    return out
