"""Supportive analyses: cramp duration and severity when there was a cramp, adherence,
and the per-protocol population.

- Duration and severity count 0 in a week without cramps (the paper's convention), so
  they largely repeat the frequency result. `weeks_with_cramps` takes, for each
  participant, the mean over their observed intervention weeks with at least one
  cramp (participants with none are left out) and compares the groups (Welch t).
- Adherence: capsules missed per observed intervention week (the participant's mean
  of `capsules_missed` over the weeks where it was recorded), and the share of
  capsules taken, 1 - missed / (capsules per week x weeks with a record).
  A participant is adherent when that share reaches the plan's threshold; the
  per-protocol population is the adherent participants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.stats import between, describe, number, summaries


def weeks_with_cramps(observed: pd.DataFrame, order: tuple[str, ...]) -> dict:
    """{duration|severity: {<group>: {n, mean, sd}, difference, ci95, p, df}} over each
    participant's mean of their observed intervention weeks with at least one cramp."""
    rows = observed[observed["frequency"] > 0]
    means = rows.groupby("participant_id", sort=True).agg(
        arm=("arm", "first"), duration=("duration", "mean"), severity=("severity", "mean")
    )
    table = {}
    for outcome in ("duration", "severity"):
        groups = summaries(means[outcome], means["arm"], order)
        entry = {g: describe(groups[g]) for g in order}
        entry.update(between(groups, order, equal_var=False))
        table[outcome] = entry
    return table


def adherence_by_participant(
    diary: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    capsules_per_week: int,
) -> pd.DataFrame:
    """Per participant with a recorded `capsules_missed` in an observed intervention week:
    arm, weeks (with a record), missed_per_week, taken (share of capsules taken).
    Indexed by participant_id."""
    reached = diary["reached"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    records = diary[
        reached & diary["phase"].eq("intervention").to_numpy() & diary["capsules_missed"].notna()
    ]
    arm = observed.drop_duplicates("participant_id").set_index("participant_id")["arm"]
    records = records[records["participant_id"].isin(arm.index)]
    grouped = records.groupby("participant_id", sort=True)["capsules_missed"]
    frame = pd.DataFrame({"weeks": grouped.size(), "missed": grouped.sum()})
    frame["missed_per_week"] = frame["missed"] / frame["weeks"]
    frame["taken"] = 1 - frame["missed"] / (capsules_per_week * frame["weeks"])
    frame.insert(0, "arm", arm.reindex(frame.index))
    return frame


def adherence(frame: pd.DataFrame, order: tuple[str, ...], *, threshold: float) -> dict:
    """{missed_per_week: {<group>: {n, mean, sd}, difference, ci95, p, df} (Welch),
    adherent: {<group>: {n, pct}}, threshold}. pct is of the group's participants with
    a record."""
    groups = summaries(frame["missed_per_week"], frame["arm"], order)
    missed = {g: describe(groups[g]) for g in order}
    missed.update(between(groups, order, equal_var=False))
    adherent = frame["taken"] >= threshold - 1e-12
    yes = frame["arm"][adherent.to_numpy()].value_counts()
    size = frame["arm"].value_counts()
    return {
        "threshold": threshold,
        "missed_per_week": missed,
        "adherent": {
            g: {
                "n": int(yes.get(g, 0)),
                "pct": number(100 * yes.get(g, 0) / size[g]) if size.get(g, 0) else None,
            }
            for g in order
        },
    }


def adherent_ids(frame: pd.DataFrame, *, threshold: float) -> np.ndarray:
    """The per-protocol population: participants whose share of capsules taken reaches
    the threshold."""
    return frame.index[(frame["taken"] >= threshold - 1e-12).to_numpy()].to_numpy()
