"""The statistical analysis plan as protocol data: declared, completed, checked."""

import pytest

from analysis.errors import InvalidParameters
from analysis.plan import analysis_labels, default_plan, method_keys, plan_of
from analysis.report import build_report
from diary.presets import PRESETS
from tests.analysis.builders import tiny_trial

REFERENCE = PRESETS["vitk2-nlc-2024"]


def test_the_reference_trial_declares_its_estimands():
    plan = plan_of({"intervention_weeks": 8, "analysis_plan": REFERENCE["analysis_plan"]})
    primary = [e for e in plan["estimands"] if e["analysis"] == "primary"]
    assert [(e["outcome"], e["method"]) for e in primary] == [
        ("frequency", "models.negative_binomial.frequency")
    ]
    events = {i["event"]: i["strategy"] for i in primary[0]["intercurrent_events"]}
    assert any(s.startswith("Treatment policy") for s in events.values())
    assert {e["method"] for e in plan["estimands"]} <= method_keys()
    assert plan["imputations"] >= 50
    assert plan["multiplicity"] == {"method": "holm", "secondary": ["duration", "severity"]}


def test_a_trial_without_a_plan_gets_the_default_one():
    assert plan_of({"intervention_weeks": 6}) == default_plan(intervention_weeks=6)


def test_what_a_plan_declares_replaces_the_default():
    plan = plan_of({"intervention_weeks": 8, "analysis_plan": {"seed": 7, "alpha": 0.01}})
    assert (plan["seed"], plan["alpha"]) == (7, 0.01)


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"imputations": 1}, "imputations"),
        ({"seed": -1}, "seed"),
        ({"alpha": 1.5}, "alpha"),
        ({"adherence_threshold": 0}, "adherence_threshold"),
        ({"tipping_point_deltas": [2, 1]}, "tipping_point_deltas"),
        ({"multiplicity": {"method": "bonferroni"}}, "multiplicity.method"),
        ({"multiplicity": {"method": "holm", "secondary": ["frequency"]}}, "primary outcome"),
        ({"estimands": []}, "estimands"),
        ({"unknown": 1}, "unknown keys"),
    ],
)
def test_a_plan_that_does_not_hold_is_refused_naming_the_key(declared, message):
    with pytest.raises(InvalidParameters, match=message):
        plan_of({"intervention_weeks": 8, "analysis_plan": declared})


def test_an_estimand_must_name_a_result_of_the_report():
    estimand = {**default_plan()["estimands"][0], "method": "models.poisson.frequency"}
    with pytest.raises(InvalidParameters, match="not a result"):
        plan_of({"intervention_weeks": 8, "analysis_plan": {"estimands": [estimand]}})


def test_labels_cover_every_analysis_and_weekly_tests_are_exploratory():
    labels = analysis_labels(default_plan())
    assert labels["models.negative_binomial.frequency"] == "primary"
    assert labels["missing_data.multiple_imputation.duration"] == "secondary"
    assert labels["outcomes.participant_week.frequency"] == "supportive"
    assert labels["weekly.frequency"] == "exploratory"


def test_the_report_carries_the_estimands_and_the_plan_in_every_view():
    for view in ("open", "unblinded"):
        report = build_report(tiny_trial(), view=view)
        assert report["estimands"] == default_plan(intervention_weeks=3)["estimands"]
        assert report["plan"]["seed"] == default_plan()["seed"]
