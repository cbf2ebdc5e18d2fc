"""Missing data done properly: multiple imputation, jump to reference and a tipping point.

For each outcome, the analysis is the participant-level ANCOVA (participant mean over
the intervention weeks on an intercept, a first-group indicator and the baseline)
of the randomized participants with a baseline, each missing week multiply imputed:

- `multiple_imputation.<outcome>`: missing at random within each group, from the
  participant's baseline and observed weeks (analysis.imputation: multivariate normal,
  bootstrap-EM parameter draws), m imputations with the plan's seed, pooled by Rubin's
  rules (Rubin 1987) with the Barnard-Rubin (1999) degrees of freedom.
- `jump_to_reference.frequency`: the first group's missing weeks drawn with the second
  (reference) group's mean for those weeks and its regression on the observed values
  and covariance (Carpenter, Roger & Kenward 2013, "J2R"); the second group's as above.
- `tipping_point.frequency`: delta cramps per week added to every imputed week of the
  first group, over the plan's grid (delta-adjusted MAR imputation; Ratitch et al.
  2013); `tipping_delta` is the smallest delta whose p reaches alpha.

In an unblinded report the first group is the experimental arm and the second the
comparator. A coded report does not know which group is which, so it also shows the
reverse direction (`reverse`: the second group's weeks imputed from, or shifted
against, the first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.conventions import OUTCOMES
from analysis.imputation import (
    bootstrap_parameters,
    bootstrap_weights,
    draw_profile_sums,
    patterns,
)
from analysis.stats import negligible, number


@dataclass(frozen=True)
class Profiles:
    """One outcome's data for imputation, participants in a fixed order.

    values: n x (1 + W), the baseline then weeks 1..W (nan = missing week);
    group: n, 0 for the first group, 1 for the second.
    """

    participant_ids: np.ndarray
    values: np.ndarray
    group: np.ndarray

    @property
    def weeks(self) -> int:
        return self.values.shape[1] - 1

    @property
    def missing(self) -> np.ndarray:
        """Imputed weeks per participant."""
        return np.isnan(self.values[:, 1:]).sum(axis=1)


def profiles(
    participants: pd.DataFrame,
    observed: pd.DataFrame,
    baseline: pd.DataFrame,
    order: tuple[str, ...],
    *,
    outcome: str,
    weeks: int,
) -> Profiles:
    """The randomized participants with a baseline, their baseline and weekly values."""
    ids = participants["participant_id"].to_numpy()
    keep = pd.Index(ids).isin(baseline.index)
    ids = ids[keep]
    arm = participants["arm"].to_numpy()[keep]
    grid = np.full((len(ids), weeks), np.nan)
    position = pd.Index(ids).get_indexer(observed["participant_id"].to_numpy())
    rows = position >= 0
    grid[position[rows], observed["week"].to_numpy()[rows] - 1] = observed[outcome].to_numpy()[rows]
    base = baseline[outcome].reindex(ids).to_numpy(dtype=float)
    values = np.column_stack([base, grid])
    group = np.where(arm == order[0], 0, 1)
    return Profiles(participant_ids=ids, values=values, group=group)


@dataclass(frozen=True)
class Fitted:
    """Each group's parameter draws (mu: m x p, sigma: m x p x p) and patterns."""

    m: int
    parameters: dict
    patterns: dict


def fit(data: Profiles, *, m: int, rng: np.random.Generator) -> Fitted:
    """m bootstrap-EM parameter draws for each group (analysis.imputation)."""
    parameters, found = {}, {}
    for g in (0, 1):
        members = np.flatnonzero(data.group == g)
        if len(members) == 0:
            continue
        values = data.values[members]
        found[g] = patterns(values)
        weights = bootstrap_weights(rng, m, len(members))
        parameters[g] = bootstrap_parameters(values, weights, found=found[g])
    return Fitted(m=m, parameters=parameters, patterns=found)


def impute(
    data: Profiles, fitted: Fitted, *, rng: np.random.Generator, reference: int | None = None
) -> np.ndarray:
    """Each participant's mean over the weeks in each of the m imputations (n x m, nan for
    a group without parameters): missing weeks drawn at random within the group given
    the observed ones; with `reference` (0 or 1), the other group's missing weeks are
    drawn from the reference group (jump to reference)."""
    columns = np.arange(data.values.shape[1]) > 0
    means = np.full((len(data.values), fitted.m), np.nan)
    for g in (0, 1):
        members = np.flatnonzero(data.group == g)
        if g not in fitted.parameters:
            continue
        mu, sigma = fitted.parameters[g]
        mu_missing = mu
        if reference is not None and g != reference:
            if reference not in fitted.parameters:
                continue
            mu_missing, sigma = fitted.parameters[reference]
        totals = draw_profile_sums(
            data.values[members], fitted.patterns[g], mu, mu_missing, sigma, columns, rng
        )
        means[members] = totals / data.weeks
    return means


