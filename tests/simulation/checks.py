"""Checks every simulated plan must pass, whatever its preset: the data package's
columns and references, dates in order, stored precision and ranges."""

import numpy as np
import pandas as pd

from diary.simulation.plan import (
    ADVERSE_EVENT_COLUMNS,
    DIARY_COLUMNS,
    PARTICIPANT_COLUMNS,
    SCREENING_COLUMNS,
)

DAY = pd.Timedelta(days=1)


def on_grid(values: pd.Series, decimals: int) -> bool:
    values = values.dropna().to_numpy(dtype=float)
    return bool(np.allclose(values, np.round(values, decimals), atol=1e-9, rtol=0))


def problems(plan) -> list[str]:
    """What is wrong with a plan's rows (empty when nothing)."""
    out = []

    def check(ok, what):
        if not bool(ok):
            out.append(what)

    s, p, d, ae = plan.screening, plan.participants, plan.diary, plan.adverse_events
    weeks = plan.trial["intervention_weeks"]
    check(list(s.columns) == SCREENING_COLUMNS, "screening columns")
    check(list(p.columns) == PARTICIPANT_COLUMNS, "participant columns")
    check(list(d.columns) == DIARY_COLUMNS, "diary columns")
    check(list(ae.columns) == ADVERSE_EVENT_COLUMNS, "adverse event columns")
    check(s.screening_id.is_unique and p.participant_id.is_unique, "unique ids")
    enrolled = s[s.outcome == "enrolled"]
    check(set(p.screening_id) == set(enrolled.screening_id), "participants are the enrolled")
    check(p.bottle_number.tolist() == list(range(1, len(p) + 1)), "bottles in order")
    check(p.randomized_on.is_monotonic_increasing, "bottle order is date order")
    check(plan.arm_sequence == p.arm_code.tolist(), "allocation list lines up")
    check(set(p.arm_code) == set(plan.arms.code), "both arms used")
    q = p.merge(s[["screening_id", "screened_on", "sex", "age"]], on="screening_id")
    check((q.sex_x == q.sex_y).all() and (q.age_x == q.age_y).all(), "sex/age as screened")
    check((q.consented_on >= q.screened_on).all(), "consent after screening")
    check((p.randomized_on >= p.consented_on + 14 * DAY).all(), "screening diary first")
    w = p[p.withdrawn_on.notna()]
    check((w.withdrawn_on >= w.randomized_on).all(), "withdrawal after randomization")
    check((w.withdrawn_on < w.randomized_on + 7 * weeks * DAY).all(), "withdrawn early")
    check((p.age >= 65).all() and on_grid(p.age, 0), "age")
    check(on_grid(p.height_cm, 1) and on_grid(p.weight_kg, 1), "height/weight precision")
    check(on_grid(p.creatinine_mg_dl, 2), "creatinine precision")

    check(not d.duplicated(["participant_id", "phase", "week"]).any(), "duplicate weeks")
    dd = d.merge(p, on="participant_id")
    scr = dd[dd.phase == "screening"]
    check(
        (scr.groupby("participant_id").cramps.sum() >= 2).all()
        and scr.participant_id.nunique() == len(p),
        "two screening weeks with >= 2 cramps",
    )
    iv = dd[dd.phase == "intervention"]
    start = iv.randomized_on + 7 * (iv.week - 1) * DAY
    check((iv.call_date >= start).all(), "call not before its week")
    check(((iv.call_date - (start + 7 * DAY)).abs() <= 2 * DAY).all(), "call near its due date")
    wd = iv[iv.withdrawn_on.notna()]
    check((wd.call_date < wd.withdrawn_on).all(), "no call after withdrawal")
    count_max = iv.groupby("participant_id").week.agg(["count", "max"])
    check((count_max["count"] == count_max["max"]).all(), "weeks 1..k without gaps")
    check(iv.week.between(1, weeks).all(), "intervention weeks in range")
    reached = d[d.reached]
    check(reached.cramps.notna().all() and (reached.cramps >= 0).all(), "cramps >= 0")
    check(on_grid(reached.cramps, 0), "cramps integer")
    cr, no = reached[reached.cramps > 0], reached[reached.cramps == 0]
    check(cr[["duration_min", "severity"]].notna().all().all(), "values with cramps")
    check(no[["duration_min", "severity"]].isna().all().all(), "no values without cramps")
    check((cr.duration_min > 0).all() and cr.severity.between(1, 10).all(), "value ranges")
    check(on_grid(cr.duration_min, 2) and on_grid(cr.severity, 2), "2 decimals")
    missed = d[~d.reached]
    check(
        missed[["cramps", "duration_min", "severity", "capsules_missed"]].isna().all().all(),
        "no values from a missed call",
    )
    caps = reached[reached.phase == "intervention"].capsules_missed
    check(caps.between(0, 7).all() and on_grid(caps, 0), "capsules missed 0..7")

    a = ae.merge(p, on="participant_id", how="left")
    check(a.arm_code.notna().all(), "adverse events of participants")
    check(set(ae.relatedness) <= {"unrelated", "unlikely"}, "no related adverse event")
    check((a.onset_on >= a.randomized_on).all(), "onset after randomization")
    check((ae.resolved_on.isna() | (ae.resolved_on >= ae.onset_on)).all(), "resolved after onset")
    return out
