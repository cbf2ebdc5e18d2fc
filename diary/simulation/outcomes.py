"""Diary values (cramps, duration, severity) of the simulated reference trial.

Each arm starts from realistic draws (a cramp rate and a severity/duration level
per participant, week-to-week variation around them) and is then steered, on
the stored precision, until the intention-to-treat figures computed from the
rows print as published:

1. screening counts: their grand total and spread give the baseline frequency;
2. intervention counts: +-1 moves give Table 2's frequency mean and SD after
   arm-week mean imputation;
3. swapping two participants' screening diaries moves the SD of the change from
   baseline without touching any other figure;
4. duration and severity: a two-parameter power transform of the draws, then
   0.01 nudges, gives Table 2's mean and SD; the screening weeks' values are
   built from each participant's baseline so that the change from baseline has
   the published mean and SD, then nudged by 0.01.

Every target is the point furthest inside all rounding intervals at once (the
differences and both CI bounds included), so rounding noise cannot tip a figure.
"""

from dataclasses import dataclass

import numpy as np

from diary.simulation import calibrate as cal
from diary.simulation.published import ARM_CODES, COMPARATOR, EXPERIMENTAL
from diary.simulation.targets import Targets, comparator_targets, frequency_totals, joint_targets

BASELINE_CORRELATION = 0.25  # between a participant's baseline and intervention mean
UNIT = 0.01  # duration (minutes) and severity are stored with 2 decimals
SEVERITY_UNITS = (100, 1000)  # 1.00 .. 10.00
DURATION_UNITS = (5, 1000)  # 0.05 .. 10.00 minutes
CAPSULES_MISSED_P = np.array([0.74, 0.15, 0.06, 0.025, 0.012, 0.007, 0.004, 0.002])

# Participant cramp rates during the intervention: a share of responders with
# almost no cramps (rate ~ Gamma of mean `responder_rate`), the others Gamma
# with shape `shape`; rescaled to the spread the published SDs call for.
DRAW = {
    EXPERIMENTAL: {"responders": 0.5, "responder_rate": 0.1, "shape": 2.5},
    COMPARATOR: {"responders": 0.0, "responder_rate": 0.1, "shape": 4.0},
}


@dataclass
class ArmDiary:
    """One arm's diary values (participants x weeks)."""

    screening_counts: np.ndarray  # n x S, int
    screening_duration: np.ndarray  # n x S, NaN without cramps
    screening_severity: np.ndarray
    counts: np.ndarray  # n x W, int (meaningful where observed)
    duration: np.ndarray  # n x W, NaN where not observed or no cramps
    severity: np.ndarray
    capsules_missed: np.ndarray  # n x W, int


def _dither(rng, x: np.ndarray) -> np.ndarray:
    """Integers with expectation x (x >= 0)."""
    floor = np.floor(x)
    return (floor + (rng.random(x.shape) < x - floor)).astype(np.int64)


def _draw_counts(rng, arm: str, n: int, weeks: int, mean: float, sd: float, pub: dict):
    """Screening counts (n x 2) and intervention counts (n x weeks).

    Baseline and intervention rates are drawn independently, so the change from
    baseline has variance var(participant mean) + var(baseline): that fixes the
    between-participant variance of the rates, and the participant-week SD the
    week-to-week variance around them.
    """
    base = pub["baseline"]["frequency"][arm]
    sd_change = pub["change_from_baseline"]["frequency"][arm]["sd"]
    # screening: 1 + Binomial(6, p_i), p_i ~ Beta; within-participant binomial
    # variance plus between-participant variance of p give the baseline SD
    p = (base["mean"] - 1) / 6
    within = 2 * 6 * p * (1 - p) / 4
    sd_p = np.sqrt(max(base["sd"] ** 2 - within, 0.01)) / 6
    concentration = p * (1 - p) / sd_p**2 - 1
    p_i = rng.beta(concentration * p, concentration * (1 - p), n)
    screening = 1 + rng.binomial(6, p_i[:, None], (n, 2))
    # intervention: participant rates, then weekly counts around them
    between = max(sd_change**2 - base["sd"] ** 2, 0.05)
    n_weeks = n * weeks
    week_var = max(((n_weeks - 1) * sd**2 - weeks * (n - 1) * between) / (n * (weeks - 1)), 0.1)
    d = DRAW[arm]
    responder = rng.random(n) < d["responders"]
    rate = np.where(
        responder,
        rng.gamma(1.0, d["responder_rate"], n),
        rng.gamma(d["shape"], 1 / d["shape"], n),
    )
    rate = cal.rescale_within(
        rate, mean=mean, sd=np.sqrt(max(between - week_var / weeks, 0.01)), low=0.0, high=12.0
    )
    # week-to-week variation grows with the rate (Poisson-like), averaging week_var
    noise = np.sqrt(week_var * rate / mean)[:, None] * rng.standard_normal((n, weeks))
    return screening, _dither(rng, np.maximum(rate[:, None] + noise, 0.0))


