"""The simulated reference trial reproduces every figure the paper publishes.

Every figure is recomputed here from the plan's rows with an implementation of
our own (pandas for the conventions, scipy for the tests), independent of the
module's self-check, and compared with vitk2_nlc_2024.json after rounding as
the paper rounds."""

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import diary.simulation
from diary.simulation import plan_reference_trial

PUBLISHED = json.loads(
    (Path(diary.simulation.__file__).parent / "reference" / "vitk2_nlc_2024.json").read_text()
)
ARMS = ("vitamin_k2", "placebo")
WEEKS = 8
OTHER_SEED = 7

# Published numbers that describe the protocol, not data a report computes.
PROTOCOL_CONSTANTS = (
    "design.sample_size.",
    "design.severity_scale.",
    "creatinine_si_factor_umol_per_l",
)


def paper_round(value: float, decimals: int) -> float:
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def leaves(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from leaves(value, path + ".")
        elif isinstance(value, list) and all(isinstance(v, int | float) for v in value):
            for i, v in enumerate(value):
                yield f"{path}.{i}", v
        else:
            yield path, value


def published_figures() -> dict:
    """The JSON's numeric leaves and p-value strings (notes and lists of text left out)."""
    return {
        path: value
        for path, value in leaves(PUBLISHED)
        if (isinstance(value, int | float) and not isinstance(value, bool))
        or (isinstance(value, str) and value.startswith("<"))
    }


def decimals(path: str) -> int:
    """How the paper rounds a figure (see the JSON's note)."""
    top, *rest = path.split(".")
    if top == "table1":
        if path.endswith(".n"):
            return 0
        if path.endswith(".pct"):
            return 1
        return 2 if rest[0] == "creatinine_mg_dl" else 1
    if top == "consort":
        return 1 if rest[0] == "completed_pct" else 0
    if top in ("table2_participant_week", "change_from_baseline", "baseline", "derived"):
        return 2
    return 0


# --- an independent computation of the report's figures ----------------------


def week_values(plan, phase: str) -> pd.DataFrame:
    """Observed (reached) weeks of a phase with the three outcomes under the
    week-value convention: no cramp counts 0 for duration and severity."""
    rows = plan.diary[(plan.diary["phase"] == phase) & plan.diary["reached"]]
    no_cramp = rows["cramps"] == 0
    return pd.DataFrame(
        {
            "participant_id": rows["participant_id"],
            "week": rows["week"],
            "frequency": rows["cramps"],
            "duration": rows["duration_min"].mask(no_cramp, 0.0),
            "severity": rows["severity"].mask(no_cramp, 0.0),
        }
    )


def imputed_weeks(plan) -> pd.DataFrame:
    """Every randomized participant x intervention week, missing weeks filled with
    the mean of the observed values of the same arm and week."""
    people = plan.participants[["participant_id", "arm_code"]]
    grid = people.merge(pd.DataFrame({"week": range(1, WEEKS + 1)}), how="cross")
    table = grid.merge(week_values(plan, "intervention"), on=["participant_id", "week"], how="left")
    for outcome in ("frequency", "duration", "severity"):
        arm_week = table.groupby(["arm_code", "week"])[outcome].transform("mean")
        arm_all = table.groupby("arm_code")[outcome].transform("mean")
        table[outcome] = table[outcome].fillna(arm_week).fillna(arm_all)
    return table


def baselines(plan) -> pd.DataFrame:
    base = week_values(plan, "screening").groupby("participant_id").mean(numeric_only=True)
    return base.drop(columns="week")


def compute(plan) -> dict:
    fig: dict = {}
    s, p = plan.screening, plan.participants
    fig["design.sites"] = plan.sites["site_code"].nunique()
    fig["design.screening_weeks"] = plan.diary.loc[plan.diary.phase == "screening", "week"].max()
    fig["design.intervention_weeks"] = plan.diary.loc[
        plan.diary.phase == "intervention", "week"
    ].max()
    fig["design.allocation_ratio.0"] = plan.arms.set_index("code").loc["vitamin_k2", "ratio"]
    fig["design.allocation_ratio.1"] = plan.arms.set_index("code").loc["placebo", "ratio"]

    outcome_counts = s["outcome"].value_counts()
    fig["consort.screened"] = len(s)
    fig["consort.excluded"] = len(s) - outcome_counts["enrolled"]
    for outcome in ("not_meeting_inclusion", "meeting_exclusion", "declined"):
        fig[f"consort.{outcome}"] = outcome_counts[outcome]
    for reason, n in s[s.outcome == "meeting_exclusion"]["reason"].value_counts().items():
        fig[f"consort.meeting_exclusion_detail.{reason}"] = n
    fig["consort.randomized"] = len(p)
    completed = p["withdrawn_on"].isna() | (
        p["withdrawn_on"] >= p["randomized_on"] + pd.Timedelta(days=7 * WEEKS)
    )
    for arm in ARMS:
        in_arm = p["arm_code"] == arm
        fig[f"consort.allocated.{arm}"] = in_arm.sum()
        fig[f"consort.analysed_itt.{arm}"] = in_arm.sum()
        fig[f"consort.completed.{arm}"] = (in_arm & completed).sum()
        fig[f"consort.completed_pct.{arm}"] = 100 * (in_arm & completed).sum() / in_arm.sum()

    groups = {"total": p, **{arm: p[p["arm_code"] == arm] for arm in ARMS}}
    for column, g in groups.items():
        for row, flag in (
            ("female", g["sex"] == "F"),
            ("male", g["sex"] == "M"),
            ("hypertension", g["hypertension"]),
            ("diabetes", g["diabetes"]),
        ):
            fig[f"table1.{row}.{column}.n"] = flag.sum()
            fig[f"table1.{row}.{column}.pct"] = 100 * flag.mean()
        for row in ("age", "height_cm", "weight_kg", "creatinine_mg_dl"):
            fig[f"table1.{row}.{column}.mean"] = np.mean(g[row])
            fig[f"table1.{row}.{column}.sd"] = np.std(g[row], ddof=1)

    weeks = imputed_weeks(plan)
    base = baselines(plan)
    person = weeks.groupby(["participant_id", "arm_code"]).mean(numeric_only=True).reset_index()
    person = person.merge(base, left_on="participant_id", right_index=True, suffixes=("", "_0"))
    for arm in ARMS:
        b = person.loc[person.arm_code == arm, "frequency_0"]
        fig[f"baseline.frequency.{arm}.mean"] = b.mean()
        fig[f"baseline.frequency.{arm}.sd"] = b.std(ddof=1)
    for outcome in ("frequency", "duration", "severity"):
        values = {arm: weeks.loc[weeks.arm_code == arm, outcome].to_numpy() for arm in ARMS}
        change = {
            arm: (person[outcome] - person[f"{outcome}_0"])[person.arm_code == arm].to_numpy()
            for arm in ARMS
        }
        for arm in ARMS:
            key = f"table2_participant_week.{outcome}.{arm}"
            fig[f"{key}.mean"] = values[arm].mean()
            fig[f"{key}.sd"] = values[arm].std(ddof=1)
            key = f"change_from_baseline.{outcome}.{arm}"
            fig[f"{key}.mean"] = change[arm].mean()
            fig[f"{key}.sd"] = change[arm].std(ddof=1)
            fig[f"derived.baseline.{outcome}.{arm}.mean"] = person.loc[
                person.arm_code == arm, f"{outcome}_0"
            ].mean()
        test = stats.ttest_ind(values["vitamin_k2"], values["placebo"], equal_var=True)
        assert test.df == len(values["vitamin_k2"]) + len(values["placebo"]) - 2
        ci = test.confidence_interval(0.95)
        key = f"table2_participant_week.{outcome}"
        fig[f"{key}.difference"] = values["vitamin_k2"].mean() - values["placebo"].mean()
        fig[f"{key}.ci95.0"], fig[f"{key}.ci95.1"] = ci.low, ci.high
        fig[f"{key}.p"] = test.pvalue
        fig[f"change_from_baseline.{outcome}.p"] = stats.ttest_ind(
            change["vitamin_k2"], change["placebo"], equal_var=True
        ).pvalue

    weekly_p = [
        stats.ttest_ind(
            *(weeks.loc[(weeks.arm_code == arm) & (weeks.week == w), "frequency"] for arm in ARMS)
        ).pvalue
        for w in range(1, WEEKS + 1)
    ]
    fig["reported_elsewhere_in_text.weekly_difference_significant_from_week"] = min(
        w for w in range(1, WEEKS + 1) if all(q < 0.05 for q in weekly_p[w - 1 :])
    )
    ae = plan.adverse_events.merge(p[["participant_id", "arm_code"]], on="participant_id")
    fig["adverse_events_related_to_treatment"] = (
        (ae.arm_code == "vitamin_k2") & ae.relatedness.isin(["possible", "probable", "definite"])
    ).sum()
    return fig


def derived_baselines() -> dict:
    """Baseline severity and duration implied by the paper (its derived note)."""
    note = PUBLISHED["baseline"]["derived_note"]
    out = {}
    for outcome in ("severity", "duration"):
        match = re.search(rf"{outcome} ([\d.]+) / ([\d.]+)", note)
        for arm, value in zip(ARMS, match.groups(), strict=True):
            out[f"derived.baseline.{outcome}.{arm}.mean"] = float(value)
    return out


def as_printed(path: str, value, target):
    if isinstance(target, str):  # "<.001"
        return "<.001" if value < 0.001 else f"{value:.3f}"
    return paper_round(value, decimals(path))


TARGETS = {**published_figures(), **derived_baselines()}
CHECKED = [path for path in TARGETS if not path.startswith(PROTOCOL_CONSTANTS)]


@pytest.fixture(scope="module")
def plan():
    return plan_reference_trial()


@pytest.fixture(scope="module")
def figures(plan):
    return compute(plan)


@pytest.mark.parametrize("path", CHECKED)
def test_reference_plan_reproduces_published_figure(figures, path):
    target = TARGETS[path]
    assert path in figures, f"{path} is not computed"
    assert as_printed(path, figures[path], target) == target, (path, figures[path])


def test_every_published_number_is_checked():
    numbers = [p for p, v in leaves(PUBLISHED) if isinstance(v, int | float)]
    assert set(numbers) - set(CHECKED) == {p for p in numbers if p.startswith(PROTOCOL_CONSTANTS)}
    assert len(CHECKED) > 100


def test_another_seed_gives_other_rows_that_reproduce_every_figure(plan):
    other = plan_reference_trial(OTHER_SEED)
    assert not other.diary["cramps"].equals(plan.diary["cramps"])
    assert not other.participants["age"].equals(plan.participants["age"])
    assert other.arm_sequence != plan.arm_sequence
    computed = compute(other)
    wrong = {
        path: computed.get(path)
        for path in CHECKED
        if as_printed(path, computed[path], TARGETS[path]) != TARGETS[path]
    }
    assert wrong == {}


def test_the_same_seed_gives_the_same_plan(plan):
    again = plan_reference_trial(2024, check=False)
    pd.testing.assert_frame_equal(again.diary, plan.diary)
    pd.testing.assert_frame_equal(again.participants, plan.participants)


def test_imputation_fills_missed_and_withdrawn_weeks(plan):
    observed = week_values(plan, "intervention").merge(
        plan.participants[["participant_id", "arm_code"]]
    )
    missing = {
        arm: WEEKS * (plan.participants.arm_code == arm).sum() - (observed.arm_code == arm).sum()
        for arm in ARMS
    }
    assert all(20 <= m <= 120 for m in missing.values()), missing
    missed_calls = plan.diary[(plan.diary.phase == "intervention") & ~plan.diary.reached]
    assert 20 <= len(missed_calls) <= 100
