"""The figures the reference trial's paper publishes, and how the paper rounds them.

The simulated reference trial is calibrated towards these figures; the report
never reads them (it computes everything from the stored rows).
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

PUBLISHED_PATH = Path(__file__).parent / "reference" / "vitk2_nlc_2024.json"

EXPERIMENTAL = "vitamin_k2"
COMPARATOR = "placebo"
ARM_CODES = (EXPERIMENTAL, COMPARATOR)


@cache
def _load() -> str:
    return PUBLISHED_PATH.read_text(encoding="utf-8")


def published() -> dict:
    """A fresh copy of the published figures (vitk2_nlc_2024.json)."""
    return json.loads(_load())


def paper_round(value: float, decimals: int) -> float:
    """Round half away from zero to `decimals` places, as the paper prints."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def rounding_interval(target: float, decimals: int) -> tuple[float, float]:
    """The unrounded values that print as `target` (half-open, as an open interval)."""
    half = 0.5 * 10.0**-decimals
    return target - half, target + half
