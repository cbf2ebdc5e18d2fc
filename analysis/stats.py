"""Two-group summaries and t comparisons from summary statistics.

Every SD uses n - 1; a CI uses the t quantile with the test's degrees of
freedom; anything undefined (too few values, zero variance) is None. A
standard error below `RELATIVE_NOISE` times the size of the means is rounding
noise of a zero variance, and counts as zero.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
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


def group_codes(groups, order: tuple[str, ...]) -> np.ndarray:
    """Each row's position in `order` (-1 when in none of the groups)."""
    return np.asarray(pd.Categorical(groups, categories=list(order)).codes, dtype=np.int64)


def grouped_means(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Mean of the non-missing `values` for each key 0..size-1 (nan for none).

    `keys` are integers (negative: left out); `values` is 1-D or rows x columns.
    """
    values = np.asarray(values, dtype=np.float64)
    columns = values if values.ndim > 1 else values[:, np.newaxis]
    means = np.full((size, columns.shape[1]), np.nan)
    for j in range(columns.shape[1]):
        x = columns[:, j]
        keep = (keys >= 0) & ~np.isnan(x)
        count = np.bincount(keys[keep], minlength=size)
        total = np.bincount(keys[keep], weights=x[keep], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            means[:, j] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return means if values.ndim > 1 else means[:, 0]


def summaries(values, groups, order: tuple[str, ...]) -> dict[str, Summary]:
    """n, mean and variance (n - 1, two-pass) of the non-missing `values` per group."""
    codes = group_codes(groups, order)
    x = np.asarray(values, dtype=np.float64)
    keep = (codes >= 0) & ~np.isnan(x)
    codes, x = codes[keep], x[keep]
    size = len(order)
    n = np.bincount(codes, minlength=size)
    mean = grouped_means(codes, x, size)
    deviation = x - mean[codes]
    squares = np.bincount(codes, weights=deviation * deviation, minlength=size)
    result = {}
    for index, group in enumerate(order):
        count = int(n[index])
        var = float(squares[index] / (count - 1)) if count >= 2 else math.nan
        result[group] = Summary(count, float(mean[index]), var)
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


def between(groups: dict[str, Summary], order: tuple[str, ...], *, equal_var: bool) -> dict:
    """`compare` of the first group with the second; {} for a pooled report (one group),
    which holds no between-group key at all."""
    if len(order) < 2:
        return {}
    return compare(groups[order[0]], groups[order[1]], equal_var=equal_var)


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
