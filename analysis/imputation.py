"""Multiple imputation of weekly profiles under a multivariate normal model, in numpy.

Model, within one group: each participant's vector x = (baseline, week 1, ..., week W)
of one outcome is N(mu, Sigma), mu and Sigma unrestricted. The baseline is always
observed (participants without one are not imputed); any weeks may be missing.

Imputation is proper: each of the m imputations draws its own parameters. They are
drawn by the bootstrap (Efron 1994; Little & Rubin 2002, section 10.2.3; the EMB
algorithm of Honaker & King 2010, Amelia II): the participants are resampled with
replacement and the maximum-likelihood estimate of (mu, Sigma) for that resample is
found by EM (Dempster, Laird & Rubin 1977), with a ridge prior that keeps Sigma
positive definite (Amelia's empirical prior: pseudo-observations with the observed
variances and no covariance: `RIDGE` of them per participant, plus p^2 / (n + p) for
p variables and n participants, which is about p in a small group (even one with
fewer participants than weeks has a proper covariance matrix and a quick EM) and
vanishes in a large one). The missing weeks are then
drawn from their normal distribution given the participant's observed values.

Everything is done per missingness pattern (at most 2^W of them): EM needs only the
patterns' weighted sums of x and x x' (computed once per imputation), so its cost
does not grow with the number of participants, and the m bootstrap fits run as one
batch of (m x patterns) small matrices.

The analyses need a participant's mean over the intervention weeks, so the draws
are of the sum of the weeks (the observed ones plus the imputed ones), whose
conditional distribution is normal (`draw_profile_sums`); reference-based imputation
(jump to reference, Carpenter, Roger & Kenward 2013) uses the reference group's
parameters for the missing weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIDGE = 0.01  # prior pseudo-observations per participant (Amelia's "empri" as a share of n)
FLOOR = 1e-8  # smallest variance given to a column, relative to the data's scale
EM_TOLERANCE = 1e-5  # of the data's sd (means) or variance (covariances)
EM_MAX_ITERATIONS = 500


@dataclass(frozen=True)
class Patterns:
    """The distinct missingness patterns of a group's profiles.

    `codes[i]` is participant i's pattern; `masks[k]` its observed columns (bool, p);
    `order` sorts the participants by pattern, pattern k being the rows
    order[starts[k]:starts[k + 1]].
    """

    codes: np.ndarray
    masks: np.ndarray
    order: np.ndarray
    starts: np.ndarray


def patterns(values: np.ndarray) -> Patterns:
    """Group the rows of an n x p array (nan = missing) by their observed columns."""
    observed = ~np.isnan(values)
    bits = observed.astype(np.int64) @ (np.int64(1) << np.arange(values.shape[1], dtype=np.int64))
    keys, codes = np.unique(bits, return_inverse=True)
    masks = ((keys[:, None] >> np.arange(values.shape[1])) & 1).astype(bool)
    codes = codes.reshape(-1)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(masks) + 1))
    return Patterns(codes=codes, masks=masks, order=order, starts=starts)


def _pattern_sums(values: np.ndarray, found: Patterns, weights: np.ndarray):
    """For each of the m weight vectors (m x n) and each pattern: the summed weight,
    the weighted sum of x and of x x' (missing entries as 0)."""
    filled = np.where(np.isnan(values), 0.0, values)[found.order]
    n, p = filled.shape
    upper_i, upper_j = np.triu_indices(p)
    # statistics as rows and participants as columns, the weights with participants as
    # rows: each pattern is then a contiguous block of both operands of its product
    # (a transposed view as an operand makes numpy's product many times slower)
    stacked = np.ascontiguousarray(
        np.concatenate([np.ones((n, 1)), filled, filled[:, upper_i] * filled[:, upper_j]], axis=1).T
    )
    ordered = np.ascontiguousarray(weights[:, found.order].T)
    m, k = len(weights), len(found.masks)
    sums = np.empty((k, stacked.shape[0], m))
    for index in range(k):
        rows = slice(found.starts[index], found.starts[index + 1])
        sums[index] = stacked[:, rows] @ ordered[rows]
    sums = sums.transpose(2, 0, 1)
    products = np.empty((m, k, p, p))
    products[:, :, upper_i, upper_j] = sums[:, :, 1 + p :]
    products[:, :, upper_j, upper_i] = sums[:, :, 1 + p :]
    return sums[:, :, 0], sums[:, :, 1 : 1 + p], products


