"""Properties of the conventions and the report on random small trials (hypothesis)."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.conventions import IMPUTATIONS, impute, observed_phase, week_values
from analysis.report import build_report
from tests.analysis.builders import make_dataset, participant, week

WEEKS = 3
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# One intervention week: missing (no row), not reached, or (cramps, duration, severity).
week_entry = st.one_of(
    st.just("no row"),
    st.just("not reached"),
    st.tuples(
        st.integers(0, 6),
        st.integers(1, 400).map(lambda d: d / 100),
        st.integers(100, 1000).map(lambda s: s / 100),
    ),
)


@st.composite
def trials(draw):
    sizes = draw(st.tuples(st.integers(2, 5), st.integers(2, 5)))
    people, diary = [], []
    number = 0
    for arm, size in zip(("remedy", "dummy"), sizes, strict=True):
        for _ in range(size):
            number += 1
            pid = f"P{number}"
            people.append(participant(pid, arm))
            diary.append(week(pid, "screening", 1, draw(st.integers(0, 6)), 1.0, 5.0))
            for w in range(1, WEEKS + 1):
                entry = draw(week_entry)
                if entry == "not reached":
                    diary.append(week(pid, "intervention", w, None))
                elif entry != "no row":
                    diary.append(week(pid, "intervention", w, *entry))
    # at least one observed week per arm, so the arm-week fallback always has a value
    for pid in ("P1", f"P{sizes[0] + 1}"):
        diary = [
            d
            for d in diary
            if not (d["participant_id"] == pid and d["week"] == 1 and d["phase"] == "intervention")
        ]
        diary.append(week(pid, "intervention", 1, draw(st.integers(1, 6)), 1.5, 4.0))
    trial = {
        "code": "T",
        "title": "Random trial",
        "screening_weeks": 2,
        "intervention_weeks": WEEKS,
    }
    return make_dataset(people, diary, trial=trial)


def grouped(dataset):
    people = dataset.participants.assign(arm=dataset.participants["arm_code"])
    observed = observed_phase(week_values(dataset.diary), people, phase="intervention", weeks=WEEKS)
    return people, observed


@SETTINGS
@given(trials(), st.sampled_from(IMPUTATIONS))
def test_imputation_never_changes_observed_values(dataset, imputation):
    people, observed = grouped(dataset)
    weeks = impute(people, observed, weeks=WEEKS, imputation=imputation)
    kept = weeks[~weeks["imputed"]].set_index(["participant_id", "week"]).sort_index()
    original = observed.set_index(["participant_id", "week"]).sort_index()
    assert kept.index.equals(original.index)
    for outcome in ("frequency", "duration", "severity"):
        np.testing.assert_array_equal(kept[outcome].to_numpy(), original[outcome].to_numpy())
    if imputation != "complete_case":
        assert len(weeks) == len(people) * WEEKS
        assert weeks["frequency"].notna().all()


@SETTINGS
@given(trials())
def test_complete_case_is_the_participant_week_analysis_of_observed_rows(dataset):
    report = build_report(
        dataset, view="unblinded", imputation="complete_case", plan_analyses=False
    )
    arm = dict(
        zip(dataset.participants["participant_id"], dataset.participants["arm_code"], strict=True)
    )
    diary = dataset.diary
    rows = diary[(diary["phase"] == "intervention") & diary["reached"]]
    for outcome, column in (("frequency", "cramps"), ("severity", "severity")):
        values = rows[column].where(rows["cramps"] > 0, 0.0) if column != "cramps" else rows[column]
        a = values[rows["participant_id"].map(arm) == "remedy"].to_numpy(dtype=float)
        b = values[rows["participant_id"].map(arm) == "dummy"].to_numpy(dtype=float)
        entry = report["outcomes"]["participant_week"][outcome]
        assert (entry["remedy"]["n"], entry["dummy"]["n"]) == (len(a), len(b))
        assert entry["difference"] == pytest.approx(a.mean() - b.mean(), abs=1e-12)
        expected = stats.ttest_ind(a, b)
        if entry["p"] is None:  # undefined: no pooled variance beyond rounding noise
            spread = np.concatenate([a - a.mean(), b - b.mean()])
            assert not math.isfinite(expected.pvalue) or np.abs(spread).max() < 1e-9
        else:
            assert entry["p"] == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-15)
    assert report["imputed"] == {"remedy": 0, "dummy": 0}


def swapped_roles(dataset):
    arms = dataset.arms.assign(
        role=dataset.arms["role"].map({"experimental": "comparator", "comparator": "experimental"})
    )
    return type(dataset)(**{**dataset.__dict__, "arms": arms})


def negated(interval):
    low, high = interval
    return [None if high is None else -high, None if low is None else -low]


@SETTINGS
@given(trials(), st.sampled_from(IMPUTATIONS))
def test_relabelling_the_arms_flips_the_sign_of_differences(dataset, imputation):
    options = {"view": "unblinded", "imputation": imputation, "plan_analyses": False}
    report = build_report(dataset, **options)
    swapped = build_report(swapped_roles(dataset), **options)
    assert [a["code"] for a in swapped["arms"]] == ["dummy", "remedy"]
    entries = [
        (report["outcomes"][kind][o], swapped["outcomes"][kind][o])
        for kind in ("participant_week", "participant", "ancova")
        for o in ("frequency", "duration", "severity")
    ] + list(zip(report["weekly"]["frequency"], swapped["weekly"]["frequency"], strict=True))
    for original, relabelled in entries:
        if original["difference"] is None:
            assert relabelled["difference"] is None
            continue
        assert relabelled["difference"] == pytest.approx(-original["difference"], abs=1e-9)
        expected = negated(original["ci95"])
        for got, want in zip(relabelled["ci95"], expected, strict=True):
            assert got == (None if want is None else pytest.approx(want, abs=1e-9))
        if original["p"] is not None:
            assert relabelled["p"] == pytest.approx(original["p"], rel=1e-6, abs=1e-12)
