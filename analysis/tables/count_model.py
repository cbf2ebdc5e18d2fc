"""The primary count model: negative binomial (NB2) regression of the cramp total.

For each participant with at least one observed intervention week and a baseline:
y = the cramps over their observed intervention weeks, with offset log(observed
weeks), so exp(linear predictor) is their expected cramps per week:

    log E[y] = log(weeks) + b0 + b1 x (1 for the first group) + b2 x baseline weekly
               cramps (+ the stratification factors of the randomization list)
    Var[y] = mu + alpha mu^2                                   (NB2; Cameron & Trivedi)

fitted by maximum likelihood (statsmodels `NegativeBinomial`, Newton's method).
`rate_ratio` = exp(b1), first group over second, with its Wald 95% CI (normal
quantile) and p. `marginal_difference` is the standardized (g-computation)
difference in mean cramps per week over the analysed participants: every one's
expected weekly count with the indicator set to 1, minus with it set to 0,
averaged; its standard error is the delta method's over the coefficients'
covariance (Stata's `margins, dydx()` treatment: the participants' covariates are
taken as fixed).

A model that cannot be fitted, did not converge, or whose response has no spread
beyond rounding noise (every participant the same rate) gives null statistics.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from analysis.stats import negligible, number

STRATA_COLUMNS = {
    "site": "site_code",
    "sex": "sex",
    "hypertension": "hypertension",
    "diabetes": "diabetes",
}


def count_data(
    participants: pd.DataFrame, observed: pd.DataFrame, baseline: pd.DataFrame
) -> pd.DataFrame:
    """Per participant with an observed intervention week and a baseline: arm, cramps
    (total over the observed weeks), weeks (observed), baseline (weekly cramps), and
    the participant's columns (site_code, sex, ...). Indexed by participant_id."""
    grouped = observed.groupby("participant_id", sort=True)["frequency"]
    totals = pd.DataFrame({"cramps": grouped.sum(), "weeks": grouped.size()})
    people = participants.set_index("participant_id")
    data = totals.join(baseline["frequency"].rename("baseline"), how="inner")
    return data.join(people, how="inner").sort_index()


def strata_design(data: pd.DataFrame, stratify_by) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for the stratification factors (first level left out; a level
    held by nobody, or a factor with one level among the analysed, adds nothing)."""
    columns, names = [], []
    for factor in stratify_by:
        values = data[STRATA_COLUMNS[factor]].astype("string").fillna("missing")
        for level in sorted(values.unique())[1:]:
            columns.append(values.eq(level).to_numpy(dtype=float))
            names.append(f"{factor}={level}")
    if not columns:
        return np.empty((len(data), 0)), []
    return np.column_stack(columns), names


def negative_binomial(
    data: pd.DataFrame, order: tuple[str, ...], *, stratify_by=(), alpha: float = 0.05
) -> dict:
    """The NB2 model of the module docstring on `count_data(...)` rows.

    Returns {n: {<group>: int}, rate: {<group>: observed cramps per observed week},
    rate_ratio, ci95, p, se, alpha (NB2 dispersion), marginal_difference,
    marginal_ci95, marginal_p, covariates, converged, ...}; statistics None when
    undefined.
    """
    counts = data["arm"].value_counts()
    cramps = data.groupby("arm", observed=False)["cramps"].sum()
    weeks = data.groupby("arm", observed=False)["weeks"].sum()
    strata, strata_names = strata_design(data, stratify_by)
    result = {
        "outcome": "frequency",
        "family": "negative binomial (NB2)",
        "link": "log",
        "offset": "log(observed intervention weeks)",
        "covariates": ["intercept", f"group {order[0]}", "baseline weekly cramps", *strata_names],
        "ci_method": "wald-normal",
        "n": {g: int(counts.get(g, 0)) for g in order},
        "rate": {
            g: number(cramps.get(g, 0) / weeks[g]) if weeks.get(g, 0) else None for g in order
        },
        "rate_ratio": None,
        "ci95": [None, None],
        "p": None,
        "se": None,
        "alpha": None,
        "marginal_difference": None,
        "marginal_ci95": [None, None],
        "marginal_p": None,
        "converged": None,
    }
    y = data["cramps"].to_numpy(dtype=float)
    exposure = data["weeks"].to_numpy(dtype=float)
    indicator = data["arm"].eq(order[0]).to_numpy(dtype=float)
    design = np.column_stack(
        [np.ones(len(data)), indicator, data["baseline"].to_numpy(dtype=float), strata]
    )
    rates = y / np.maximum(exposure, 1)
    spread = float(rates.std()) if len(rates) else 0.0
    if (
        any(counts.get(g, 0) < 1 for g in order)
        or len(data) <= design.shape[1] + 1
        or np.linalg.matrix_rank(design) < design.shape[1]
        or y.sum() <= 0
        or negligible(spread, float(rates.mean()))
    ):
        return result
    fit = _fit(y, design, np.log(exposure))
    if fit is None:
        return result
    params, covariance, converged = fit
    k = design.shape[1]
    coefficient, se = float(params[1]), float(np.sqrt(covariance[1, 1]))
    result["converged"] = converged
    if not converged or not np.isfinite(se) or negligible(se, coefficient):
        return result
    z = stats.norm.ppf(1 - alpha / 2)
    beta, cov_beta = params[:k], covariance[:k, :k]
    treated, control = design.copy(), design.copy()
    treated[:, 1], control[:, 1] = 1.0, 0.0
    mu1, mu0 = np.exp(treated @ beta), np.exp(control @ beta)
    difference = float(np.mean(mu1 - mu0))
    gradient = (mu1[:, None] * treated - mu0[:, None] * control).mean(axis=0)
    marginal_se = float(np.sqrt(gradient @ cov_beta @ gradient))
    result.update(
        rate_ratio=number(np.exp(coefficient)),
        ci95=[number(np.exp(coefficient - z * se)), number(np.exp(coefficient + z * se))],
        p=number(2 * stats.norm.sf(abs(coefficient) / se)),
        se=number(se),
        alpha=number(params[k]),
    )
    if np.isfinite(marginal_se) and not negligible(marginal_se, difference):
        result.update(
            marginal_difference=number(difference),
            marginal_ci95=[
                number(difference - z * marginal_se),
                number(difference + z * marginal_se),
            ],
            marginal_p=number(2 * stats.norm.sf(abs(difference) / marginal_se)),
        )
    return result


def _fit(y: np.ndarray, design: np.ndarray, offset: np.ndarray):
    """(params with alpha last, their covariance, converged) or None."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = sm.NegativeBinomial(y, design, offset=offset, loglike_method="nb2")
            fitted = model.fit(method="newton", maxiter=200, disp=0)
            params = np.asarray(fitted.params, dtype=float)
            covariance = np.asarray(fitted.cov_params(), dtype=float)
        except (ValueError, np.linalg.LinAlgError, FloatingPointError, ZeroDivisionError):
            return None
    converged = bool(fitted.mle_retvals.get("converged", False)) and not any(
        issubclass(w.category, ConvergenceWarning | HessianInversionWarning) for w in caught
    )
    if not np.isfinite(params).all() or not np.isfinite(covariance).all():
        return None
    return params, covariance, converged
