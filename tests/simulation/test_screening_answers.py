"""Answers to the reference protocol's criteria reproduce each candidate's outcome."""

import pytest

from diary.presets import PRESETS
from diary.simulation import plan_null_trial, plan_reference_trial, screening_answers

PRESET = PRESETS["vitk2-nlc-2024"]


def outcome_of(age: float, answers: dict) -> str:
    """The protocol's rule: inclusion first (age included), then exclusion."""
    kinds = {c["code"]: c["kind"] for c in PRESET["criteria"]}
    if age < PRESET["min_age"] or not all(
        v for code, v in answers.items() if kinds[code] == "inclusion"
    ):
        return "not_meeting_inclusion"
    if any(v for code, v in answers.items() if kinds[code] == "exclusion"):
        return "meeting_exclusion"
    return "eligible"


@pytest.mark.parametrize("make", [plan_reference_trial, plan_null_trial])
def test_answers_give_every_screening_outcome(make):
    plan = make()
    answers = screening_answers(plan.screening, PRESET["criteria"])
    codes = {c["code"] for c in PRESET["criteria"]}
    for row in plan.screening.itertuples():
        assert set(answers[row.screening_id]) == codes
        expected = "eligible" if row.outcome in ("enrolled", "declined") else row.outcome
        assert outcome_of(row.age, answers[row.screening_id]) == expected, row


def test_exclusion_reasons_map_to_their_criteria():
    plan = plan_reference_trial()
    answers = screening_answers(plan.screening, PRESET["criteria"])
    met = {}
    for row in plan.screening[plan.screening.outcome == "meeting_exclusion"].itertuples():
        (code,) = [
            c for c, v in answers[row.screening_id].items() if v and c != "nocturnal_leg_cramps"
        ]
        met.setdefault(row.reason, set()).add(code)
    assert sorted(map(sorted, met.values())) == [
        ["recent_vitamin_k"],
        ["secondary_cause"],
    ]
