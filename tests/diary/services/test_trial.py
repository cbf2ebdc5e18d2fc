"""The protocol is data: another trial works with no code change."""

from datetime import date

import pytest

from diary.errors import InvalidValue
from diary.services.calls import weekly_call_record
from tests.factories import enrol, make_trial, make_user


@pytest.mark.django_db
def test_a_three_site_six_week_trial_with_other_arms_is_configured_from_data():
    trial = make_trial("magnesium-3site")
    assert sorted(trial.sites.values_list("code", flat=True)) == ["N", "S", "W"]
    assert sorted(trial.arms.values_list("code", "ratio")) == [("magnesium", 2), ("sham", 1)]
    weeks = list(trial.protocol_weeks.values_list("phase", "week"))
    assert weeks.count(("intervention", 6)) == 1 and ("intervention", 7) not in weeks
    assert [w for p, w in weeks if p == "screening"] == [1]


@pytest.mark.django_db
def test_the_other_trial_captures_a_week_through_the_same_services():
    trial = make_trial("magnesium-3site")
    site = trial.sites.get(code="W")
    user = make_user("research_assistant", site)
    p = enrol(trial, site, age=55, screened_on=date(2023, 5, 1))
    week = p.diary_weeks.get()
    weekly_call_record(
        diary_week=week, reached=True, call_date=date(2023, 5, 8), cramps=0, by_user=user
    )
    assert p.diary_weeks.get().reached


@pytest.mark.django_db
def test_a_trial_needs_one_experimental_and_one_comparator_arm():
    with pytest.raises(InvalidValue, match="exactly two arms"):
        make_trial(
            arms=[
                {"code": "a", "label": "A", "role": "experimental"},
                {"code": "b", "label": "B", "role": "experimental"},
            ]
        )


def test_only_one_trial_per_database(trial):
    with pytest.raises(InvalidValue, match="already holds a trial"):
        make_trial("magnesium-3site")