def _split_baseline(rng, b: np.ndarray, present: np.ndarray, spread: np.ndarray, low, high):
    """Screening-week values (units) whose mean over both weeks (absent = 0) is b."""
    total = 2 * b / UNIT
    k = present.sum(axis=1)
    units = np.zeros(present.shape, dtype=np.int64)
    one = k == 1
    cols = np.argmax(present, axis=1)
    units[np.flatnonzero(one), cols[one]] = np.round(total[one])
    two = np.flatnonzero(k == 2)
    first = total[two] / 2 + spread[two] * rng.standard_normal(len(two)) / UNIT
    first = np.clip(np.round(first), low, high)
    second = np.clip(np.round(total[two] - first), low, high)
    units[two, 0], units[two, 1] = first, second
    return np.clip(units, low, high) * present


def _baseline_latent(rng, pm: np.ndarray, mean: float, sd_change: float, rho: float):
    """Plausible baselines: mean `mean`, correlated `rho` (or more, if the change SD
    demands it) with the participant means, right-skewed, with the spread that makes
    the change from baseline have SD `sd_change`."""
    var_pm, var_c = pm.var(ddof=1), sd_change**2
    rho = max(rho, min(np.sqrt(max(1 - var_c / var_pm, 0)) + 0.05, 0.95))
    sd_b = rho * np.sqrt(var_pm) + np.sqrt(max(rho**2 * var_pm - var_pm + var_c, 0))
    z_pm = (pm - pm.mean()) / pm.std(ddof=1)
    noise = rng.lognormal(0, 0.8, len(pm))
    noise = noise - np.polyval(np.polyfit(z_pm, noise, 1), z_pm)
    noise = noise / noise.std(ddof=1)
    return mean + sd_b * (rho * z_pm + np.sqrt(1 - rho**2) * noise)


def _severity_scale(latent, loc, scale):
    """A 1-10 severity from a latent normal: 1 plus a log-normal excess, capped."""
    return 1 + np.minimum(np.exp(loc + scale * latent), 9.0)


def _duration_minutes(latent, loc, scale):
    """A log-normal cramp duration in minutes."""
    return np.exp(loc + scale * latent)


def change_target(mean: float, change: float, baseline: float | None) -> float:
    """The change-from-baseline mean to aim at: as close to the published change as
    to the one implied by a published baseline (mean - baseline), if any."""
    return change if baseline is None else (change + mean - baseline) / 2


