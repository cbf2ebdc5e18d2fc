"""The report as JSON: the same report always gives the same bytes."""

from __future__ import annotations

import json
import math

import numpy as np


def render_json(report: dict) -> bytes:
    """UTF-8 JSON with sorted keys, two-space indent, floats in Python's shortest
    round-trip form, and a final newline. NaN or infinity is refused (use None)."""
    text = json.dumps(_plain(report), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def _plain(value):
    """Plain Python values: numpy scalars and tuples become floats, ints and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("the report holds a non-finite number")
        return value + 0.0  # no negative zero
    return value
