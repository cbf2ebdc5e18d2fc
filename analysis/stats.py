"""Two-group summaries and t comparisons from summary statistics.

Every SD uses n - 1; a CI uses the t quantile with the test's degrees of
freedom; anything undefined (too few values, zero variance) is None. A
standard error below `RELATIVE_NOISE` times the size of the means is rounding
noise of a zero variance, and counts as zero.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import pandas as pd
from scipy import stats

RELATIVE_NOISE = 1e-10


def negligible(spread: float, *scale: float) -> bool:
    """True when `spread` is zero up to floating-point noise at the data's scale."""
    return not spread > RELATIVE_NOISE * max([1.0, *(abs(x) for x in scale if math.isfinite(x))])


class Summary(NamedTuple):
    n: int
    mean: float  # nan when n == 0
    var: float  # nan when n < 2


def number(value) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def summaries(values: pd.Series, groups: pd.Series, order: tuple[str, ...]) -> dict[str, Summary]:
    """n, mean and variance (n - 1) of the non-missing `values` in each group of `order`."""
    table = values.groupby(groups.to_numpy()).agg(["count", "mean", "var"])
    result = {}
    for group in order:
        if group in table.index:
            n, mean, var = table.loc[group, ["count", "mean", "var"]]
            result[group] = Summary(int(n), float(mean), float(var))
        else:
            result[group] = Summary(0, math.nan, math.nan)
    return result


def describe(summary: Summary) -> dict:
    return {"n": summary.n, "mean": number(summary.mean), "sd": sd(summary)}


def sd(summary: Summary) -> float | None:
    return number(math.sqrt(summary.var)) if summary.n >= 2 else None


def compare(a: Summary, b: Summary, *, equal_var: bool) -> dict:
    """Difference a - b with its 95% CI and two-sided p.

    equal_var=True: pooled-variance (Student) t with n1 + n2 - 2 df;
    equal_var=False: Welch t with Welch-Satterthwaite df.
    """
    difference = number(a.mean - b.mean) if a.n and b.n else None
    se, df = _standard_error(a, b, equal_var=equal_var)
    result = {"difference": difference, "ci95": [None, None], "p": None, "t": None, "df": df}
    if difference is None or se is None or df is None or negligible(se, a.mean, b.mean):
        return result
    t = difference / se
    quantile = stats.t.ppf(0.975, df)
    result.update(
        ci95=[number(difference - quantile * se), number(difference + quantile * se)],
        p=number(2 * stats.t.sf(abs(t), df)),
        t=number(t),
    )
    return result


def _standard_error(a: Summary, b: Summary, *, equal_var: bool):
    if equal_var:
        df = a.n + b.n - 2
        if a.n < 1 or b.n < 1 or df < 1:
            return None, None
        pooled = (_sum_squares(a) + _sum_squares(b)) / df
        return math.sqrt(pooled * (1 / a.n + 1 / b.n)), float(df)
    if a.n < 2 or b.n < 2:
        return None, None
    va, vb = a.var / a.n, b.var / b.n
    if negligible(math.sqrt(va + vb), a.mean, b.mean):
        return None, None
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    return math.sqrt(va + vb), float(df)


def _sum_squares(summary: Summary) -> float:
    return (summary.n - 1) * summary.var if summary.n >= 2 else 0.0