# -- analysis of each imputed data set, pooled ---------------------------------------------


@dataclass(frozen=True)
class Fits:
    """The ANCOVA of every imputation: first-group coefficient and its variance (m)."""

    estimate: np.ndarray
    variance: np.ndarray
    df: int
    rss: np.ndarray  # m residual sums of squares
    inverse: np.ndarray  # (X'X)^-1
    design: np.ndarray  # n x 3


def ancova_fits(means: np.ndarray, data: Profiles) -> Fits | None:
    """OLS of each column of `means` (n x m) on 1, first-group indicator, baseline;
    None when the design cannot identify the difference."""
    design = np.column_stack(
        [np.ones(len(data.group)), (data.group == 0).astype(float), data.values[:, 0]]
    )
    n = len(design)
    cross = design.T @ design
    if n <= 3 or np.isnan(means).any() or np.linalg.matrix_rank(cross) < 3:
        return None
    inverse = np.linalg.inv(cross)
    # einsum's own loops rather than a BLAS product: with 3 columns the product is
    # memory-bound, and threaded BLAS stalls on a busy machine
    coefficients = inverse @ np.einsum("ni,nj->ij", design, means)
    rss = residual_sums_of_squares(means, design, coefficients)
    df = n - 3
    return Fits(
        estimate=coefficients[1],
        variance=rss / df * inverse[1, 1],
        df=df,
        rss=rss,
        inverse=inverse,
        design=design,
    )


CHUNK_ROWS = 8192


def residual_sums_of_squares(
    means: np.ndarray, design: np.ndarray, coefficients: np.ndarray
) -> np.ndarray:
    """Sum over the rows of (means - design coefficients)^2, for each of the m columns,
    computed exactly (no cancellation: a constant outcome gives exactly 0) a block of
    rows at a time, so the n x m residuals are never all held at once."""
    rss = np.zeros(means.shape[1])
    for start in range(0, len(means), CHUNK_ROWS):
        block = (
            means[start : start + CHUNK_ROWS] - design[start : start + CHUNK_ROWS] @ coefficients
        )
        rss += np.einsum("ij,ij->j", block, block)
    return rss


def rubin(estimates: np.ndarray, variances: np.ndarray, *, df_complete: float, scale: float = 1.0):
    """Rubin's rules for m estimates of one quantity with their variances.

    Returns {difference, ci95, p, df, se, within, between, fraction_missing_information,
    relative_increase_in_variance}: the pooled estimate, t-based 95% CI and two-sided p
    on the Barnard-Rubin (1999) degrees of freedom, with df_complete the complete-data
    df; the fraction of missing information as van Buuren (2018, eq. 2.24) gives it.
    Statistics are None when the total variance is zero up to rounding noise at
    `scale` (the data's size) or undefined.
    """
    estimates = np.asarray(estimates, dtype=float)
    variances = np.asarray(variances, dtype=float)
    m = len(estimates)
    result = {
        "difference": number(estimates.mean()) if m else None,
        "ci95": [None, None],
        "p": None,
        "df": None,
        "se": None,
        "within": None,
        "between": None,
        "fraction_missing_information": None,
        "relative_increase_in_variance": None,
    }
    if m < 2 or not np.isfinite(estimates).all() or not np.isfinite(variances).all():
        return result
    estimate = float(estimates.mean())
    within = float(variances.mean())
    between = float(estimates.var(ddof=1))
    if negligible(math.sqrt(max(between, 0.0)), estimate, scale):
        between = 0.0  # identical estimates in every imputation: no imputation variance
    total = within + (1 + 1 / m) * between
    if negligible(math.sqrt(max(total, 0.0)), estimate, scale):
        return result
    share = (1 + 1 / m) * between / total  # lambda
    df_old = (m - 1) / share**2 if share > 0 else math.inf
    df_observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
    df = 1 / (1 / df_old + 1 / df_observed)
    se = math.sqrt(total)
    quantile = stats.t.ppf(0.975, df)
    relative = (1 + 1 / m) * between / within if within > 0 else None
    result.update(
        difference=number(estimate),
        ci95=[number(estimate - quantile * se), number(estimate + quantile * se)],
        p=number(2 * stats.t.sf(abs(estimate) / se, df)),
        df=number(df),
        se=number(se),
        within=number(within),
        between=number(between),
        fraction_missing_information=number((df + 1) / (df + 3) * share + 2 / (df + 3)),
        relative_increase_in_variance=number(relative),
    )
    return result


