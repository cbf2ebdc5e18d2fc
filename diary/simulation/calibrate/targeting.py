"""The targets of a calibration: the unrounded statistics that keep every published
figure depending on them furthest inside its rounding interval, and how far from
them is still safe."""

from collections.abc import Callable, Sequence
from itertools import product

import numpy as np

Z_975 = 1.959963984540054  # the standard normal 0.975 quantile


def t_quantile_975(df: float) -> float:
    """The Student t 0.975 quantile (Cornish-Fisher expansion; exact to ~1e-10 for df >= 100)."""
    z = Z_975
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4


def margin(value, target: float, decimals: int):
    """How far inside the rounding interval of `target` a value lies (negative: outside)."""
    return 0.5 * 10.0**-decimals - np.abs(np.asarray(value, dtype=float) - target)


Figure = tuple[np.ndarray, float, int]  # (unrounded values, published value, decimals)


def ideal_point(
    boxes: Sequence[tuple[float, int]],
    derived: Callable[..., list[Figure]],
    grid: int = 25,
) -> tuple[np.ndarray, float]:
    """The primary statistics (each printed as `target` with `decimals`) that keep
    every derived figure furthest inside its rounding interval.

    `derived(*primaries)` receives broadcast grids of the primaries and returns the
    figures that depend on them (the primaries themselves included). Returns the
    best point and its smallest margin.
    """
    axes = [np.linspace(t - 0.499 * 10.0**-d, t + 0.499 * 10.0**-d, grid) for t, d in boxes]
    mesh = np.meshgrid(*axes, indexing="ij")
    worst = np.full(mesh[0].shape, np.inf)
    for values, target, decimals in derived(*mesh):
        worst = np.minimum(worst, margin(values, target, decimals))
    best = np.unravel_index(np.argmax(worst), worst.shape)
    return np.array([m[best] for m in mesh]), float(worst[best])


def box_tolerance(
    derived: Callable[..., list[Figure]],
    point: Sequence[float],
    weights: Sequence[float],
    keep: float,
) -> np.ndarray:
    """Per-statistic tolerances (proportional to `weights`) around `point` within
    which every derived figure keeps at least `keep` times the point's margin."""
    point = np.asarray(point, dtype=float)
    weights = np.asarray(weights, dtype=float)
    signs = np.array(list(product((-1, 1), repeat=len(point))), dtype=float)

    def worst(alpha: float) -> float:
        corners = point[None, :] + alpha * signs * weights[None, :]
        low = np.inf
        for values, target, decimals in derived(*corners.T):
            low = min(low, float(np.min(margin(values, target, decimals))))
        return low

    floor = keep * worst(0.0)
    lo, hi = 0.0, 1.0
    for _ in range(50):
        mid = (lo + hi) / 2
        if worst(mid) >= floor:
            lo = mid
        else:
            hi = mid
    return lo * weights


def leader_tolerance(
    derived: Callable[..., list[Figure]],
    point: Sequence[float],
    weights: Sequence[float],
    follower_boxes: Sequence[tuple[float, int]],
    keep: float,
    grid: int = 41,
) -> np.ndarray:
    """Tolerances for the first statistics of `derived` (the leader's, at `point`)
    within which the remaining ones (the follower's, searched over their rounding
    intervals) can still keep every figure `keep` times the best margin inside."""
    point = np.asarray(point, dtype=float)
    weights = np.asarray(weights, dtype=float)
    signs = np.array(list(product((-1, 1), repeat=len(point))), dtype=float)
    axes = [
        np.linspace(t - 0.499 * 10.0**-d, t + 0.499 * 10.0**-d, grid) for t, d in follower_boxes
    ]
    follower = [m.ravel() for m in np.meshgrid(*axes, indexing="ij")]

    def worst(alpha: float) -> float:
        low = np.inf
        for corner in point[None, :] + alpha * signs * weights[None, :]:
            best = np.full(follower[0].shape, np.inf)
            for values, target, decimals in derived(*corner, *follower):
                best = np.minimum(best, margin(values, target, decimals))
            low = min(low, float(best.max()))
        return low

    floor = keep * worst(0.0)
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if worst(mid) >= floor:
            lo = mid
        else:
            hi = mid
    return lo * weights


def pooled_half_width(sd1, sd2, n1: int, n2: int):
    """Half width of the pooled-variance Student t 95% CI of a difference in means."""
    df = n1 + n2 - 2
    pooled = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df
    return t_quantile_975(df) * np.sqrt(pooled * (1 / n1 + 1 / n2))
