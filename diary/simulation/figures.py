"""The published figures, recomputed from a plan's rows under the report's
conventions (intention to treat, arm-week mean imputation), so that a plan can
be checked before it is used. The app's report computes these on its own."""

import numpy as np
import pandas as pd

from diary.simulation.calibrate import margin, t_quantile_975
from diary.simulation.plan import TrialPlan
from diary.simulation.published import ARM_CODES, COMPARATOR, EXPERIMENTAL, published

OUTCOMES = ("frequency", "duration", "severity")
# |t| above this gives p < .001 for any df >= 100 (t(0.9995, 100) = 3.39)
T_P001 = 3.40


def flatten(tree: dict, prefix: str = "") -> dict[str, object]:
    """JSON leaves by dotted path (list items by index)."""
    out: dict[str, object] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "."))
        elif isinstance(value, list) and all(isinstance(v, int | float) for v in value):
            out.update({f"{path}.{i}": v for i, v in enumerate(value)})
        else:
            out[path] = value
    return out


def decimals_for(path: str) -> int:
    """How the paper rounds the figure at `path`."""
    parts = path.split(".")
    if path.endswith(".n") or parts[0] in ("design", "adverse_events_related_to_treatment"):
        return 0
    if parts[0] == "consort":
        return 1 if parts[1] == "completed_pct" else 0
    if parts[0] == "reported_elsewhere_in_text":
        return 0
    if parts[0] == "table1":
        return 2 if parts[1] == "creatinine_mg_dl" else 1
    return 2


def week_values(plan: TrialPlan, phase: str, outcome: str, arm: str):
    """(values, observed) matrices, participants x weeks, under the week-value
    convention: duration and severity count 0 in a week without cramps."""
    weeks = plan.trial["screening_weeks" if phase == "screening" else "intervention_weeks"]
    people = plan.participants.loc[plan.participants["arm_code"] == arm, "participant_id"]
    index = pd.Index(people, name="participant_id")
    rows = plan.diary[(plan.diary["phase"] == phase) & plan.diary["reached"].astype(bool)]
    rows = rows[rows["participant_id"].isin(index)]
    column = {"frequency": "cramps", "duration": "duration_min", "severity": "severity"}[outcome]
    value = rows[column].where(rows["cramps"] > 0, 0.0) if outcome != "frequency" else rows[column]
    table = (
        pd.DataFrame({"p": rows["participant_id"], "w": rows["week"], "v": value})
        .pivot(index="p", columns="w", values="v")
        .reindex(index=index, columns=range(1, weeks + 1))
    )
    values = table.to_numpy(dtype=float)
    return np.nan_to_num(values), ~np.isnan(values)


def _impute(values, observed):
    sums = np.where(observed, values, 0.0).sum(axis=0)
    n = observed.sum(axis=0)
    overall = sums.sum() / n.sum()
    means = np.where(n > 0, sums / np.maximum(n, 1), overall)
    return np.where(observed, values, means[None, :])


def _pooled(a, b):
    n1, n2 = len(a), len(b)
    df = n1 + n2 - 2
    pooled = ((n1 - 1) * a.var(ddof=1) + (n2 - 1) * b.var(ddof=1)) / df
    se = np.sqrt(pooled * (1 / n1 + 1 / n2))
    diff = a.mean() - b.mean()
    half = t_quantile_975(df) * se
    return diff, diff - half, diff + half, diff / se


