"""The simulated reference trial's rows are a trial that could have happened: the
counts of the flow, dates in order, values on the stored precision and in range,
no diary after a withdrawal."""

import numpy as np
import pandas as pd
import pytest

from diary.simulation import plan_reference_trial
from diary.simulation.plan import (
    ADVERSE_EVENT_COLUMNS,
    DIARY_COLUMNS,
    PARTICIPANT_COLUMNS,
    SCREENING_COLUMNS,
)
from diary.simulation.published import published

DAY = pd.Timedelta(days=1)
EXCLUSION_REASONS = published()["consort"]["meeting_exclusion_detail"]


@pytest.fixture(scope="module")
def plan():
    return plan_reference_trial()


@pytest.fixture(scope="module")
def intervention(plan):
    rows = plan.diary[plan.diary.phase == "intervention"]
    return rows.merge(plan.participants, on="participant_id")


def on_grid(values: pd.Series, decimals: int) -> bool:
    values = values.dropna().to_numpy()
    return bool(np.allclose(values, np.round(values, decimals), atol=1e-9, rtol=0))


def test_tables_have_the_data_package_columns(plan):
    assert list(plan.screening.columns) == SCREENING_COLUMNS
    assert list(plan.participants.columns) == PARTICIPANT_COLUMNS
    assert list(plan.diary.columns) == DIARY_COLUMNS
    assert list(plan.adverse_events.columns) == ADVERSE_EVENT_COLUMNS
    assert set(plan.tables()) == {
        "sites",
        "screening",
        "participants",
        "allocation",
        "diary",
        "adverse_events",
    }
    assert "arm_code" not in plan.tables()["participants"].columns


def test_screening_log_counts_and_reasons(plan):
    s = plan.screening
    assert len(s) == 310 and s.screening_id.is_unique
    assert s.outcome.value_counts().to_dict() == {
        "enrolled": 199,
        "not_meeting_inclusion": 56,
        "meeting_exclusion": 40,
        "declined": 15,
    }
    assert s[s.outcome == "meeting_exclusion"].reason.value_counts().to_dict() == (
        EXCLUSION_REASONS
    )
    assert s.loc[s.outcome != "enrolled", "reason"].notna().all()
    assert s.loc[s.outcome == "enrolled", "reason"].isna().all()
    assert set(s.sex) == {"F", "M"} and s.age.notna().all() and on_grid(s.age, 0)
    assert s.screened_on.min() >= pd.Timestamp("2022-09-01")
    assert s.screened_on.max() <= pd.Timestamp("2023-10-31")
    assert set(s.site_code) == set(plan.sites.site_code) and len(plan.sites) == 2


def test_participants_come_from_enrolled_screening_rows(plan):
    p = plan.participants.merge(plan.screening, on="screening_id", suffixes=("", "_s"))
    assert len(p) == 199 and p.participant_id.is_unique and p.screening_id.is_unique
    assert (p.outcome == "enrolled").all()
    assert (p.sex == p.sex_s).all() and (p.age == p.age_s).all()
    assert (p.site_code == p.site_code_s).all()
    assert (p.participant_id.str[:2] == p.site_code).all()


def test_randomization_order_is_bottle_order_and_date_order(plan):
    p = plan.participants
    assert p.bottle_number.tolist() == list(range(1, 200))
    assert p.randomized_on.is_monotonic_increasing
    assert plan.randomization_order == p.participant_id.tolist()
    assert plan.arm_sequence == p.arm_code.tolist()
    assert plan.allocation.bottle_number.tolist() == list(range(1, 200))
    assert p.arm_code.value_counts().to_dict() == {"vitamin_k2": 103, "placebo": 96}


def test_dates_are_in_order(plan):
    p = plan.participants.merge(plan.screening[["screening_id", "screened_on"]])
    assert (p.consented_on >= p.screened_on).all()
    assert (p.randomized_on >= p.consented_on + 14 * DAY).all()
    withdrew = p[p.withdrawn_on.notna()]
    assert (withdrew.withdrawn_on >= withdrew.randomized_on).all()
    assert (withdrew.withdrawn_on < withdrew.randomized_on + 56 * DAY).all()
    assert withdrew.withdrawal_reason.notna().all()
    assert p.loc[p.withdrawn_on.isna(), "withdrawal_reason"].isna().all()
    assert p.randomized_on.max() + 56 * DAY <= pd.Timestamp("2023-12-31")


