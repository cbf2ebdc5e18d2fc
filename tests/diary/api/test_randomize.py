"""POST /api/participants/{id}/randomize/ and /replace-bottle/: the bottle number,
never the arm (diary.services.randomization)."""

from datetime import date

import pytest

from diary.models import Participant
from diary.selectors.allocation import current_bottle_number
from tests.diary.api.conftest import post_versioned
from tests.factories import enrol, make_list, make_user, ready_to_randomize


def randomize(client, pid, body=None):
    url = f"/api/participants/{pid}/randomize/"
    return post_versioned(client, url, body or {}, detail=f"/api/participants/{pid}/")


def replace(client, pid, body):
    url = f"/api/participants/{pid}/replace-bottle/"
    return post_versioned(client, url, body, detail=f"/api/participants/{pid}/")


pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(trial, site_c1):
    make_list(trial)
    return ready_to_randomize(trial, site_c1, participant_id="C1-010")


def test_randomize_returns_only_the_bottle(ready, ra_c1, api):
    response = randomize(api(ra_c1), "C1-010", {"randomized_on": "2023-01-17"})
    assert response.status_code == 200, response.json()
    ready.refresh_from_db()
    assert response.json() == {
        "participant_id": "C1-010",
        "bottle_number": ready.bottle_number,
        "randomized_on": "2023-01-17",
        "version": ready.version,
    }
    assert ready.randomized_on == date(2023, 1, 17)
    assert ready.diary_weeks.filter(protocol_week__phase="intervention").count() == 8


def test_randomize_refusal_says_why(trial, site_c1, ra_c1, api):
    make_list(trial)
    enrol(trial, site_c1, participant_id="C1-011")  # screening diary not done
    response = randomize(api(ra_c1), "C1-011")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "not_eligible"
    assert body["errors"]["non_field_errors"]
    assert Participant.objects.get(participant_id="C1-011").bottle_number is None


def test_randomize_without_a_list_is_refused(trial, site_c1, ra_c1, api):
    ready_to_randomize(trial, site_c1, participant_id="C1-012")
    response = randomize(api(ra_c1), "C1-012")
    assert response.status_code == 409
    assert response.json()["code"] == "allocation_exhausted"


def test_randomize_twice_is_refused(ready, ra_c1, api):
    client = api(ra_c1)
    randomize(client, "C1-010")
    again = randomize(client, "C1-010")
    assert again.status_code == 409


def test_randomize_at_another_site_is_not_found(ready, site_c2, api):
    ra_c2 = make_user("research_assistant", site_c2)
    response = api(ra_c2).post("/api/participants/C1-010/randomize/", {}, format="json")
    assert response.status_code == 404
    ready.refresh_from_db()
    assert ready.bottle_number is None


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_roles_that_do_not_enter_data_cannot_randomize(ready, site_c1, api, role):
    user = make_user(role, site_c1)
    response = api(user).post("/api/participants/C1-010/randomize/", {}, format="json")
    assert response.status_code == 403
    ready.refresh_from_db()
    assert ready.bottle_number is None


def test_bad_randomization_date_is_a_400(ready, ra_c1, api):
    response = randomize(api(ra_c1), "C1-010", {"randomized_on": "17/01/2023"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["randomized_on"]


def test_coordinator_replaces_a_bottle_without_learning_the_arm(ready, ra_c1, coordinator, api):
    first = randomize(api(ra_c1), "C1-010").json()
    response = replace(api(coordinator), "C1-010", {"reason": "Bottle broken"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == {"participant_id", "bottle_number"}
    assert body["bottle_number"] != first["bottle_number"]
    assert current_bottle_number(participant=ready) == body["bottle_number"]
    detail = api(coordinator).get("/api/participants/C1-010/").json()
    assert detail["current_bottle_number"] == body["bottle_number"]


def test_research_assistant_cannot_replace_a_bottle(ready, ra_c1, api):
    randomize(api(ra_c1), "C1-010")
    response = replace(api(ra_c1), "C1-010", {"reason": "Broken"})
    assert response.status_code == 403


def test_replacement_needs_a_reason(ready, ra_c1, coordinator, api):
    randomize(api(ra_c1), "C1-010")
    response = replace(api(coordinator), "C1-010", {"reason": ""})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
