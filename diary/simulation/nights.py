"""The electronic diary of a simulated trial: each week's values split into the
nights and cramps a participant would have entered, so that the week derived from
its nights is exactly the plan's week (the call then confirms it).

A reached week gets its seven nights (those up to a withdrawal, when the week holds
it), its cramps spread over them, each cramp's duration and severity on the
diary's 0.01 steps, summing to the plan's count times its mean. A week whose call did
not reach the participant gets three nights without cramps: too few to be observed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np

UNIT = Decimal("0.01")
LIMITS = {"duration_min": (1, 60000), "severity": (100, 1000)}  # in units of 0.01


def split_mean(total_units: int, n: int, low: int, high: int, rng) -> list[int]:
    """n values in [low, high] (units) summing to total_units, spread around the mean."""
    base, extra = divmod(total_units, n)
    values = [base + (i < extra) for i in range(n)]
    for i in range(0, n - 1, 2):
        room = min(values[i] - low, high - values[i], values[i + 1] - low, high - values[i + 1])
        step = int(rng.integers(0, max(room, 0) // 2 + 1)) if room > 0 else 0
        values[i] += step
        values[i + 1] -= step
    rng.shuffle(values)
    return values


def week_nights(
    *,
    start: date,
    cramps: int,
    duration_min,
    severity,
    last_night: date | None,
    rng: np.random.Generator,
) -> dict[date, list[dict]]:
    """{night: [cramp, ...]} for one reached week whose values are the plan's."""
    nights = [start + timedelta(days=i) for i in range(7)]
    if last_night is not None:
        nights = [n for n in nights if n <= last_night]
    out: dict[date, list[dict]] = {n: [] for n in nights}
    if cramps == 0 or not nights:
        return out
    values = {}
    for name, mean in (("duration_min", duration_min), ("severity", severity)):
        total = int((Decimal(str(mean)) * cramps / UNIT).to_integral_value())
        values[name] = split_mean(total, cramps, *LIMITS[name], rng)
    where = np.sort(rng.integers(0, len(nights), size=cramps))
    for i, night_index in enumerate(where):
        out[nights[int(night_index)]].append(
            {name: Decimal(values[name][i]) * UNIT for name in values}
        )
    return out


def missed_week_nights(*, start: date, last_night: date | None) -> dict[date, list[dict]]:
    """Three nights without cramps for a week the call did not reach: not observed."""
    nights = [start + timedelta(days=i) for i in range(3)]
    return {n: [] for n in nights if last_night is None or n <= last_night}
