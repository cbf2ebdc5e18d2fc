"""eTable 1: each intervention week compared between groups (values after imputation)."""

from __future__ import annotations

import pandas as pd

from analysis.conventions import OUTCOMES
from analysis.stats import between, describe, summaries


def weekly(weeks: pd.DataFrame, order: tuple[str, ...], *, intervention_weeks: int) -> dict:
    """{outcome: [{week, <group>: {n, mean, sd}, difference, ci95, p}, ...]} (pooled t; no
    comparison when the report is pooled). Exploratory: one test per week and outcome."""
    table = {o: [] for o in OUTCOMES}
    by_week = dict(tuple(weeks.groupby("week")))
    empty = weeks.iloc[0:0]
    for week in range(1, intervention_weeks + 1):
        rows = by_week.get(week, empty)
        for outcome in OUTCOMES:
            groups = summaries(rows[outcome], rows["arm"], order)
            entry = {"week": week, **{g: describe(groups[g]) for g in order}}
            entry.update(between(groups, order, equal_var=True))
            table[outcome].append(entry)
    return table


def observed_weekly(
    screening: pd.DataFrame,
    intervention: pd.DataFrame,
    order: tuple[str, ...],
    *,
    screening_weeks: int,
    intervention_weeks: int,
) -> dict:
    """Figure 2's data: observed weekly mean (SD) cramps per group, screening then intervention.

    {"points": [{phase, week, <group>: {n, mean, sd}}, ...]} in plotting order.
    """
    points = []
    phases = (
        ("screening", screening, screening_weeks),
        ("intervention", intervention, intervention_weeks),
    )
    for phase, rows, count in phases:
        by_week = dict(tuple(rows.groupby("week")))
        for week in range(1, count + 1):
            week_rows = by_week.get(week, rows.iloc[0:0])
            groups = summaries(week_rows["frequency"], week_rows["arm"], order)
            points.append({"phase": phase, "week": week, **{g: describe(groups[g]) for g in order}})
    return {"outcome": "frequency", "values": "observed", "points": points}
