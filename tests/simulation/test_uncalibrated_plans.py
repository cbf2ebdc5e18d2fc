"""The null-effect and scale plans: the reference protocol's structure, valid rows,
no difference between arms in the null trial, and large trials generated fast."""

import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diary.simulation import plan_null_trial, plan_reference_trial, plan_scale_trial
from tests.simulation.checks import problems

WEEKS = 8


def participant_means(plan) -> pd.DataFrame:
    """Each participant's weekly cramps over the intervention after arm-week mean
    imputation, with their arm."""
    people = plan.participants[["participant_id", "arm_code"]]
    grid = people.merge(pd.DataFrame({"week": range(1, WEEKS + 1)}), how="cross")
    rows = plan.diary[(plan.diary.phase == "intervention") & plan.diary.reached]
    table = grid.merge(rows[["participant_id", "week", "cramps"]], how="left")
    table["cramps"] = table["cramps"].fillna(
        table.groupby(["arm_code", "week"])["cramps"].transform("mean")
    )
    return table.groupby(["participant_id", "arm_code"], as_index=False)["cramps"].mean()


@pytest.mark.parametrize(
    "make",
    [
        lambda: plan_reference_trial(),
        lambda: plan_null_trial(3),
        lambda: plan_null_trial(4, participants=60),
        lambda: plan_scale_trial(5, participants=3_000),
    ],
    ids=["reference", "null", "null-60", "scale-3000"],
)
def test_plan_rows_are_valid(make):
    assert problems(make()) == []


def test_null_trial_has_the_reference_structure():
    plan = plan_null_trial(1, participants=400)
    assert plan.trial == plan_reference_trial(check=False).trial
    assert len(plan.participants) == 400
    assert len(plan.screening) == pytest.approx(400 * 310 / 199, abs=3)
    counts = plan.participants.arm_code.value_counts()
    assert abs(counts["vitamin_k2"] - counts["placebo"]) <= 2  # permuted blocks of 4
    withdrawn = plan.participants.withdrawn_on.notna().mean()
    assert 0.05 < withdrawn < 0.17


def test_null_trial_shows_no_difference_between_arms():
    means = participant_means(plan_null_trial(11, participants=2_000))
    k2 = means.loc[means.arm_code == "vitamin_k2", "cramps"]
    placebo = means.loc[means.arm_code == "placebo", "cramps"]
    assert stats.ttest_ind(k2, placebo, equal_var=False).pvalue > 0.01
    assert abs(k2.mean() - placebo.mean()) < 0.15


def test_scale_trial_keeps_an_effect_like_the_paper():
    means = participant_means(plan_scale_trial(2, participants=2_000))
    by_arm = means.groupby("arm_code").cramps.mean()
    assert by_arm["vitamin_k2"] < 0.5 * by_arm["placebo"]


def test_scale_trial_has_realistic_missingness():
    plan = plan_scale_trial(8, participants=20_000)
    iv = plan.diary[plan.diary.phase == "intervention"]
    missed = (~iv.reached).mean()
    assert 0.02 < missed < 0.05
    rows_per_participant = iv.groupby("participant_id").size()
    assert rows_per_participant.max() == WEEKS
    assert 0.07 < (rows_per_participant < WEEKS).mean() < 0.14


def test_seeds_give_different_trials():
    a, b = plan_null_trial(1), plan_null_trial(2)
    assert not np.array_equal(a.diary.cramps.to_numpy(), b.diary.cramps.to_numpy())
    assert a.arm_sequence != b.arm_sequence
    again = plan_null_trial(1)
    pd.testing.assert_frame_equal(a.diary, again.diary)


def test_scale_trial_of_100000_participants_is_generated_in_seconds():
    started = time.perf_counter()
    plan = plan_scale_trial(0, participants=100_000)
    elapsed = time.perf_counter() - started
    assert len(plan.participants) == 100_000
    assert len(plan.diary) > 100_000 * 9
    assert elapsed < 30, f"{elapsed:.1f} s"
