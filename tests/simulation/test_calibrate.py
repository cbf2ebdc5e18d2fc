"""The calibration's numerical tools against direct computations."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diary.simulation import calibrate as cal


@pytest.mark.parametrize("df", [100, 197, 1590, 20_000])
def test_t_quantile_matches_scipy(df):
    assert cal.t_quantile_975(df) == pytest.approx(stats.t.ppf(0.975, df), abs=1e-9)


def test_pooled_half_width_matches_scipy_interval():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1, 1.4, 824), rng.normal(3.6, 2.2, 768)
    ci = stats.ttest_ind(a, b).confidence_interval(0.95)
    half = cal.pooled_half_width(a.std(ddof=1), b.std(ddof=1), len(a), len(b))
    assert half == pytest.approx((ci.high - ci.low) / 2, rel=1e-9)


def test_arm_week_imputation_and_its_statistics():
    rng = np.random.default_rng(2)
    values = rng.poisson(2, (40, 8)).astype(float)
    observed = rng.random((40, 8)) > 0.15
    filled = cal.impute_arm_week(values, observed)
    frame = pd.DataFrame(np.where(observed, values, np.nan))
    expected = frame.fillna(frame.mean()).to_numpy()
    np.testing.assert_allclose(filled, expected)
    x = np.where(observed, values, 0)
    mean, sd = cal.WeekStats(40, observed.sum(axis=0)).evaluate(x.sum(axis=0), (x * x).sum(axis=0))
    assert mean == pytest.approx(expected.mean()) and sd == pytest.approx(expected.std(ddof=1))


def test_rescale_within_hits_mean_and_sd_inside_bounds():
    rng = np.random.default_rng(3)
    out = cal.rescale_within(rng.gamma(0.7, 1, 200), mean=1.0, sd=1.2, low=0.0, high=9.0)
    assert out.mean() == pytest.approx(1.0) and out.std(ddof=1) == pytest.approx(1.2)
    assert out.min() >= 0.0 and out.max() <= 9.0


def test_week_counts_are_steered_to_mean_and_sd():
    rng = np.random.default_rng(4)
    counts = rng.poisson(1.0, (100, 8))
    observed = rng.random((100, 8)) > 0.05
    tuned = cal.tune_week_counts(
        counts, observed, mean_target=0.9, sd_target=1.3, tol_mean=1e-3, tol_sd=2e-3, rng=rng
    )
    filled = cal.impute_arm_week(tuned.astype(float), observed)
    assert filled.mean() == pytest.approx(0.9, abs=1e-3)
    assert filled.std(ddof=1) == pytest.approx(1.3, abs=2e-3)
    assert tuned.min() >= 0 and np.array_equal(tuned[~observed], counts[~observed])
