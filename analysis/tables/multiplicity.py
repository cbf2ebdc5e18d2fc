"""Multiplicity control as the plan declares it.

The primary outcome's primary analysis is tested at alpha. The secondary outcomes
(their analysis labelled secondary) are a family tested only after the primary
(serial gatekeeping; Dmitrienko & Tamhane 2007): by Holm's step-down procedure
(Holm 1979), or in the declared fixed sequence (hierarchical). The adjusted
p-value of a secondary outcome is the larger of the primary's p and its own
adjusted p within the family (Holm's; for the sequence, the largest p so far), so
it is below alpha exactly when the procedure rejects it. Weekly tests are
exploratory and are not adjusted.
"""

from __future__ import annotations

from statsmodels.stats.multitest import multipletests

from analysis.plan import primary_estimand
from analysis.stats import number


def _lookup(report: dict, key: str):
    node = report
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def multiplicity(report: dict, plan: dict) -> dict:
    """{method, alpha, primary: {outcome, analysis, p, p_adjusted, significant},
    secondary: [{outcome, analysis, p, p_adjusted, significant}], exploratory}."""
    alpha = float(plan["alpha"])
    method = plan["multiplicity"]["method"]
    primary = primary_estimand(plan)
    primary_p = (_lookup(report, primary["method"]) or {}).get("p")
    by_outcome = {
        e["outcome"]: e["method"] for e in plan["estimands"] if e["analysis"] == "secondary"
    }
    secondary = [(o, by_outcome[o]) for o in plan["multiplicity"]["secondary"]]
    raw = [(_lookup(report, key) or {}).get("p") for _, key in secondary]
    adjusted: list[float | None] = [None] * len(raw)
    if primary_p is not None and raw and all(p is not None for p in raw):
        if method == "holm":
            within = list(multipletests(raw, method="holm")[1])
        else:
            within, running = [], 0.0
            for p in raw:
                running = max(running, p)
                within.append(running)
        adjusted = [number(min(1.0, max(primary_p, float(p)))) for p in within]
    return {
        "method": method,
        "alpha": alpha,
        "primary": {
            "outcome": primary["outcome"],
            "analysis": primary["method"],
            "p": primary_p,
            "p_adjusted": primary_p,
            "significant": None if primary_p is None else bool(primary_p < alpha),
        },
        "secondary": [
            {
                "outcome": outcome,
                "analysis": key,
                "p": p,
                "p_adjusted": q,
                "significant": None if q is None else bool(q < alpha),
            }
            for (outcome, key), p, q in zip(secondary, raw, adjusted, strict=True)
        ],
        "exploratory": "weekly comparisons: one test per week and outcome, not adjusted",
    }
