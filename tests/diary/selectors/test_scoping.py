"""Site scoping for each role, enforced by the selectors every view uses."""

import pytest

from diary.selectors.scoping import (
    adverse_events_for,
    diary_weeks_for,
    participants_for,
    screenings_for,
    sites_for,
)
from tests.factories import UserFactory, enrol, make_user


@pytest.fixture
def two_site_trial(trial, site_c1, site_c2):
    return {"c1": enrol(trial, site_c1), "c2": enrol(trial, site_c2)}


@pytest.mark.parametrize("role", ["research_assistant", "investigator"])
def test_site_bound_roles_see_only_their_sites(two_site_trial, site_c1, role):
    user = make_user(role, site_c1)
    assert list(participants_for(user)) == [two_site_trial["c1"]]
    assert {s.site.code for s in screenings_for(user)} == {"C1"}
    assert {w.participant.site.code for w in diary_weeks_for(user)} == {"C1"}
    assert [s.code for s in sites_for(user)] == ["C1"]


@pytest.mark.parametrize("role", ["coordinator", "statistician", "unblinded_statistician"])
def test_trial_wide_roles_see_every_site(two_site_trial, role):
    user = make_user(role)
    assert set(participants_for(user)) == set(two_site_trial.values())
    assert {s.code for s in sites_for(user)} == {"C1", "C2"}


def test_a_user_without_a_role_sees_nothing(two_site_trial):
    user = UserFactory()
    assert not participants_for(user).exists()
    assert not screenings_for(user).exists()
    assert not adverse_events_for(user).exists()
    assert not sites_for(user).exists()


def test_assistant_at_two_sites_sees_both(two_site_trial, site_c1, site_c2):
    user = make_user("research_assistant", site_c1, site_c2)
    assert set(participants_for(user)) == set(two_site_trial.values())
