"""/api/adverse-events/: recorded and corrected through the adverse-event services."""

import pytest

from diary.models import AdverseEvent
from tests.diary.api.conftest import post_versioned
from tests.factories import make_user

pytestmark = pytest.mark.django_db

EVENT = {
    "participant_id": "C1-001",
    "onset_on": "2023-01-05",
    "term": "Headache",
    "serious": False,
    "grade": "mild",
    "relatedness": "unlikely",
}


def test_event_is_recorded(p_c1, ra_c1, api):
    response = api(ra_c1).post("/api/adverse-events/", EVENT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["participant_id"], body["site"], body["term"]) == ("C1-001", "C1", "Headache")
    event = AdverseEvent.objects.get()
    assert event.history.first().history_user == ra_c1


def test_event_for_a_participant_of_another_site_is_refused(p_c2, ra_c1, api):
    response = api(ra_c1).post(
        "/api/adverse-events/", {**EVENT, "participant_id": "C2-001"}, format="json"
    )
    assert response.status_code == 404  # as if it did not exist: nothing leaks
    assert not AdverseEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**EVENT, "grade": "fatal"}, "grade"),
        ({**EVENT, "relatedness": "maybe"}, "relatedness"),
        ({**EVENT, "term": ""}, "term"),
        ({**EVENT, "term": "x" * 201}, "term"),
        ({**EVENT, "serious": "very"}, "serious"),
    ],
)
def test_bad_event_is_a_400_naming_the_field(p_c1, ra_c1, api, body, field):
    response = api(ra_c1).post("/api/adverse-events/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_resolution_before_the_onset_is_a_409_naming_the_field(p_c1, ra_c1, api):
    body = {**EVENT, "resolved_on": "2023-01-01"}
    response = api(ra_c1).post("/api/adverse-events/", body, format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["resolved_on"]


def test_an_onset_before_consent_is_a_409_naming_the_field(p_c1, ra_c1, api):
    body = {**EVENT, "onset_on": "2022-12-01"}
    response = api(ra_c1).post("/api/adverse-events/", body, format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["onset_on"]


def test_correction_needs_a_reason(p_c1, ra_c1, api):
    client = api(ra_c1)
    pk = client.post("/api/adverse-events/", EVENT, format="json").json()["id"]
    url = f"/api/adverse-events/{pk}/"

    def patch(body):
        return post_versioned(client, url, body, detail=url, method="patch")

    resolved = patch({"resolved_on": "2023-01-08"})
    assert resolved.status_code == 200  # a first entry needs no reason
    refused = patch({"grade": "severe"})
    assert refused.status_code == 409
    assert list(refused.json()["errors"]) == ["reason"]
    fixed = patch({"grade": "severe", "reason": "Re-graded"})
    assert fixed.status_code == 200 and fixed.json()["grade"] == "severe"
    assert AdverseEvent.objects.get().history.first().history_change_reason == "Re-graded"


def test_events_are_scoped_and_filtered(p_c1, p_c2, coordinator, ra_c1, api):
    client = api(coordinator)
    client.post("/api/adverse-events/", EVENT, format="json")
    other = client.post(
        "/api/adverse-events/",
        {**EVENT, "participant_id": "C2-001", "serious": True, "grade": "severe"},
        format="json",
    ).json()
    assert api(ra_c1).get("/api/adverse-events/").json()["count"] == 1
    assert api(ra_c1).get(f"/api/adverse-events/{other['id']}/").status_code == 404
    serious = client.get("/api/adverse-events/?serious=true").json()["results"]
    assert [e["participant_id"] for e in serious] == ["C2-001"]
    assert client.get("/api/adverse-events/?grade=mild&site=C1").json()["count"] == 1


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_roles_that_do_not_enter_data_cannot_record_events(p_c1, site_c1, api, role):
    user = make_user(role, site_c1)
    assert api(user).post("/api/adverse-events/", EVENT, format="json").status_code == 403
    assert api(user).get("/api/adverse-events/").status_code == 200


def test_serious_defaults_to_false(p_c1, ra_c1, api):
    body = {k: v for k, v in EVENT.items() if k != "serious"}
    response = api(ra_c1).post("/api/adverse-events/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["serious"] is False