def conditional(mean_observed, mean_missing, sigma, masks):
    """The distribution of every pattern's missing entries given its observed ones.

    mean_observed, mean_missing: (..., p) means used for the observed and the missing
    entries (the same for missing at random; the reference group's for the missing
    ones in reference-based imputation); sigma: (..., p, p); masks: (k, p) observed.
    Returns A (..., k, p, p), c (..., k, p) and C (..., k, p, p) such that the
    completed vector is A x + c + e with e ~ N(0, C), x holding the observed values
    (0 where missing): A keeps the observed entries and regresses the missing ones
    on them, C is the conditional covariance (zero outside the missing block).
    """
    o = masks.astype(float)
    mis = 1.0 - o
    both = o[:, :, None] * o[:, None, :]
    eye = np.eye(masks.shape[1])
    sigma_k = sigma[..., None, :, :]
    # Sigma_OO padded with the identity on the missing entries, so it can be inverted in
    # one batch; zeroing the padding afterwards leaves Sigma_OO^-1 in the observed block.
    inverse = np.linalg.inv(sigma_k * both + eye * mis[:, None, :]) * both
    regression = mis[..., :, None] * (sigma_k @ inverse)  # B: missing rows, observed columns
    transform = regression + eye * o[:, None, :]
    mean_o = mean_observed[..., None, :] * o
    mean_m = mean_missing[..., None, :] * mis
    shift = mean_m - np.einsum("...kij,...kj->...ki", regression, mean_o)
    covariance = (sigma_k - sigma_k @ inverse @ sigma_k) * (mis[:, :, None] * mis[:, None, :])
    return transform, shift, covariance


def _m_step(total, first, second, ridge, floor):
    mean = first / total[:, None]
    scatter = second / total[:, None, None] - mean[:, :, None] * mean[:, None, :]
    diagonal = np.maximum(np.diagonal(scatter, axis1=1, axis2=2), floor)
    width = mean.shape[1]
    prior = ridge * total + width * width / (total + width)
    sigma = (total[:, None, None] * scatter + prior[:, None, None] * _diag(diagonal)) / (
        total + prior
    )[:, None, None]
    return mean, (sigma + np.swapaxes(sigma, 1, 2)) / 2


def _diag(values: np.ndarray) -> np.ndarray:
    out = np.zeros((*values.shape, values.shape[-1]))
    index = np.arange(values.shape[-1])
    out[..., index, index] = values
    return out


def _em_step(counts, sums, products, masks, mean, sigma, *, floor: float):
    """One EM update of each copy's (mean, sigma) from its patterns' sums."""
    total = counts.sum(axis=1)
    transform, shift, covariance = conditional(mean, mean, sigma, masks)
    expected = np.einsum("mkij,mkj->mki", transform, sums)  # sum of A x per pattern
    first = (expected + counts[:, :, None] * shift).sum(axis=1)
    cross = np.einsum("mki,mkj->mkij", expected, shift)
    second = (
        transform @ products @ np.swapaxes(transform, -1, -2)
        + cross
        + np.swapaxes(cross, -1, -2)
        + counts[:, :, None, None] * (shift[:, :, :, None] * shift[:, :, None, :] + covariance)
    ).sum(axis=1)
    return _m_step(total, first, second, RIDGE, floor)


def _positive_definite(sigma: np.ndarray) -> np.ndarray:
    """Which of the matrices (m x p x p) are positive definite."""
    eigenvalues = np.linalg.eigvalsh(sigma)
    return eigenvalues.min(axis=1) > 0


