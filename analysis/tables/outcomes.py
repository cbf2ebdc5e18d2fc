"""Table 2 three ways: participant-weeks (the paper's method), participants, and ANCOVA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.conventions import OUTCOMES, with_baseline
from analysis.stats import between, describe, negligible, number, summaries


def _two_groups(values: pd.Series, arm: pd.Series, order, *, equal_var: bool) -> dict:
    groups = summaries(values, arm, order)
    result = {g: describe(groups[g]) for g in order}
    result.update(between(groups, order, equal_var=equal_var))
    return result


def participant_week(weeks: pd.DataFrame, order: tuple[str, ...]) -> dict:
    """Every participant-week (after imputation) as one observation; pooled-variance t."""
    return {o: _two_groups(weeks[o], weeks["arm"], order, equal_var=True) for o in OUTCOMES}


def participant(means: pd.DataFrame, order: tuple[str, ...]) -> dict:
    """Each participant's mean over the intervention weeks as one observation; Welch t."""
    return {o: _two_groups(means[o], means["arm"], order, equal_var=False) for o in OUTCOMES}


def ancova(means: pd.DataFrame, baseline: pd.DataFrame, order: tuple[str, ...]) -> dict:
    """OLS of the participant mean on an intercept, first-group indicator and baseline.

    Participants without a baseline are left out; classical standard errors.
    """
    joined = with_baseline(means, baseline)
    return {o: _ancova_one(joined, o, order) for o in OUTCOMES}


def _ancova_one(joined: pd.DataFrame, outcome: str, order) -> dict:
    rows = joined[[outcome, f"{outcome}_baseline", "arm"]].dropna()
    counts = rows["arm"].value_counts()
    result = {
        **{g: {"n": int(counts.get(g, 0))} for g in order},
        "difference": None,
        "ci95": [None, None],
        "p": None,
        "df": None,
    }
    design = np.column_stack(
        [
            np.ones(len(rows)),
            rows["arm"].eq(order[0]).to_numpy(dtype=float),
            rows[f"{outcome}_baseline"].to_numpy(dtype=float),
        ]
    )
    if len(rows) <= 3 or np.linalg.matrix_rank(design) < 3:
        return result
    y = rows[outcome].to_numpy(dtype=float)
    fit = sm.OLS(y, design).fit()
    low, high = fit.conf_int(alpha=0.05)[1]
    defined = np.isfinite(fit.bse[1]) and not negligible(np.sqrt(fit.scale), np.abs(y).max())
    result.update(
        difference=number(fit.params[1]),
        ci95=[number(low), number(high)] if defined else [None, None],
        p=number(fit.pvalues[1]) if defined else None,
        df=number(fit.df_resid),
    )
    return result
