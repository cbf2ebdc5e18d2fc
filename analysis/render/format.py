"""Display rounding: the only place numbers are rounded."""

from __future__ import annotations

DASH = "\u2014"
MINUS = "\u2212"


def number(value, decimals: int = 2) -> str:
    """A number with `decimals` places, a true minus sign, and a dash when undefined."""
    if value is None:
        return DASH
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = f"{value:.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else MINUS + text[1:]
    return text


def p_value(p) -> str:
    """p as journals print it: "<.001" below .001, else three decimals without the zero."""
    if p is None:
        return DASH
    if p < 0.001:
        return "<.001"
    text = f"{p:.3f}"
    return text[1:] if text.startswith("0") else text


def mean_sd(entry: dict, decimals: int = 2) -> str:
    if entry.get("mean") is None:
        return DASH
    return f"{number(entry['mean'], decimals)} ({number(entry.get('sd'), decimals)})"


def n_pct(entry: dict) -> str:
    return f"{entry['n']} ({number(entry.get('pct'), 1)})"


def difference_ci(entry: dict, decimals: int = 2, key: str = "difference") -> str:
    low, high = entry["ci95"]
    if entry.get(key) is None:
        return DASH
    if low is None:
        return number(entry[key], decimals)
    return f"{number(entry[key], decimals)} ({number(low, decimals)} to {number(high, decimals)})"
