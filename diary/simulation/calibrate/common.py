"""What the tuners share: the loss they minimise and the participant-week statistics
after arm-week mean imputation."""

import numpy as np


def tuning_loss(mean, sd, mean_t, sd_t, tol_mean, tol_sd):
    """Squared distance to the targets in units of the tolerances."""
    return ((mean - mean_t) / tol_mean) ** 2 + ((sd - sd_t) / tol_sd) ** 2


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
