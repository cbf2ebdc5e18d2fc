"""Table 1: baseline characteristics of all randomized participants, in total and per group."""

from __future__ import annotations

import pandas as pd
from scipy import stats as scipy_stats

from analysis.stats import Summary, compare, describe, number, summaries

CATEGORICAL = ("female", "male", "hypertension", "diabetes")
CONTINUOUS = ("age", "height_cm", "weight_kg", "creatinine_mg_dl")
VARIABLES = CATEGORICAL + CONTINUOUS


def table1(participants: pd.DataFrame, order: tuple[str, ...], *, pvalues: bool = False) -> dict:
    """{var: {total: ..., <group>: ...}}: {n, pct} for categorical rows, {n, mean, sd} otherwise.

    Percentages are of the column's randomized participants. With `pvalues` and two
    groups, each row gets `p`: Pearson chi-square (no continuity correction) for the
    categorical rows, the pooled-variance t-test for the continuous ones.
    """
    flags = {
        "female": participants["sex"].eq("F"),
        "male": participants["sex"].eq("M"),
        "hypertension": participants["hypertension"].astype("boolean").fillna(False),
        "diabetes": participants["diabetes"].astype("boolean").fillna(False),
    }
    columns = ("total", *order)
    pvalues = pvalues and len(order) == 2
    arm = participants["arm"]
    totals = arm.value_counts()
    size = {"total": len(participants), **{g: int(totals.get(g, 0)) for g in order}}
    table = {}
    for var in CATEGORICAL:
        flag = flags[var].astype(bool).to_numpy()
        yes = arm[flag].value_counts()
        counts = {"total": int(flag.sum()), **{g: int(yes.get(g, 0)) for g in order}}
        table[var] = {
            c: {"n": counts[c], "pct": number(100 * counts[c] / size[c]) if size[c] else None}
            for c in columns
        }
        if pvalues:
            table[var]["p"] = _chi_square([(counts[g], size[g] - counts[g]) for g in order])
    for var in CONTINUOUS:
        values = participants[var].astype("float64")
        per_group = summaries(values, arm, order)
        total = summaries(values, pd.Series(["total"] * len(values)), ("total",))["total"]
        table[var] = {"total": describe(total), **{g: describe(per_group[g]) for g in order}}
        if pvalues:
            table[var]["p"] = _t_test(per_group[order[0]], per_group[order[1]])
    return table


def _chi_square(rows: list[tuple[int, int]]) -> float | None:
    columns = [sum(col) for col in zip(*rows, strict=True)]
    if any(sum(row) == 0 for row in rows) or any(total == 0 for total in columns):
        return None
    result = scipy_stats.chi2_contingency(rows, correction=False)
    return number(result.pvalue)


def _t_test(a: Summary, b: Summary) -> float | None:
    return compare(a, b, equal_var=True)["p"]
