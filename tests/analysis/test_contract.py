"""Every path of the itt-report/1 JSON contract is present, with the right types."""

import json

import pytest

from analysis.render import render_json
from analysis.report import build_report
from tests.analysis.builders import GROUP_CODES, tiny_trial

OUTCOMES = ("frequency", "duration", "severity")
TABLE1_COUNTS = ("female", "male", "hypertension", "diabetes")
TABLE1_MEANS = ("age", "height_cm", "weight_kg", "creatinine_mg_dl")


def contract_paths(arms: list[str], *, blinded: bool) -> list[tuple]:
    """The paths listed in the itt-report/1 contract (report-json.md)."""
    paths = [("schema",), ("blinded",), ("imputation",), ("data_sha256",)]
    for index in range(2):
        keys = ("code", "label", "n") if blinded else ("code", "label", "role", "n")
        paths += [("arms", index, key) for key in keys]
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


@pytest.mark.parametrize("blinded", [False, True])
def test_every_contract_path_is_present(blinded):
    report = build_report(tiny_trial(), blinded=blinded, group_codes=GROUP_CODES)
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
    assert document["imputation"] == "arm_week_mean"
    assert len(document["data_sha256"]) == 64
    assert len(document["weekly"]["frequency"]) == 3
    assert [a["code"] for a in document["arms"]] == arms
    assert all("role" not in arm for arm in document["arms"]) == blinded


def test_undefined_statistics_are_null():
    document = json.loads(render_json(build_report(tiny_trial(), blinded=False)))
    # the dummy arm has one creatinine value: its SD is undefined
    assert document["table1"]["creatinine_mg_dl"]["dummy"]["sd"] is None


def test_numbers_are_unrounded():
    document = json.loads(render_json(build_report(tiny_trial(), blinded=False)))
    # 4/3 is kept to full precision
    assert document["outcomes"]["participant_week"]["frequency"]["remedy"]["mean"] == 4 / 3
