"""GET /api/sites/, /api/trial/ and /api/me/."""

import pytest

from diary.models import Trial

pytestmark = pytest.mark.django_db


def test_sites_are_scoped(ra_c1, coordinator, api):
    assert [s["code"] for s in api(ra_c1).get("/api/sites/").json()["results"]] == ["C1"]
    assert [s["code"] for s in api(coordinator).get("/api/sites/").json()["results"]] == [
        "C1",
        "C2",
    ]
    assert api(ra_c1).get("/api/sites/C2/").status_code == 404
    assert api(ra_c1).get("/api/sites/C1/").json()["name"] == "Centre 1"


def test_trial_shows_the_protocol_and_criteria_but_no_arm(trial, ra_c1, api):
    body = api(ra_c1).get("/api/trial/").json()
    assert (body["code"], body["screening_weeks"], body["intervention_weeks"]) == (
        "VITK2-NLC",
        2,
        8,
    )
    assert {c["code"] for c in body["criteria"]} == set(
        trial.criteria.values_list("code", flat=True)
    )
    assert body["locked"] is False and body["unblinded"] is False
    assert "arms" not in body
    assert "Placebo" not in str(body)


def test_trial_is_404_when_none_is_configured(db, api):
    from tests.factories import UserFactory

    user = UserFactory()
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="coordinator"))
    assert not Trial.objects.exists()
    response = api(user).get("/api/trial/")
    assert response.status_code == 404
    assert "No trial" in response.json()["detail"]


def test_me_shows_role_and_sites(investigator_c1, api):
    assert api(investigator_c1).get("/api/me/").json() == {
        "username": investigator_c1.username,
        "role": "investigator",
        "sites": ["C1"],
        "may_enter_data": False,
    }
