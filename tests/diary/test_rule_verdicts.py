"""The fast ways of deciding a record's rules (each condition's tester, and the
verdicts remembered over a file's rows) judge every record as the conditions'
own `holds` does."""

import itertools
import random
from datetime import date
from decimal import Decimal

import pytest

from diary.declarations.base import RuleVerdicts
from diary.package.schema import FILES

RECORDS = {name: spec.record for name, spec in FILES.items() if spec.record is not None}

# Each field takes values of its kind, or is missing, or empty.
SAMPLES = {
    "bool": [True, False],
    "int": [0, 1, 3, 7, 8, -1],
    "decimal": [Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("10"), Decimal("11")],
    "date": [date(2023, 1, 1), date(2023, 1, 20), date(2024, 6, 1)],
    "enum": None,  # the value's choices, and one that is not
    "text": ["", "x", "=1"],
}


def _samples(value) -> list:
    if value.kind == "enum":
        return [*value.choice_values, "other"]
    return SAMPLES.get(value.kind, ["x"])


def _records(record, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        row = {}
        for value in record.values:
            pick = rng.random()
            if pick < 0.1:
                continue  # not given at all
            row[value.name] = None if pick < 0.25 else rng.choice(_samples(value))
        rows.append(row)
    return rows


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_each_rule_tester_agrees_with_its_condition(name):
    record = RECORDS[name]
    for row, rule in itertools.product(_records(record, 300, seed=1), record.rules):
        assert rule.test(row) == rule.condition.holds(row), (rule.name, row)


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_remembered_verdicts_give_the_problems_of_each_record_alone(name):
    record = RECORDS[name]
    verdicts = RuleVerdicts(record)
    rows = _records(record, 2000, seed=2)
    for row in rows + rows:  # the second time, from what was remembered
        assert record.problems(row, own_values=False, verdicts=verdicts) == record.problems(
            row, own_values=False
        ), row
