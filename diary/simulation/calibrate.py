"""Numerical tools that steer simulated values towards published summary figures.

Everything works on integer units (1 for counts and ages, 0.1 for height and
weight, 0.01 for creatinine, duration and severity), so that the values a plan
holds are exactly the values the database stores.
"""

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


def _loss(mean, sd, mean_t, sd_t, tol_mean, tol_sd):
    return ((mean - mean_t) / tol_mean) ** 2 + ((sd - sd_t) / tol_sd) ** 2


def tune_mean_sd(
    units: np.ndarray,
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
    """Move single values one unit at a time until mean and SD (n - 1) are within
    tolerance of their targets. Values stay within [low, high] units."""
    units = np.asarray(units, dtype=np.int64).copy()
    n = len(units)
    for _ in range(max_steps):
        s, q = units.sum(), (units * units).sum()
        mean = s * unit / n
        sd = np.sqrt(max(q - s * s / n, 0.0) / (n - 1)) * unit
        if abs(mean - mean_target) <= tol_mean and abs(sd - sd_target) <= tol_sd:
            return units
        current = _loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        steps = np.array([1, -1])
        new_s = s + steps[:, None]
        new_q = q + 2 * units[None, :] * steps[:, None] + 1
        new_mean = new_s * unit / n
        new_sd = np.sqrt(np.maximum(new_q - new_s * new_s / n, 0.0) / (n - 1)) * unit
        loss = _loss(new_mean, new_sd, mean_target, sd_target, tol_mean, tol_sd)
        loss = loss + rng.uniform(0, 1e-9, loss.shape)
        valid = np.vstack([units < high, units > low])
        loss[~valid] = np.inf
        k = np.unravel_index(np.argmin(loss), loss.shape)
        if not loss[k] < current:
            # no single step improves: take a random valid step and carry on
            choices = np.argwhere(valid)
            k = tuple(choices[rng.integers(len(choices))])
        units[k[1]] += steps[k[0]]
    raise RuntimeError("tune_mean_sd did not converge")


# --- intervention weeks: statistics after arm-week mean imputation -------------


def impute_arm_week(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Fill unobserved cells with the mean of the observed cells of their column
    (the arm's observed mean over all weeks where a column has none)."""
    values = np.where(observed, values, 0.0)
    n_obs = observed.sum(axis=0)
    sums = values.sum(axis=0)
    overall = sums.sum() / max(n_obs.sum(), 1)
    week_means = np.where(n_obs > 0, sums / np.maximum(n_obs, 1), overall)
    return np.where(observed, values, week_means[None, :])


class WeekStats:
    """Mean and SD of an arm's participant-weeks after arm-week mean imputation,
    computed from per-week sums so that candidate changes are cheap to score.

    With n participants and column w holding n_w observed values (sum S_w, sum of
    squares Q_w), imputation fills n - n_w cells with m_w = S_w / n_w, so
    mean = mean_w(m_w) and SS = sum_w (Q_w - S_w^2 / n_w) + n * sum_w (m_w - mean)^2.
    """

    def __init__(self, n: int, n_obs: np.ndarray):
        self.n = n
        self.n_obs = n_obs.astype(float)
        self.weeks = len(n_obs)

    def evaluate(self, s: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and SD for week sums `s` and sums of squares `q` (shape (..., W))."""
        m = s / self.n_obs
        mean = m.mean(axis=-1)
        ss = (q - s * s / self.n_obs).sum(axis=-1) + self.n * ((m - mean[..., None]) ** 2).sum(
            axis=-1
        )
        sd = np.sqrt(np.maximum(ss, 0.0) / (self.n * self.weeks - 1))
        return mean, sd


def tune_week_counts(
    counts: np.ndarray,
    observed: np.ndarray,
    *,
    mean_target: float,
    sd_target: float,
    tol_mean: float,
    tol_sd: float,
    rng: np.random.Generator,
    cap: int = 21,
    max_steps: int = 4000,
) -> np.ndarray:
    """Adjust observed weekly counts by +-1 (one or two at a time) until the arm's
    participant-week mean and SD after imputation are within tolerance.

    Moves are scored by class (week, current value, direction), so pairs of moves
    are cheap to score exactly; each move is given to the participant whose other
    weeks make it the least surprising.
    """
    counts = np.asarray(counts, dtype=np.int64).copy()
    n, weeks = counts.shape
    stats = WeekStats(n, observed.sum(axis=0))
    for _ in range(max_steps):
        x = np.where(observed, counts, 0)
        s, q = x.sum(axis=0).astype(float), (x * x).sum(axis=0).astype(float)
        mean, sd = stats.evaluate(s, q)
        if abs(mean - mean_target) <= tol_mean and abs(sd - sd_target) <= tol_sd:
            return counts
        current = _loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        classes = []  # (week, value, direction, members)
        for w in range(weeks):
            values, members = np.unique(counts[observed[:, w], w], return_counts=True)
            for v, k in zip(values, members, strict=True):
                if v < cap:
                    classes.append((w, v, 1, k))
                if v > 0:
                    classes.append((w, v, -1, k))
        cw = np.array([c[0] for c in classes])
        cv = np.array([c[1] for c in classes], dtype=float)
        cd = np.array([c[2] for c in classes], dtype=float)
        ck = np.array([c[3] for c in classes])
        onehot = np.eye(weeks)[cw]
        ds = onehot * cd[:, None]
        dq = onehot * (2 * cv * cd + 1)[:, None]
        combos = _combos(len(classes), ck)
        chosen = None
        for combo in combos:
            m, sdv = stats.evaluate(s + ds[combo].sum(axis=1), q + dq[combo].sum(axis=1))
            loss = _loss(m, sdv, mean_target, sd_target, tol_mean, tol_sd)
            loss = loss + 1e-6 * combo.shape[1] + rng.uniform(0, 1e-9, loss.shape)
            k = int(np.argmin(loss))
            if loss[k] < current:
                chosen = [int(c) for c in combo[k]]
                break
            if combo.shape[1] == 2:  # keep the best pairs to build fours from
                best_pairs = combo[np.argsort(loss)[:150]]
                combos.append(_fours(best_pairs, ck))
        if chosen is None:
            chosen = [int(c) for c in rng.integers(len(classes), size=3)]
        touched: set[tuple[int, int]] = set()
        for c in chosen:
            w, v, d, _ = classes[c]
            cells = np.flatnonzero(observed[:, w] & (counts[:, w] == v))
            cells = np.array([r for r in cells if (r, w) not in touched], dtype=np.int64)
            if not len(cells):  # the class ran out of members in this combination
                continue
            others = np.where(observed, counts, 0).sum(axis=1) - counts[:, w]
            n_others = np.maximum(observed.sum(axis=1) - 1, 1)
            surprise = d * (others[cells] / n_others[cells] - v)
            r = cells[np.argmax(surprise + rng.uniform(0, 1e-6, len(cells)))]
            counts[r, w] += d
            touched.add((r, w))
    raise RuntimeError("tune_week_counts did not converge")


def _combos(n_classes: int, members: np.ndarray) -> list[np.ndarray]:
    """Singles and pairs of move classes (rows of class indices), a class used no
    more often than it has members."""
    singles = np.arange(n_classes)[:, None]
    i, j = np.triu_indices(n_classes, k=0)
    ok = (i != j) | (members[i] >= 2)
    return [singles, np.stack([i[ok], j[ok]], axis=1)]


def _fours(pairs: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Combinations of two pairs whose classes have enough members."""
    a, b = np.triu_indices(len(pairs), k=1)
    fours = np.concatenate([pairs[a], pairs[b]], axis=1)
    uses = np.stack([(fours == fours[:, [k]]).sum(axis=1) for k in range(4)], axis=1)
    ok = (uses <= members[fours]).all(axis=1)
    return fours[ok]


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
        current = _loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        v = units[rows, cols].astype(float) * unit
        onehot = np.eye(weeks)[cols]
        best = (np.inf, None)
        for d in (1, -1):
            ds = onehot * (d * unit)
            dq = onehot * (2 * v * d * unit + unit * unit)[:, None]
            m1, s1 = stats.evaluate(s + ds, q + dq)
            loss = _loss(m1, s1, mean_target, sd_target, tol_mean, tol_sd)
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


def tune_pair_sums(
    pairs: np.ndarray,
    *,
    total_target: int,
    sd_target: float,
    tol_sd: float,
    rng: np.random.Generator,
    min_total: int,
    cap: int = 14,
    max_steps: int = 3000,
) -> np.ndarray:
    """Adjust two-week screening counts (n x 2) by +-1 until their grand total is
    `total_target` and the SD of the participants' weekly means (sum / 2) is within
    tolerance; every participant keeps at least `min_total` cramps."""
    pairs = np.asarray(pairs, dtype=np.int64).copy()
    n = len(pairs)
    mean_target = total_target / 2 / n
    tol_mean = 0.25 / n  # below half a cramp: forces the exact total
    for _ in range(max_steps):
        b = pairs.sum(axis=1) / 2
        s, q = b.sum(), (b * b).sum()
        mean, sd = s / n, np.sqrt((q - s * s / n) / (n - 1))
        if pairs.sum() == total_target and abs(sd - sd_target) <= tol_sd:
            return pairs
        current = _loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        # moves: (participant, week, direction)
        moves = np.array(list(product(range(n), range(2), (1, -1))))
        r, w, d = moves.T
        after = pairs[r, w] + d
        valid = (after >= 0) & (after <= cap) & (pairs[r].sum(axis=1) + d >= min_total)
        moves, r, d = moves[valid], r[valid], d[valid]
        db = d / 2
        dq = 2 * b[r] * db + db * db
        # singles and pairs of moves on different participants
        m1 = (s + db) / n
        sd1 = np.sqrt(np.maximum(q + dq - (s + db) ** 2 / n, 0) / (n - 1))
        single = _loss(m1, sd1, mean_target, sd_target, tol_mean, tol_sd)
        # score pairs by participant class (weekly mean, direction) to stay small
        keys = np.stack([b[r], d], axis=1)
        uniq, first = np.unique(keys, axis=0, return_index=True)
        i, j = np.triu_indices(len(uniq), k=1)
        pdb = (db[first][i] + db[first][j]).astype(float)
        pdq = dq[first][i] + dq[first][j]
        m2 = (s + pdb) / n
        sd2 = np.sqrt(np.maximum(q + pdq - (s + pdb) ** 2 / n, 0) / (n - 1))
        pair = _loss(m2, sd2, mean_target, sd_target, tol_mean, tol_sd) + 1e-6
        bs = int(np.argmin(single + rng.uniform(0, 1e-9, single.shape)))
        bp = int(np.argmin(pair + rng.uniform(0, 1e-9, pair.shape))) if len(pair) else None
        if bp is not None and pair[bp] < single[bs] and pair[bp] < current:
            first = _pick(keys, uniq[i[bp]], rng, r=r)
            second = _pick(keys, uniq[j[bp]], rng, r=r, exclude=r[first])
            chosen = [first] if second is None else [first, second]
        elif single[bs] < current:
            chosen = [bs]
        else:
            chosen = [int(rng.integers(len(moves)))]
        for k in chosen:
            pr, pw, pd_ = moves[k]
            if pd_ > 0:  # add to the quieter week, take from the busier one
                pw = int(np.argmin(pairs[pr]))
            elif pairs[pr].max() > 0:
                pw = int(np.argmax(pairs[pr]))
            pairs[pr, pw] += pd_
    raise RuntimeError("tune_pair_sums did not converge")


def _pick(keys, key, rng, *, r, exclude=None) -> int | None:
    """A random move of class `key`, not on participant `exclude`."""
    candidates = np.flatnonzero((keys == key).all(axis=1))
    if exclude is not None:
        candidates = candidates[r[candidates] != exclude]
    if not len(candidates):
        return None
    return int(candidates[rng.integers(len(candidates))])


def tune_change_sd_by_swaps(
    participant_means: np.ndarray,
    baselines: np.ndarray,
    *,
    sd_target: float,
    tol_sd: float,
    rng: np.random.Generator,
    max_swaps: int = 500,
) -> np.ndarray:
    """A permutation of the baselines (swapping two participants' screening diaries
    at a time) after which the SD of (participant mean - baseline) is within
    tolerance. The change's mean and the baselines' distribution are unchanged."""
    pm = np.asarray(participant_means, dtype=float)
    b = np.asarray(baselines, dtype=float).copy()
    n = len(pm)
    order = np.arange(n)
    target_ss = (n - 1) * sd_target**2
    i, j = np.triu_indices(n, k=1)
    for _ in range(max_swaps):
        c = pm - b[order]
        ss = ((c - c.mean()) ** 2).sum()
        if abs(np.sqrt(ss / (n - 1)) - sd_target) <= tol_sd:
            return order
        bo = b[order]
        delta = 2 * (pm[i] - pm[j]) * (bo[i] - bo[j])
        gap = np.abs(target_ss - ss - delta) + rng.uniform(0, 1e-9, len(delta))
        k = int(np.argmin(gap))
        order[[i[k], j[k]]] = order[[j[k], i[k]]]
    raise RuntimeError("tune_change_sd_by_swaps did not converge")


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
        current = _loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        best = (np.inf, None)
        for d in (1, -1):
            dc = -d * unit / 2
            new_s = s + dc
            new_q = q + 2 * c[rows] * dc + dc * dc
            new_sd = np.sqrt(np.maximum(new_q - new_s * new_s / n, 0) / (n - 1))
            loss = _loss(new_s / n, new_sd, mean_target, sd_target, tol_mean, tol_sd)
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