def test_completers_are_95_and_83(plan):
    p = plan.participants
    completed = p.withdrawn_on.isna() | (p.withdrawn_on >= p.randomized_on + 56 * DAY)
    assert p[completed].arm_code.value_counts().to_dict() == {"vitamin_k2": 95, "placebo": 83}


def test_two_reached_screening_weeks_with_at_least_two_cramps(plan):
    s = plan.diary[plan.diary.phase == "screening"].merge(plan.participants)
    weeks = s.groupby("participant_id").week.apply(sorted)
    assert len(weeks) == 199 and all(w == [1, 2] for w in weeks)
    assert s.reached.all()
    assert (s.groupby("participant_id").cramps.sum() >= 2).all()
    assert (s.call_date >= s.consented_on + 7 * (s.week - 1) * DAY).all()
    assert (s.call_date <= s.randomized_on).all()


def test_weekly_calls_fall_in_their_week_and_stop_at_withdrawal(intervention):
    d = intervention
    start = d.randomized_on + 7 * (d.week - 1) * DAY
    due = d.randomized_on + 7 * d.week * DAY
    assert (d.call_date >= start).all()
    assert ((d.call_date - due).abs() <= 2 * DAY).all()
    withdrew = d[d.withdrawn_on.notna()]
    assert (withdrew.call_date < withdrew.withdrawn_on).all()
    assert d.groupby("participant_id").week.max().le(8).all()
    # rows stop at the withdrawal: a withdrawn participant's weeks are 1..k
    weeks = d.groupby("participant_id").week.agg(["count", "max"])
    assert (weeks["count"] == weeks["max"]).all()
    completed = d[d.withdrawn_on.isna()].groupby("participant_id").week.count()
    assert (completed == 8).all()


def test_no_duplicate_participant_weeks(plan):
    assert not plan.diary.duplicated(["participant_id", "phase", "week"]).any()


def test_diary_values_are_stored_values_in_range(plan):
    d = plan.diary
    reached, not_reached = d[d.reached], d[~d.reached]
    assert not_reached[["cramps", "duration_min", "severity", "capsules_missed"]].isna().all().all()
    assert reached.cramps.notna().all() and (reached.cramps >= 0).all()
    assert on_grid(reached.cramps, 0)
    cramps = reached[reached.cramps > 0]
    none = reached[reached.cramps == 0]
    assert cramps[["duration_min", "severity"]].notna().all().all()
    assert none[["duration_min", "severity"]].isna().all().all()
    assert (cramps.duration_min > 0).all() and (cramps.duration_min <= 10).all()
    assert cramps.severity.between(1, 10).all()
    assert on_grid(cramps.duration_min, 2) and on_grid(cramps.severity, 2)
    weekly = reached[reached.phase == "intervention"].capsules_missed
    assert weekly.notna().all() and weekly.between(0, 7).all() and on_grid(weekly, 0)
    assert d[d.phase == "screening"].capsules_missed.isna().all()


def test_some_calls_are_missed_and_both_arms_have_cramp_free_weeks(intervention):
    missed = intervention[~intervention.reached]
    assert 20 <= len(missed) <= 100
    share = (
        intervention[intervention.reached]
        .groupby("arm_code")
        .cramps.apply(lambda c: (c == 0).mean())
    )
    assert share["vitamin_k2"] > 0.4 and share["placebo"] > 0.01


def test_baseline_characteristics_are_on_the_stored_precision(plan):
    p = plan.participants
    assert (p.age >= 65).all() and on_grid(p.age, 0)
    assert on_grid(p.height_cm, 1) and p.height_cm.between(135, 190).all()
    assert on_grid(p.weight_kg, 1) and p.weight_kg.between(35, 85).all()
    assert on_grid(p.creatinine_mg_dl, 2) and p.creatinine_mg_dl.between(0.3, 5).all()
    assert p.hypertension.dtype == bool and p.diabetes.dtype == bool
    by_sex = p.groupby("sex").height_cm.mean()
    assert by_sex["M"] > by_sex["F"] + 5


def test_adverse_events_are_few_and_none_related(plan):
    ae = plan.adverse_events.merge(plan.participants, on="participant_id")
    assert 3 <= len(ae) <= 12
    assert set(ae.relatedness) <= {"unrelated", "unlikely"}
    assert ae.serious.sum() <= 1
    assert set(ae.grade) <= {"mild", "moderate", "severe"}
    assert (ae.onset_on >= ae.randomized_on).all()
    assert (ae.resolved_on.isna() | (ae.resolved_on >= ae.onset_on)).all()
    assert (ae.withdrawn_on.isna() | (ae.onset_on <= ae.withdrawn_on)).all()
