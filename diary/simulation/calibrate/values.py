"""Tuners of continuous diary values (duration, severity): fitting a transform of
realistic draws to a mean and SD, nudging on the stored precision, and building
baselines with a given change from baseline."""

from collections.abc import Callable

import numpy as np

from diary.simulation.calibrate.common import WeekStats, tuning_loss


def tune_week_values(
    units: np.ndarray,
    observed: np.ndarray,
    present: np.ndarray,
    *,
    unit: float,
    low: int,
    high: int,
    mean_target: float,
    sd_target: float,
    tol_mean: float,
    tol_sd: float,
    rng: np.random.Generator,
    max_steps: int = 5000,
) -> np.ndarray:
    """Nudge present weekly values (duration or severity, in units) one unit at a
    time until the arm's participant-week mean and SD after imputation are within
    tolerance. Absent values (no cramp) count 0 and are never changed."""
    units = np.asarray(units, dtype=np.int64).copy()
    n, weeks = units.shape
    stats = WeekStats(n, observed.sum(axis=0))
    rows, cols = np.nonzero(present)
    for _ in range(max_steps):
        x = np.where(observed & present, units, 0).astype(float) * unit
        s, q = x.sum(axis=0), (x * x).sum(axis=0)
        mean, sd = stats.evaluate(s, q)
        if abs(mean - mean_target) <= tol_mean and abs(sd - sd_target) <= tol_sd:
            return units
        current = tuning_loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        v = units[rows, cols].astype(float) * unit
        onehot = np.eye(weeks)[cols]
        best = (np.inf, None)
        for d in (1, -1):
            ds = onehot * (d * unit)
            dq = onehot * (2 * v * d * unit + unit * unit)[:, None]
            m1, s1 = stats.evaluate(s + ds, q + dq)
            loss = tuning_loss(m1, s1, mean_target, sd_target, tol_mean, tol_sd)
            loss = loss + rng.uniform(0, 1e-9, loss.shape)
            after = units[rows, cols] + d
            loss[(after < low) | (after > high)] = np.inf
            k = int(np.argmin(loss))
            if loss[k] < best[0]:
                best = (loss[k], (k, d))
        if not best[0] < current:
            raise RuntimeError("tune_week_values is stuck")
        k, d = best[1]
        units[rows[k], cols[k]] += d
    raise RuntimeError("tune_week_values did not converge")


def tune_baseline_values(
    units: np.ndarray,
    present: np.ndarray,
    participant_means: np.ndarray,
    *,
    unit: float,
    low: int,
    high: int,
    mean_target: float,
    sd_target: float,
    tol_mean: float,
    tol_sd: float,
    rng: np.random.Generator,
    max_steps: int = 5000,
) -> np.ndarray:
    """Nudge screening-week values (n x 2 units; absent cells count 0) one unit at
    a time until the change from baseline (participant mean - mean of the two
    screening weeks) has mean and SD within tolerance of their targets."""
    units = np.asarray(units, dtype=np.int64).copy()
    pm = np.asarray(participant_means, dtype=float)
    n = len(pm)
    rows, cols = np.nonzero(present)
    for _ in range(max_steps):
        b = np.where(present, units, 0).sum(axis=1) * unit / 2
        c = pm - b
        s, q = c.sum(), (c * c).sum()
        mean, sd = s / n, np.sqrt(max(q - s * s / n, 0) / (n - 1))
        if abs(mean - mean_target) <= tol_mean and abs(sd - sd_target) <= tol_sd:
            return units
        current = tuning_loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        best = (np.inf, None)
        for d in (1, -1):
            dc = -d * unit / 2
            new_s = s + dc
            new_q = q + 2 * c[rows] * dc + dc * dc
            new_sd = np.sqrt(np.maximum(new_q - new_s * new_s / n, 0) / (n - 1))
            loss = tuning_loss(new_s / n, new_sd, mean_target, sd_target, tol_mean, tol_sd)
            loss = loss + rng.uniform(0, 1e-9, loss.shape)
            after = units[rows, cols] + d
            loss[(after < low) | (after > high)] = np.inf
            k = int(np.argmin(loss))
            if loss[k] < best[0]:
                best = (loss[k], (k, d))
        if not best[0] < current:
            raise RuntimeError("tune_baseline_values is stuck")
        k, d = best[1]
        units[rows[k], cols[k]] += d
    raise RuntimeError("tune_baseline_values did not converge")


