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
    *,
    observed: pd.DataFrame | None = None,
) -> dict:
    """Screened, excluded (by outcome and reason), randomized, allocated, completed, analysed;
    and the CONSORT 2010 boxes of each group:

    - `received`: allocated, less those who never started the product (stopped it or
      withdrew on the day of randomization or before); `not_received_reasons` {reason: n}
      for those (the stop reason, else the withdrawal reason);
    - `discontinued` (withdrew before the end of the intervention) and
      `discontinued_reasons` {withdrawal reason: n};
    - `stopped_treatment`: stopped the product after starting it yet stayed in follow-up
      to the end (`stopped_treatment_reasons`);
    - `lost_to_follow_up`: no observed intervention week at all (no outcome measured),
      from `observed`, the observed intervention participant-weeks (with
      `participant_id`); left out without it.

    `participants` carries `arm`; `completed` is a boolean Series aligned with it;
    `analysed` holds the arm of each analysed participant. A missing reason counts as
    "not recorded".
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
    flow = _flow(participants, completed, order, observed=observed)
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
        **flow,
    }


def _flow(
    participants: pd.DataFrame,
    completed: pd.Series,
    order: tuple[str, ...],
    *,
    observed: pd.DataFrame | None,
) -> dict:
    arm = participants["arm"].to_numpy()
    start = participants["randomized_on"]
    stopped_on = _column(participants, "treatment_stopped_on")
    never = (stopped_on.notna() & (stopped_on <= start)) | (
        participants["withdrawn_on"].notna() & (participants["withdrawn_on"] <= start)
    )
    done = pd.Series(completed.to_numpy(), index=participants.index)
    stopped = stopped_on.notna() & ~never & done
    withdrawal = _reason(_column(participants, "withdrawal_reason"))
    stop_reason = _reason(_column(participants, "treatment_stop_reason"))
    never_reason = stop_reason.where(stopped_on.notna() & (stopped_on <= start), withdrawal)

    def count(mask: pd.Series) -> dict[str, int]:
        return {g: int((mask.to_numpy() & (arm == g)).sum()) for g in order}

    def reasons(mask: pd.Series, why: pd.Series) -> dict[str, dict[str, int]]:
        result = {}
        for g in order:
            chosen = why[mask.to_numpy() & (arm == g)].value_counts()
            result[g] = {str(reason): int(n) for reason, n in sorted(chosen.items())}
        return result

    flow = {
        "received": count(~never),
        "not_received_reasons": reasons(never, never_reason),
        "discontinued_reasons": reasons(~done, withdrawal),
        "stopped_treatment": count(stopped),
        "stopped_treatment_reasons": reasons(stopped, stop_reason),
    }
    if observed is not None:
        seen = participants["participant_id"].isin(observed["participant_id"])
        flow["lost_to_follow_up"] = count(~seen)
    return flow


def _column(participants: pd.DataFrame, name: str) -> pd.Series:
    if name in participants:
        return participants[name]
    return pd.Series(pd.NA, index=participants.index, dtype=object)


def _reason(reasons: pd.Series) -> pd.Series:
    text = reasons.astype("string").str.strip()
    return text.where(text.notna() & text.ne(""), "not recorded").astype(object)
