"""A week's values derived from its nights, against weeks worked out by hand."""

from datetime import date
from decimal import Decimal

from diary.declarations.records import derive_week, week_nights

START = date(2024, 3, 4)  # week 1 is the nights of 4 to 10 March


def test_a_week_has_the_seven_nights_that_begin_on_its_days():
    assert week_nights(start=START, week=2) == [date(2024, 3, d) for d in range(11, 18)]


def test_three_cramps_over_seven_nights_give_their_count_and_means():
    nights = {date(2024, 3, d): [] for d in range(4, 11)}
    nights[date(2024, 3, 5)] = [(Decimal("1.5"), Decimal("4")), (Decimal("2"), Decimal("6"))]
    nights[date(2024, 3, 9)] = [(Decimal("0.5"), Decimal("7"))]
    week = derive_week(start=START, week=1, nights=nights)
    # by hand: 3 cramps; (1.5 + 2 + 0.5) / 3 = 1.333...; (4 + 6 + 7) / 3 = 5.666...
    assert (week.reported, week.cramps, week.complete) == (7, 3, True)
    assert week.stored() == {
        "cramps": 3,
        "duration_min": Decimal("1.33"),
        "severity": Decimal("5.67"),
    }


def test_a_week_without_cramps_has_no_duration_or_severity():
    nights = {date(2024, 3, d): [] for d in range(4, 11)}
    week = derive_week(start=START, week=1, nights=nights)
    assert week.stored() == {"cramps": 0, "duration_min": None, "severity": None}


def test_nights_not_reported_and_outside_the_week_do_not_count():
    nights = {
        date(2024, 3, 3): [(Decimal("9"), Decimal("9"))],  # the eve of week 1
        date(2024, 3, 4): [(Decimal("1"), Decimal("2"))],
        date(2024, 3, 6): None,  # not reported
        date(2024, 3, 11): [(Decimal("9"), Decimal("9"))],  # week 2
    }
    week = derive_week(start=START, week=1, nights=nights)
    assert (week.reported, week.cramps, week.complete) == (1, 1, False)
    assert week.duration_min == Decimal("1") and week.severity == Decimal("2")


def test_week_three_of_the_intervention_starts_fourteen_days_after_randomization():
    nights = {date(2024, 3, 18): [(Decimal("3"), Decimal("5"))]}
    assert derive_week(start=START, week=3, nights=nights).cramps == 1
    assert derive_week(start=START, week=2, nights=nights).cramps == 0
