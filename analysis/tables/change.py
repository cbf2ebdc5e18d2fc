"""Baseline values and change from baseline, per group."""

from __future__ import annotations

import pandas as pd

from analysis.conventions import OUTCOMES, with_baseline
from analysis.stats import between, describe, summaries


def baseline_summary(baseline: pd.DataFrame, order: tuple[str, ...]) -> dict:
    """{outcome: {<group>: {n, mean, sd}}} over the participants with a baseline."""
    table = {}
    for outcome in OUTCOMES:
        groups = summaries(baseline[outcome], baseline["arm"], order)
        table[outcome] = {g: describe(groups[g]) for g in order}
    return table


def change_from_baseline(
    means: pd.DataFrame, baseline: pd.DataFrame, order: tuple[str, ...]
) -> dict:
    """Participant mean over the intervention weeks minus baseline, for analysed participants
    with a baseline: {outcome: {<group>: {n, mean, sd}, difference, ci95, p}} (pooled t; no
    comparison when the report is pooled)."""
    joined = with_baseline(means, baseline)
    table = {}
    for outcome in OUTCOMES:
        change = joined[outcome] - joined[f"{outcome}_baseline"]
        groups = summaries(change, joined["arm"], order)
        table[outcome] = {g: describe(groups[g]) for g in order}
        table[outcome].update(between(groups, order, equal_var=True))
    return table
