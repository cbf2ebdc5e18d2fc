"""Tuners of integer-valued data (counts, ages, values in stored units): greedy
moves of one unit, scored exactly from sufficient statistics."""

from itertools import product

import numpy as np

from diary.simulation.calibrate.common import WeekStats, tuning_loss


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
        current = tuning_loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
        steps = np.array([1, -1])
        new_s = s + steps[:, None]
        new_q = q + 2 * units[None, :] * steps[:, None] + 1
        new_mean = new_s * unit / n
        new_sd = np.sqrt(np.maximum(new_q - new_s * new_s / n, 0.0) / (n - 1)) * unit
        loss = tuning_loss(new_mean, new_sd, mean_target, sd_target, tol_mean, tol_sd)
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
    """Adjust observed weekly counts by +-1 until the arm's participant-week mean
    and SD after imputation are within tolerance.

    Moves are scored by class (week, current value, direction), so single moves,
    pairs and (when no pair helps) fours are cheap to score exactly; each move is
    given to the participant whose other weeks make it the least surprising.
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
        current = tuning_loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
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
            loss = tuning_loss(m, sdv, mean_target, sd_target, tol_mean, tol_sd)
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
        current = tuning_loss(mean, sd, mean_target, sd_target, tol_mean, tol_sd)
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
        single = tuning_loss(m1, sd1, mean_target, sd_target, tol_mean, tol_sd)
        # score pairs by participant class (weekly mean, direction) to stay small
        keys = np.stack([b[r], d], axis=1)
        uniq, first = np.unique(keys, axis=0, return_index=True)
        i, j = np.triu_indices(len(uniq), k=1)
        pdb = (db[first][i] + db[first][j]).astype(float)
        pdq = dq[first][i] + dq[first][j]
        m2 = (s + pdb) / n
        sd2 = np.sqrt(np.maximum(q + pdq - (s + pdb) ** 2 / n, 0) / (n - 1))
        pair = tuning_loss(m2, sd2, mean_target, sd_target, tol_mean, tol_sd) + 1e-6
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