def _em(counts, sums, products, masks, mean, sigma, *, floor: float, size: float):
    """EM from (mean, sigma), accelerated by SQUAREM (Varadhan & Roland 2008, scheme S3
    with the step length bounded at -1, the plain EM step, from below), until no estimate
    moves by more than EM_TOLERANCE of the data's size (sd for the means, variance for
    sigma) in an EM step. An extrapolation that leaves a covariance matrix not positive
    definite falls back to the plain EM step for that copy."""

    def step(m, s):
        return _em_step(counts, sums, products, masks, m, s, floor=floor)

    def flat(m, s):
        return np.concatenate([m / np.sqrt(size), s.reshape(len(s), -1) / size], axis=1)

    for _ in range(EM_MAX_ITERATIONS // 3):
        mean1, sigma1 = step(mean, sigma)
        moved = np.abs(flat(mean1, sigma1) - flat(mean, sigma)).max(initial=0.0)
        if moved <= EM_TOLERANCE:
            return mean1, sigma1
        mean2, sigma2 = step(mean1, sigma1)
        r = flat(mean1, sigma1) - flat(mean, sigma)
        v = flat(mean2, sigma2) - flat(mean1, sigma1) - r
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = -np.sqrt((r * r).sum(axis=1) / (v * v).sum(axis=1))
        alpha = np.where(np.isfinite(alpha), np.minimum(alpha, -1.0), -1.0)
        a = alpha[:, None]
        jump_mean = mean - 2 * a * (mean1 - mean) + a * a * (mean2 - 2 * mean1 + mean)
        a3 = alpha[:, None, None]
        jump_sigma = sigma - 2 * a3 * (sigma1 - sigma) + a3 * a3 * (sigma2 - 2 * sigma1 + sigma)
        jump_sigma = (jump_sigma + np.swapaxes(jump_sigma, 1, 2)) / 2
        fine = _positive_definite(jump_sigma)
        jump_mean = np.where(fine[:, None], jump_mean, mean2)
        jump_sigma = np.where(fine[:, None, None], jump_sigma, sigma2)
        # one EM step from the extrapolated point keeps the iteration stable
        mean, sigma = step(jump_mean, jump_sigma)
    return mean, sigma


def bootstrap_parameters(
    values: np.ndarray, weights: np.ndarray, *, found: Patterns | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The maximum-likelihood (mu, Sigma) of each weighted copy of the data, by EM.

    values: n x p profiles (nan = missing), n >= 1; weights: m x n (bootstrap counts).
    Returns mu (m x p) and Sigma (m x p x p). Each copy's EM starts from the estimate
    of the data themselves, which it is close to.
    """
    found = found or patterns(values)
    observed = ~np.isnan(values)
    scale = float(np.nanmax(np.abs(values))) if observed.any() else 1.0
    floor = FLOOR * max(scale, 1.0) ** 2
    seen_per_column = observed.sum(axis=0)
    spreads = [np.var(values[observed[:, j], j]) for j in np.flatnonzero(seen_per_column > 1)]
    size = max(max(spreads, default=0.0), floor)
    # A week no one in the group has been observed in yet (a report during the trial)
    # has no information of its own: it starts, and so stays, at the group's mean and
    # variance over its observed weeks, independent of the rest (as the single mean
    # imputation falls back to the arm's mean over all weeks).
    weeks = values[:, 1:][observed[:, 1:]]
    fallback_mean = float(weeks.mean()) if weeks.size else 0.0
    fallback_var = max(float(weeks.var()), floor) if weeks.size > 1 else size
    # the data's own estimate, from independent columns with their observed mean and variance
    counts, sums, products = _pattern_sums(values, found, np.ones((1, len(values))))
    o = found.masks.astype(float)
    seen = np.einsum("mk,kp->mp", counts, o)
    mean = np.einsum("mkp->mp", sums) / np.maximum(seen, 1.0)
    squares = np.einsum("mkpp->mp", products) / np.maximum(seen, 1.0) - mean**2
    mean = np.where(seen > 0, mean, fallback_mean)
    sigma = _diag(np.maximum(np.where(seen > 1, squares, fallback_var), floor))
    mean, sigma = _em(counts, sums, products, found.masks, mean, sigma, floor=floor, size=size)
    counts, sums, products = _pattern_sums(values, found, weights)
    m = len(weights)
    start_mean = np.repeat(mean, m, axis=0)
    start_sigma = np.repeat(sigma, m, axis=0)
    return _em(counts, sums, products, found.masks, start_mean, start_sigma, floor=floor, size=size)


def draw_profile_sums(
    values: np.ndarray,
    found: Patterns,
    mean_observed: np.ndarray,
    mean_missing: np.ndarray,
    sigma: np.ndarray,
    columns: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One draw, for each of the m parameter sets, of each participant's sum over `columns`
    (observed values plus imputed ones) from its conditional normal distribution.

    values: n x p; mean_*: m x p; sigma: m x p x p; columns: bool p (the weeks summed).
    Returns n x m. The sum's conditional mean is u'(A x + c) and its variance u'C u for
    the indicator u of `columns` (`conditional`); computed pattern by pattern, with the
    participants in pattern order, then put back in theirs.
    """
    transform, shift, covariance = conditional(mean_observed, mean_missing, sigma, found.masks)
    u = columns.astype(float)
    coefficients = np.einsum("mkij,i->kjm", transform, u)  # u'A: weights on observed values
    constants = (shift @ u).T  # k x m
    sd = np.sqrt(np.maximum(np.einsum("i,mkij,j->km", u, covariance, u), 0.0))
    filled = np.where(np.isnan(values), 0.0, values)[found.order]
    draws = rng.standard_normal((len(values), len(sigma)))
    for k in range(len(found.masks)):
        rows = slice(found.starts[k], found.starts[k + 1])
        block = draws[rows]
        block *= sd[k]
        block += np.einsum("np,pm->nm", filled[rows], coefficients[k])
        block += constants[k]
    totals = np.empty_like(draws)
    totals[found.order] = draws
    return totals


def bootstrap_weights(rng: np.random.Generator, m: int, n: int) -> np.ndarray:
    """m bootstrap resamples of n participants drawn with replacement, as counts (m x n)."""
    if n == 0:
        return np.zeros((m, 0))
    drawn = rng.integers(0, n, size=(m, n)) + (np.arange(m) * n)[:, None]
    return np.bincount(drawn.ravel(), minlength=m * n).reshape(m, n).astype(float)