def _week_stats(values: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
    filled = cal.impute_arm_week(values.astype(float), observed)
    return filled.mean(), filled.std(ddof=1)


def _counts(rng, arm: str, observed: np.ndarray, target: Targets, total: int, pub: dict):
    """Screening and intervention counts of one arm (steps 1-3)."""
    n, weeks = observed.shape
    screening, counts = _draw_counts(rng, arm, n, weeks, target.mean, target.sd, pub)
    screening = cal.tune_pair_sums(
        screening,
        total_target=total,
        sd_target=pub["baseline"]["frequency"][arm]["sd"],
        tol_sd=0.002,
        rng=rng,
        min_total=2,
    )
    counts = cal.tune_week_counts(
        counts,
        observed,
        mean_target=target.mean,
        sd_target=target.sd,
        tol_mean=target.tol_mean,
        tol_sd=target.tol_sd,
        rng=rng,
    )
    pm = cal.impute_arm_week(counts.astype(float), observed).mean(axis=1)
    order = cal.tune_change_sd_by_swaps(
        pm,
        screening.sum(axis=1) / 2,
        sd_target=pub["change_from_baseline"]["frequency"][arm]["sd"],
        tol_sd=0.002,
        rng=rng,
    )
    return screening[order], np.where(observed, counts, 0)


OUTCOME_SCALES = {
    # outcome: (stored units range, transform of a latent normal)
    "severity": (SEVERITY_UNITS, _severity_scale),
    "duration": (DURATION_UNITS, _duration_minutes),
}


def _week_values(rng, outcome: str, level, observed, present, target: Targets):
    """Duration or severity (units) of the weeks with cramps (step 4)."""
    (low, high), transform = OUTCOME_SCALES[outcome]
    latent = level[:, None] + 0.6 * rng.standard_normal(observed.shape)
    values = cal.fit_location_scale(
        latent, present, observed, transform=transform, mean_target=target.mean, sd_target=target.sd
    )
    units = np.clip(np.round(values / UNIT), low, high).astype(np.int64) * present
    return cal.tune_week_values(
        units,
        observed,
        present,
        unit=UNIT,
        low=low,
        high=high,
        mean_target=target.mean,
        sd_target=target.sd,
        tol_mean=target.tol_mean,
        tol_sd=target.tol_sd,
        rng=rng,
    )


def _screening_values(rng, outcome: str, pm, present, mean_change: float, sd_change: float):
    """Duration or severity (units) of the screening weeks with cramps, built from a
    baseline per participant such that the change from baseline has the given mean
    and SD (step 4)."""
    (low, high), _ = OUTCOME_SCALES[outcome]
    k = present.sum(axis=1)
    latent = _baseline_latent(rng, pm, pm.mean() - mean_change, sd_change, BASELINE_CORRELATION)
    if outcome == "severity":  # each week 1..10 (the 1-10 scale)
        b_low, b_high, spread = 0.5 * k + 0.05, 5.0 * k - 0.5, np.full(len(pm), 0.4)
    else:  # durations of a few seconds to several minutes
        b_low, b_high, spread = 0.05 * k, 3.0 * k, 0.15 * latent
    b = cal.baseline_for_change(
        pm, latent, mean_change=mean_change, sd_change=sd_change, low=b_low, high=b_high
    )
    units = _split_baseline(rng, b, present, spread, low, high)
    return cal.tune_baseline_values(
        units,
        present,
        pm,
        unit=UNIT,
        low=low,
        high=high,
        mean_target=mean_change,
        sd_target=sd_change,
        tol_mean=0.001,
        tol_sd=0.002,
        rng=rng,
    )


def reference_outcomes(
    rng: np.random.Generator,
    arm_code: np.ndarray,
    observed: np.ndarray,
    pub: dict,
    derived_baselines: dict,
) -> dict[str, ArmDiary]:
    """Diary values of each arm's participants (rows in the order of `arm_code`).

    The experimental arm is steered to the joint ideal first; the comparator is
    then steered to the ideal given what the experimental arm achieved."""
    weeks = observed.shape[1]
    e, c = EXPERIMENTAL, COMPARATOR
    n = {arm: int((arm_code == arm).sum()) for arm in ARM_CODES}
    pw = (n[e] * weeks, n[c] * weeks)
    obs = {arm: observed[arm_code == arm] for arm in ARM_CODES}
    change = pub["change_from_baseline"]

    totals = dict(zip(ARM_CODES, frequency_totals(n[e], n[c], weeks), strict=True))
    base_means = (totals[e] / (2 * n[e]), totals[c] / (2 * n[c]))
    target = joint_targets("frequency", *pw, base_means)[e]
    screening, counts = {}, {}
    screening[e], counts[e] = _counts(rng, e, obs[e], target, totals[e], pub)
    achieved = _week_stats(counts[e], obs[e])
    target = comparator_targets("frequency", *pw, achieved, base_means)
    screening[c], counts[c] = _counts(rng, c, obs[c], target, totals[c], pub)

    level = {arm: rng.standard_normal(n[arm]) for arm in ARM_CODES}
    levels = {
        "severity": level,
        "duration": {
            arm: 0.5 * level[arm] + np.sqrt(0.75) * rng.standard_normal(n[arm]) for arm in ARM_CODES
        },
    }
    week_units, screen_units = {}, {}
    for outcome in ("severity", "duration"):
        for arm in ARM_CODES:
            if arm == e:
                target = joint_targets(outcome, *pw)[e]
            else:
                achieved = _week_stats(week_units[outcome, e] * UNIT, obs[e])
                target = comparator_targets(outcome, *pw, achieved)
            present = obs[arm] & (counts[arm] > 0)
            units = _week_values(rng, outcome, levels[outcome][arm], obs[arm], present, target)
            week_units[outcome, arm] = units
            pm = cal.impute_arm_week(units * UNIT, obs[arm]).mean(axis=1)
            mean_change = change_target(
                pm.mean(), change[outcome][arm]["mean"], derived_baselines[outcome][arm]
            )
            screen_units[outcome, arm] = _screening_values(
                rng, outcome, pm, screening[arm] > 0, mean_change, change[outcome][arm]["sd"]
            )

    result = {}
    for arm in ARM_CODES:
        present_w, present_s = obs[arm] & (counts[arm] > 0), screening[arm] > 0
        result[arm] = ArmDiary(
            screening_counts=screening[arm],
            screening_duration=_to_values(screen_units["duration", arm], present_s),
            screening_severity=_to_values(screen_units["severity", arm], present_s),
            counts=counts[arm],
            duration=_to_values(week_units["duration", arm], present_w),
            severity=_to_values(week_units["severity", arm], present_w),
            capsules_missed=rng.choice(
                len(CAPSULES_MISSED_P), p=CAPSULES_MISSED_P, size=obs[arm].shape
            ),
        )
    return result


def _to_values(units: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Stored values (2 decimals) where present, NaN elsewhere."""
    return np.where(present, np.round(units * UNIT, 2), np.nan)