def rescale_within(
    values: np.ndarray,
    *,
    mean: float,
    sd: float,
    low: np.ndarray | float,
    high: np.ndarray | float,
    max_rounds: int = 500,
) -> np.ndarray:
    """Values of the same shape as `values` with exactly the given mean and SD
    (n - 1), each within [low, high]: standardize, rescale, clip, repeat."""
    x = np.asarray(values, dtype=float)
    for _ in range(max_rounds):
        scaled = mean + sd * (x - x.mean()) / x.std(ddof=1)
        clipped = np.clip(scaled, low, high)
        if np.abs(clipped - scaled).max() < 1e-9:
            return clipped
        x = clipped
    raise RuntimeError("rescale_within did not converge")


def baseline_for_change(
    participant_means: np.ndarray,
    latent: np.ndarray,
    *,
    mean_change: float,
    sd_change: float,
    low: np.ndarray,
    high: np.ndarray,
) -> np.ndarray:
    """Baselines b close in shape to `latent` whose change (participant mean - b)
    has exactly the given mean and SD, each b within its [low, high]."""
    pm = np.asarray(participant_means, dtype=float)
    change = rescale_within(
        pm - np.asarray(latent, dtype=float),
        mean=mean_change,
        sd=sd_change,
        low=pm - high,
        high=pm - low,
    )
    return pm - change


def _imputed_stats(values: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and SD after arm-week mean imputation of a batch of value matrices
    (K x n x W), every column holding an observed value."""
    n, weeks = observed.shape
    values = np.where(observed, values, 0.0)
    n_obs = observed.sum(axis=0)
    s = values.sum(axis=1)
    q = (values * values).sum(axis=1)
    m = s / n_obs
    mean = m.mean(axis=-1)
    ss = (q - s * m).sum(axis=-1) + n * ((m - mean[:, None]) ** 2).sum(axis=-1)
    return mean, np.sqrt(ss / (n * weeks - 1))


def _solve_increasing(f: Callable[[np.ndarray], np.ndarray], target: float, lo, hi) -> float:
    """x in [lo, hi] with f(x) = target for an increasing, vectorised f."""
    for _ in range(7):
        xs = np.linspace(lo, hi, 17)
        k = int(np.searchsorted(f(xs), target))
        if k == 0 or k == len(xs):
            raise RuntimeError("target out of reach")
        lo, hi = xs[k - 1], xs[k]
    return (lo + hi) / 2


def fit_location_scale(
    latent: np.ndarray,
    present: np.ndarray,
    observed: np.ndarray,
    *,
    transform: Callable[[np.ndarray, float, float], np.ndarray],
    mean_target: float,
    sd_target: float,
    scale_range: tuple[float, float] = (0.05, 3.0),
) -> np.ndarray:
    """Values transform(latent, loc, scale) on present cells (0 elsewhere) whose
    participant-week mean and SD after arm-week mean imputation hit the targets.
    `transform` must increase with loc and, at a fixed mean, spread with scale;
    loc is solved for the mean, scale for the SD."""
    mask = present & observed

    def batch(locs: np.ndarray, scale: float) -> np.ndarray:
        return np.where(mask, transform(latent[None], locs[:, None, None], scale), 0.0)

    def loc_for_mean(scale: float) -> float:
        return _solve_increasing(
            lambda locs: _imputed_stats(batch(locs, scale), observed)[0], mean_target, -15, 15
        )

    def sds(scales: np.ndarray) -> np.ndarray:
        out = []
        for scale in scales:
            loc = loc_for_mean(float(scale))
            out.append(_imputed_stats(batch(np.array([loc]), scale), observed)[1][0])
        return np.array(out)

    lo, hi = scale_range
    for _ in range(4):
        xs = np.linspace(lo, hi, 9)
        k = int(np.searchsorted(sds(xs), sd_target))
        if k == 0 or k == len(xs):
            raise RuntimeError("fit_location_scale: targets out of reach")
        lo, hi = xs[k - 1], xs[k]
    scale = (lo + hi) / 2
    return batch(np.array([loc_for_mean(scale)]), scale)[0]