def compute_figures(plan: TrialPlan) -> dict[str, object]:
    """Unrounded figures by the JSON path of their published counterpart."""
    f: dict[str, object] = {}
    s, p = plan.screening, plan.participants
    f["design.sites"] = len(plan.sites)
    f["design.screening_weeks"] = plan.trial["screening_weeks"]
    f["design.intervention_weeks"] = plan.trial["intervention_weeks"]
    ratio = plan.arms.set_index("role")["ratio"]
    f["design.allocation_ratio.0"] = int(ratio["experimental"])
    f["design.allocation_ratio.1"] = int(ratio["comparator"])
    f["consort.screened"] = len(s)
    f["consort.excluded"] = int((s["outcome"] != "enrolled").sum())
    for outcome in ("not_meeting_inclusion", "meeting_exclusion", "declined"):
        f[f"consort.{outcome}"] = int((s["outcome"] == outcome).sum())
    for reason, k in s.loc[s["outcome"] == "meeting_exclusion", "reason"].value_counts().items():
        f[f"consort.meeting_exclusion_detail.{reason}"] = int(k)
    f["consort.randomized"] = len(p)
    end = p["randomized_on"] + pd.Timedelta(days=7 * plan.trial["intervention_weeks"])
    completed = p["withdrawn_on"].isna() | (p["withdrawn_on"] >= end)
    for arm in ARM_CODES:
        in_arm = p["arm_code"] == arm
        f[f"consort.allocated.{arm}"] = int(in_arm.sum())
        f[f"consort.analysed_itt.{arm}"] = int(in_arm.sum())
        f[f"consort.completed.{arm}"] = int((completed & in_arm).sum())
        f[f"consort.completed_pct.{arm}"] = 100 * (completed & in_arm).sum() / in_arm.sum()

    columns = {"total": p, **{arm: p[p["arm_code"] == arm] for arm in ARM_CODES}}
    for col, frame in columns.items():
        n = len(frame)
        for row, mask in (
            ("female", frame["sex"] == "F"),
            ("male", frame["sex"] == "M"),
            ("hypertension", frame["hypertension"].astype(bool)),
            ("diabetes", frame["diabetes"].astype(bool)),
        ):
            f[f"table1.{row}.{col}.n"] = int(mask.sum())
            f[f"table1.{row}.{col}.pct"] = 100 * mask.sum() / n
        for row in ("age", "height_cm", "weight_kg", "creatinine_mg_dl"):
            f[f"table1.{row}.{col}.mean"] = frame[row].mean()
            f[f"table1.{row}.{col}.sd"] = frame[row].std(ddof=1)

    weeks = plan.trial["intervention_weeks"]
    means, base = {}, {}
    for outcome in OUTCOMES:
        filled = {}
        for arm in ARM_CODES:
            sv, so = week_values(plan, "screening", outcome, arm)
            iv, io = week_values(plan, "intervention", outcome, arm)
            filled[arm] = _impute(iv, io)
            base[arm] = np.where(so, sv, 0).sum(axis=1) / so.sum(axis=1)
            means[arm] = filled[arm].mean(axis=1)
            flat = filled[arm].ravel()
            key = f"table2_participant_week.{outcome}.{arm}"
            f[f"{key}.mean"], f[f"{key}.sd"] = flat.mean(), flat.std(ddof=1)
            change = means[arm] - base[arm]
            key = f"change_from_baseline.{outcome}.{arm}"
            f[f"{key}.mean"], f[f"{key}.sd"] = change.mean(), change.std(ddof=1)
            if outcome == "frequency":
                f[f"baseline.frequency.{arm}.mean"] = base[arm].mean()
                f[f"baseline.frequency.{arm}.sd"] = base[arm].std(ddof=1)
        e, c = filled[EXPERIMENTAL].ravel(), filled[COMPARATOR].ravel()
        diff, lo, hi, t = _pooled(e, c)
        key = f"table2_participant_week.{outcome}"
        f[f"{key}.difference"], f[f"{key}.ci95.0"], f[f"{key}.ci95.1"] = diff, lo, hi
        f[f"{key}.p"] = "<.001" if abs(t) > T_P001 else "not <.001"
        *_, t_change = _pooled(
            means[EXPERIMENTAL] - base[EXPERIMENTAL], means[COMPARATOR] - base[COMPARATOR]
        )
        f[f"change_from_baseline.{outcome}.p"] = "<.001" if abs(t_change) > T_P001 else "not"
        if outcome == "frequency":
            significant = []
            for w in range(weeks):
                *_, tw = _pooled(filled[EXPERIMENTAL][:, w], filled[COMPARATOR][:, w])
                significant.append(abs(tw) > 2.0)  # t(0.975, df >= 100) < 1.99
            first = next((w + 1 for w in range(weeks) if all(significant[w:])), None)
            f["reported_elsewhere_in_text.weekly_difference_significant_from_week"] = first

    ae = plan.adverse_events.merge(p[["participant_id", "arm_code"]], on="participant_id")
    related = ae["relatedness"].isin(["possible", "probable", "definite"])
    f["adverse_events_related_to_treatment"] = int(
        (related & (ae["arm_code"] == EXPERIMENTAL)).sum()
    )
    return f


def figure_mismatches(plan: TrialPlan, min_margin: float = 1e-6) -> list[str]:
    """Every published figure the plan's rows do not reproduce (or reproduce with
    less than `min_margin` to spare before the rounding boundary)."""
    computed = compute_figures(plan)
    problems = []
    for path, target in flatten(published()).items():
        if path not in computed:
            continue
        value = computed[path]
        if isinstance(target, str) or isinstance(value, str) or value is None:
            if value != target:
                problems.append(f"{path}: {value!r} != {target!r}")
            continue
        room = float(margin(value, float(target), decimals_for(path)))
        if room < min_margin:
            problems.append(f"{path}: {value:.6f} vs {target} (margin {room:.2e})")
    return problems
