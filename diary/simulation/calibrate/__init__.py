"""Numerical tools that steer simulated values towards published summary figures.

Everything works on integer units (1 for counts and ages, 0.1 for height and
weight, 0.01 for creatinine, duration and severity), so that the values a plan
holds are exactly the values the database stores.
"""

from diary.simulation.calibrate.common import WeekStats, impute_arm_week
from diary.simulation.calibrate.counts import (
    tune_change_sd_by_swaps,
    tune_mean_sd,
    tune_pair_sums,
    tune_week_counts,
)
from diary.simulation.calibrate.targeting import (
    box_tolerance,
    ideal_point,
    leader_tolerance,
    margin,
    pooled_half_width,
    t_quantile_975,
)
from diary.simulation.calibrate.values import (
    baseline_for_change,
    fit_location_scale,
    rescale_within,
    tune_baseline_values,
    tune_week_values,
)

__all__ = [
    "WeekStats",
    "baseline_for_change",
    "box_tolerance",
    "fit_location_scale",
    "ideal_point",
    "impute_arm_week",
    "leader_tolerance",
    "margin",
    "pooled_half_width",
    "rescale_within",
    "t_quantile_975",
    "tune_baseline_values",
    "tune_change_sd_by_swaps",
    "tune_mean_sd",
    "tune_pair_sums",
    "tune_week_counts",
    "tune_week_values",
]