def _pooled(
    means: np.ndarray, data: Profiles, *, m: int, seed: int, fits: Fits | None = None
) -> dict:
    fits = fits or ancova_fits(means, data)
    counts = {"n": [int((data.group == g).sum()) for g in (0, 1)]}
    if fits is None:
        return {**rubin(np.array([]), np.array([]), df_complete=1), "m": m, "seed": seed, **counts}
    scale = float(np.nanmax(np.abs(data.values))) if np.isfinite(data.values).any() else 1.0
    pooled = rubin(fits.estimate, fits.variance, df_complete=fits.df, scale=scale)
    return {**pooled, "m": m, "seed": seed, **counts}


def tipping_point(
    means: np.ndarray,
    data: Profiles,
    *,
    deltas: list[float],
    alpha: float,
    shifted: int = 0,
    fits: Fits | None = None,
) -> dict:
    """Delta added to every imputed week of group `shifted` (0 or 1), the ANCOVA pooled
    over the imputations for each delta of the grid.

    Adding delta to the k imputed weeks of a participant adds delta k / W to their mean,
    so each imputation's fit moves linearly in delta and its residual sum of squares
    quadratically: the grid costs no refitting.
    Returns {deltas, difference, ci95, p, tipping_delta}. `fits` may be given when
    `means` have been fitted already.
    """
    fits = fits or ancova_fits(means, data)
    result = {
        "deltas": list(deltas),
        "difference": [None] * len(deltas),
        "ci95": [[None, None] for _ in deltas],
        "p": [None] * len(deltas),
        "tipping_delta": None,
        "alpha": alpha,
    }
    if fits is None:
        return result
    shift = np.where(data.group == shifted, data.missing / data.weeks, 0.0)
    slope = fits.inverse @ (shift @ fits.design)  # change of the coefficients per unit delta
    moved = shift - fits.design @ slope  # change of the residuals per unit delta
    # moved is orthogonal to the design's columns, so its product with the residuals is
    # its product with the outcomes
    cross = moved @ means  # m
    own = float(moved @ moved)
    rss = fits.rss
    scale = float(np.nanmax(np.abs(data.values))) if np.isfinite(data.values).any() else 1.0
    for i, delta in enumerate(deltas):
        estimate = fits.estimate + delta * slope[1]
        variance = (rss + 2 * delta * cross + delta**2 * own) / fits.df * fits.inverse[1, 1]
        pooled = rubin(estimate, variance, df_complete=fits.df, scale=scale + abs(delta))
        result["difference"][i] = pooled["difference"]
        result["ci95"][i] = pooled["ci95"]
        result["p"][i] = pooled["p"]
    result["tipping_delta"] = next(
        (d for d, p in zip(deltas, result["p"], strict=True) if p is not None and p >= alpha),
        None,
    )
    return result


def missing_data(
    participants: pd.DataFrame,
    observed: pd.DataFrame,
    baseline: pd.DataFrame,
    order: tuple[str, ...],
    *,
    weeks: int,
    plan: dict,
    both_directions: bool,
) -> dict:
    """{multiple_imputation: {outcome: ...}, jump_to_reference: {frequency: ...},
    tipping_point: {frequency: ...}} (see the module docstring)."""
    m, seed, alpha = int(plan["imputations"]), int(plan["seed"]), float(plan["alpha"])
    rng = np.random.default_rng(seed)
    result = {"multiple_imputation": {}, "jump_to_reference": {}, "tipping_point": {}}
    for outcome in OUTCOMES:
        data = profiles(participants, observed, baseline, order, outcome=outcome, weeks=weeks)
        fitted = fit(data, m=m, rng=rng)
        means = impute(data, fitted, rng=rng)
        fits = ancova_fits(means, data)
        pooled = _pooled(means, data, m=m, seed=seed, fits=fits)
        pooled["n"] = dict(zip(order, pooled["n"], strict=True))
        pooled["imputed_weeks"] = {
            g: int(data.missing[data.group == i].sum()) for i, g in enumerate(order)
        }
        result["multiple_imputation"][outcome] = pooled
        if outcome != "frequency":
            continue
        directions = [(0, 1), (1, 0)] if both_directions else [(0, 1)]
        for imputed, reference in directions:
            j2r = impute(data, fitted, rng=rng, reference=reference)
            entry = _pooled(j2r, data, m=m, seed=seed)
            entry.pop("n")
            entry.update(imputed_group=order[imputed], reference_group=order[reference])
            tipping = tipping_point(
                means,
                data,
                deltas=plan["tipping_point_deltas"],
                alpha=alpha,
                shifted=imputed,
                fits=fits,
            )
            tipping["shifted_group"] = order[imputed]
            if imputed == 0:
                result["jump_to_reference"]["frequency"] = entry
                result["tipping_point"]["frequency"] = tipping
            else:
                result["jump_to_reference"]["frequency"]["reverse"] = entry
                result["tipping_point"]["frequency"]["reverse"] = tipping
    return result
