"""Every path of the itt-report/1 JSON contract is present, with the right types, in each
of the three views; an open report holds no between-group key at all."""

import json

import pytest

from analysis.render import render_json
from analysis.report import build_report
from tests.analysis.builders import GROUP_CODES, simulate, tiny_trial

OUTCOMES = ("frequency", "duration", "severity")
TABLE1_COUNTS = ("female", "male", "hypertension", "diabetes")
TABLE1_MEANS = ("age", "height_cm", "weight_kg", "creatinine_mg_dl")


def contract_paths(arms: list[str], *, blinded: bool) -> list[tuple]:
    """The paths listed in the itt-report/1 contract (report-json.md) for a report by group."""
    paths = [("schema",), ("view",), ("blinded",), ("imputation",), ("data_sha256",)]
    for index in range(2):
        keys = ("code", "label", "n") if blinded else ("code", "label", "role", "n")
        paths += [("arms", index, key) for key in keys]
    estimand = ("estimands", 0)
    paths += [(*estimand, k) for k in ("outcome", "population", "variable", "summary_measure")]
    paths += [(*estimand, "analysis"), (*estimand, "intercurrent_events", 0, "event")]
    paths += [(*estimand, "intercurrent_events", 0, "strategy")]
    nb = ("models", "negative_binomial", "frequency")
    paths += [(*nb, "n", arm) for arm in arms]
    paths += [(*nb, k) for k in ("rate_ratio", "p", "alpha", "marginal_difference")]
    paths += [(*nb, "ci95", i) for i in (0, 1)] + [(*nb, "marginal_ci95", i) for i in (0, 1)]
    for outcome in OUTCOMES:
        mi = ("missing_data", "multiple_imputation", outcome)
        paths += [(*mi, k) for k in ("m", "seed", "difference", "p", "df")]
        paths += [(*mi, "fraction_missing_information"), (*mi, "ci95", 0), (*mi, "ci95", 1)]
    tipping = ("missing_data", "tipping_point", "frequency")
    paths += [(*tipping, k, 0) for k in ("deltas", "difference", "p")]
    paths += [(*tipping, "tipping_delta")]
    j2r = ("missing_data", "jump_to_reference", "frequency")
    paths += [(*j2r, "difference"), (*j2r, "p"), (*j2r, "ci95", 0), (*j2r, "ci95", 1)]
    paths += [
        ("consort", key)
        for key in (
            "screened",
            "excluded",
            "not_meeting_inclusion",
            "meeting_exclusion",
            "declined",
            "randomized",
        )
    ]
    for arm in arms:
        paths += [("consort", key, arm) for key in ("allocated", "completed", "analysed")]
        paths += [("imputed", arm)]
    for var in TABLE1_COUNTS + TABLE1_MEANS:
        stats = ("n", "pct") if var in TABLE1_COUNTS else ("mean", "sd")
        paths += [("table1", var, column, s) for column in ("total", *arms) for s in stats]
    for outcome in OUTCOMES:
        for arm in arms:
            paths += [("baseline", outcome, arm, s) for s in ("mean", "sd")]
            paths += [("change_from_baseline", outcome, arm, s) for s in ("mean", "sd")]
            for kind in ("participant_week", "participant"):
                paths += [("outcomes", kind, outcome, arm, s) for s in ("n", "mean", "sd")]
            paths += [("weekly", outcome, 0, arm, s) for s in ("n", "mean", "sd")]
        for kind in ("participant_week", "participant", "ancova"):
            paths += [("outcomes", kind, outcome, k) for k in ("difference", "p")]
            paths += [("outcomes", kind, outcome, "ci95", i) for i in (0, 1)]
        paths += [("change_from_baseline", outcome, "p")]
        paths += [("weekly", outcome, 0, k) for k in ("week", "difference", "p")]
        paths += [("weekly", outcome, 0, "ci95", i) for i in (0, 1)]
    return paths


def lookup(document, path):
    for key in path:
        document = document[key]
    return document


@pytest.fixture(scope="module")
def simulated():
    return simulate(120, seed=21, intervention_weeks=3, missing=0.15)


