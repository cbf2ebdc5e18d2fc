"""Baseline characteristics (Table 1) of the simulated reference trial: realistic
draws per arm, rescaled and nudged on the stored precision until every Table 1
figure prints as published."""

import numpy as np

from diary.simulation.calibrate import ideal_point, tune_mean_sd
from diary.simulation.published import ARM_CODES

# stored precision (unit) and plausible range of each continuous characteristic
CONTINUOUS = {
    "age": (1.0, 65, 92),
    "height_cm": (0.1, 138.0, 185.0),
    "weight_kg": (0.1, 36.0, 80.0),
    "creatinine_mg_dl": (0.01, 0.35, 4.5),
}
DECIMALS = {"age": 1, "height_cm": 1, "weight_kg": 1, "creatinine_mg_dl": 2}  # as printed


def _two_arm_targets(row: dict, n: dict[str, int], decimals: int):
    """Ideal unrounded mean and SD per arm for a Table 1 row: every arm and total
    figure as far inside its rounding interval as possible."""
    e, c = ARM_CODES
    n1, n2 = n[e], n[c]
    total = row["total"]

    def derived(m1, s1, m2, s2):
        mean = (n1 * m1 + n2 * m2) / (n1 + n2)
        ss = (n1 - 1) * s1**2 + (n2 - 1) * s2**2 + n1 * n2 / (n1 + n2) * (m1 - m2) ** 2
        sd = np.sqrt(ss / (n1 + n2 - 1))
        return [
            (m1, row[e]["mean"], decimals),
            (s1, row[e]["sd"], decimals),
            (m2, row[c]["mean"], decimals),
            (s2, row[c]["sd"], decimals),
            (mean, total["mean"], decimals),
            (sd, total["sd"], decimals),
        ]

    boxes = [
        (row[e]["mean"], decimals),
        (row[e]["sd"], decimals),
        (row[c]["mean"], decimals),
        (row[c]["sd"], decimals),
    ]
    point, worst = ideal_point(boxes, derived, grid=21)
    if worst <= 0:
        raise RuntimeError("Table 1 row cannot be reproduced")
    return {e: (point[0], point[1]), c: (point[2], point[3])}, worst


def _draw(rng, name: str, sex: np.ndarray, arm: str, height=None) -> np.ndarray:
    n = len(sex)
    female = sex == "F"
    if name == "age":
        return 65 + rng.gamma(1.8, 4.1, n)
    if name == "height_cm":
        return np.where(female, rng.normal(153.5, 4.3, n), rng.normal(164.0, 4.8, n))
    if name == "weight_kg":
        return 52.5 + 0.45 * (height - 158.5) + rng.normal(0, 4.3, n)
    # creatinine: mostly normal kidney function, a few with impaired function
    level = np.where(female, 0.78, 0.95) * np.exp(rng.normal(0, 0.2, n))
    impaired = rng.random(n) < (0.06 if arm == "placebo" else 0.0)
    return np.where(impaired, rng.uniform(1.5, 3.4, n), level)


def characteristics(
    rng: np.random.Generator, arm_code: np.ndarray, table1: dict
) -> dict[str, np.ndarray]:
    """Sex, age, height, weight, hypertension, diabetes and creatinine of each
    participant (in the order of `arm_code`), reproducing Table 1."""
    n_total = len(arm_code)
    out = {
        "sex": np.empty(n_total, dtype=object),
        "hypertension": np.zeros(n_total, dtype=bool),
        "diabetes": np.zeros(n_total, dtype=bool),
    }
    n = {arm: int((arm_code == arm).sum()) for arm in ARM_CODES}
    for arm in ARM_CODES:
        idx = np.flatnonzero(arm_code == arm)
        sex = np.array(["M"] * n[arm], dtype=object)
        sex[rng.choice(n[arm], table1["female"][arm]["n"], replace=False)] = "F"
        out["sex"][idx] = sex
        for row in ("hypertension", "diabetes"):
            flags = np.zeros(n[arm], dtype=bool)
            flags[rng.choice(n[arm], table1[row][arm]["n"], replace=False)] = True
            out[row][idx] = flags
    for name, (unit, low, high) in CONTINUOUS.items():
        targets, worst = _two_arm_targets(table1[name], n, DECIMALS[name])
        tol = worst / 2
        values = np.zeros(n_total)
        for arm in ARM_CODES:
            idx = np.flatnonzero(arm_code == arm)
            mean_t, sd_t = targets[arm]
            for _ in range(50):
                raw = _draw(rng, name, out["sex"][idx], arm, out.get("height_cm", values)[idx])
                scaled = mean_t + sd_t * (raw - raw.mean()) / raw.std(ddof=1)
                units = np.round(scaled / unit).astype(np.int64)
                if units.min() >= low / unit and units.max() <= high / unit:
                    break
            else:
                raise RuntimeError(f"no plausible draw of {name}")
            units = tune_mean_sd(
                units,
                unit=unit,
                low=round(low / unit),
                high=round(high / unit),
                mean_target=mean_t,
                sd_target=sd_t,
                tol_mean=tol,
                tol_sd=tol,
                rng=rng,
            )
            values[idx] = np.round(units * unit, 2)
        out[name] = values
    return out
