"""A repeated-measures model for the weekly cramp count: Poisson GEE, log link.

The model is log E[cramps in a week] = b0 + b1 x (1 for the first group) + b2 x the
participant's baseline weekly cramps, fitted on the observed intervention weeks of
every participant with a baseline (no imputed values: GEE uses all the weeks a
person has and is valid when weeks are missing completely at random). exp(b1) is
the rate ratio, first group over second, adjusted for baseline. A supportive
analysis: the primary one is the negative binomial model (analysis.tables.count_model).
Standard errors are robust (sandwich), so over-dispersion does not shrink the
interval; the Wald CI uses the normal quantile, as GEE inference is asymptotic.

statsmodels fits an exchangeable working correlation one participant at a
time; above `EXCHANGEABLE_LIMIT` participants that takes too long, and the
report uses the independence working correlation instead (a Poisson GLM with
cluster-robust standard errors, the same estimator in vectorised form). The
output names the correlation used.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.genmod.cov_struct import Exchangeable
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analysis.stats import negligible, number

EXCHANGEABLE_LIMIT = 20_000


def gee_rate_ratio(
    observed: pd.DataFrame,
    baseline: pd.DataFrame,
    order: tuple[str, ...],
    *,
    exchangeable_limit: int = EXCHANGEABLE_LIMIT,
) -> dict:
    """Rate ratio (first group / second) of weekly cramps, adjusted for the baseline
    weekly cramps, with its 95% CI and p (None when undefined or rounding noise)."""
    rows = observed[observed["frequency"].notna()]
    own_baseline = rows["participant_id"].map(baseline["frequency"])
    rows = rows.assign(baseline=own_baseline)[own_baseline.notna().to_numpy()]
    participants = rows.groupby("arm")["participant_id"].nunique()
    weeks = rows["arm"].value_counts()
    cramps = rows.groupby("arm")["frequency"].sum()
    clusters = int(participants.sum())
    correlation = "exchangeable" if clusters <= exchangeable_limit else "independence"
    result = {
        "outcome": "frequency",
        "data": "observed intervention weeks of the participants with a baseline",
        "covariates": ["intercept", f"group {order[0]}", "baseline weekly cramps"],
        "family": "poisson",
        "link": "log",
        "correlation": correlation,
        "covariance": "robust",
        "ci_method": "wald-normal",
        "participants": {g: int(participants.get(g, 0)) for g in order},
        "weeks": {g: int(weeks.get(g, 0)) for g in order},
        "rate": {
            g: number(cramps.get(g, 0) / weeks[g]) if weeks.get(g, 0) else None for g in order
        },
        "rate_ratio": None,
        "ci95": [None, None],
        "p": None,
        "working_correlation": None,
        "dispersion": None,
        "converged": None,
    }
    y = rows["frequency"].to_numpy(dtype=float)
    if (
        any(not cramps.get(g, 0) > 0 for g in order)
        or clusters < 4
        or negligible(float(y.std()), float(y.mean()))
    ):
        return result
    design = np.column_stack(
        [
            np.ones(len(rows)),
            rows["arm"].eq(order[0]).to_numpy(float),
            rows["baseline"].to_numpy(float),
        ]
    )
    if np.linalg.matrix_rank(design) < design.shape[1]:
        return result
    groups = pd.factorize(rows["participant_id"])[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fit, converged, alpha = _fit(y, design, groups, correlation)
            coef, se = float(fit.params[1]), float(fit.bse[1])  # bse is computed lazily
            low, high = fit.conf_int(alpha=0.05)[1]
        except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
            return result
    converged = converged and not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if not (np.isfinite(coef) and np.isfinite(se)) or negligible(se, coef):
        return result
    result.update(
        rate_ratio=number(np.exp(coef)),
        ci95=[number(np.exp(low)), number(np.exp(high))],
        p=number(fit.pvalues[1]),
        working_correlation=number(alpha),
        dispersion=number(_dispersion(y, np.asarray(fit.fittedvalues), len(y) - 3)),
        converged=bool(converged),
    )
    return result


def _dispersion(y: np.ndarray, mu: np.ndarray, df: int) -> float | None:
    """Pearson chi-square over residual df: above 1 means over-dispersed counts."""
    return float(np.sum((y - mu) ** 2 / mu) / df) if df > 0 else None


def _fit(y, design, groups, correlation):
    if correlation == "exchangeable":
        model = sm.GEE(
            y, design, groups=groups, family=sm.families.Poisson(), cov_struct=Exchangeable()
        )
        fit = model.fit()
        return fit, bool(fit.converged), float(model.cov_struct.dep_params)
    model = sm.GLM(y, design, family=sm.families.Poisson())
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    return fit, bool(fit.converged), 0.0