@pytest.mark.parametrize("view", ["unblinded", "coded"])
def test_every_contract_path_is_present(view):
    blinded = view == "coded"
    report = build_report(tiny_trial(), view=view, group_codes=GROUP_CODES)
    document = json.loads(render_json(report))
    arms = ["A", "B"] if blinded else ["remedy", "dummy"]
    missing = []
    for path in contract_paths(arms, blinded=blinded):
        try:
            lookup(document, path)
        except (KeyError, IndexError, TypeError):
            missing.append(path)
    assert missing == []
    assert document["schema"] == "itt-report/1"
    assert document["view"] == view
    assert document["view"] == view
    assert document["imputation"] == "arm_week_mean"
    assert len(document["data_sha256"]) == 64
    assert len(document["weekly"]["frequency"]) == 3
    assert [a["code"] for a in document["arms"]] == arms
    assert all("role" not in arm for arm in document["arms"]) == blinded


def test_undefined_statistics_are_null():
    document = json.loads(render_json(build_report(tiny_trial(), view="unblinded")))
    # the dummy arm has one creatinine value: its SD is undefined
    assert document["table1"]["creatinine_mg_dl"]["dummy"]["sd"] is None


def test_numbers_are_unrounded():
    document = json.loads(render_json(build_report(tiny_trial(), view="unblinded")))
    # 4/3 is kept to full precision
    assert document["outcomes"]["participant_week"]["frequency"]["remedy"]["mean"] == 4 / 3


def open_paths() -> list[tuple]:
    """The contract's paths in an open report: every <arm> key is `all`."""
    paths = [("schema",), ("view",), ("blinded",), ("imputation",), ("data_sha256",)]
    paths += [("arms", 0, key) for key in ("code", "label", "n")]
    paths += [("estimands", 0, "analysis")]
    paths += [("consort", key, "all") for key in ("allocated", "completed", "analysed")]
    paths += [("imputed", "all")]
    for var in TABLE1_COUNTS + TABLE1_MEANS:
        stats = ("n", "pct") if var in TABLE1_COUNTS else ("mean", "sd")
        paths += [("table1", var, column, s) for column in ("total", "all") for s in stats]
    for outcome in OUTCOMES:
        paths += [("baseline", outcome, "all", s) for s in ("mean", "sd")]
        paths += [("change_from_baseline", outcome, "all", s) for s in ("mean", "sd")]
        for kind in ("participant_week", "participant"):
            paths += [("outcomes", kind, outcome, "all", s) for s in ("n", "mean", "sd")]
        paths += [("weekly", outcome, 0, "all", s) for s in ("n", "mean", "sd")]
    return paths


BETWEEN_GROUPS = {"difference", "ci95", "p", "t", "df", "ancova", "models", "gee"}
BETWEEN_GROUPS |= {"missing_data", "per_protocol", "multiplicity", "marginal_difference"}


def keys_of(document, path=()):
    if isinstance(document, dict):
        for key, value in document.items():
            yield (*path, key)
            yield from keys_of(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from keys_of(value, (*path, index))


def test_open_report_holds_the_pooled_paths_and_no_between_group_key(simulated):
    document = json.loads(render_json(build_report(simulated, view="open", table1_pvalues=True)))
    missing = []
    for path in open_paths():
        try:
            lookup(document, path)
        except (KeyError, IndexError, TypeError):
            missing.append(path)
    assert missing == []
    assert document["view"] == "open" and document["blinded"] is True
    assert [a["code"] for a in document["arms"]] == ["all"]
    between = [p for p in keys_of(document) if p[-1] in BETWEEN_GROUPS]
    # the estimand table and the plan's settings describe the analyses, holding no result
    assert [p for p in between if p[0] not in ("estimands", "analyses", "plan")] == []
    arm_keys = {p[-1] for p in keys_of(document) if p[-1] in ("A", "B", "remedy", "dummy")}
    assert arm_keys == set()


def test_numbers_of_the_plan_analyses_are_the_same_for_the_same_seed(simulated):
    first = json.loads(render_json(build_report(simulated, view="unblinded")))
    again = json.loads(render_json(build_report(simulated, view="unblinded")))
    assert first["missing_data"] == again["missing_data"]
    assert first["models"] == again["models"]
    seed = first["missing_data"]["multiple_imputation"]["frequency"]["seed"]
    other = {**simulated.trial, "analysis_plan": {"seed": seed + 1}}
    moved = json.loads(
        render_json(
            build_report(
                type(simulated)(**{**simulated.__dict__, "trial": other}), view="unblinded"
            )
        )
    )
    mi, mi_other = (r["missing_data"]["multiple_imputation"]["frequency"] for r in (first, moved))
    assert mi["difference"] != mi_other["difference"]
    assert mi_other["difference"] == pytest.approx(mi["difference"], abs=0.05)
    assert first["models"] == moved["models"]  # the count model uses no random numbers
