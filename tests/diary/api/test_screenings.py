"""POST/GET /api/screenings/: the screening log, eligibility decided by the service."""

import pytest

from diary.models import Participant, ScreeningRecord
from tests.factories import eligible_answers

pytestmark = pytest.mark.django_db


def candidate(trial, **overrides):
    body = {
        "site": "C1",
        "screening_id": "SCR-1",
        "screened_on": "2023-03-01",
        "sex": "F",
        "age": 70,
        "answers": eligible_answers(trial),
    }
    body.update(overrides)
    return body


def test_consenting_eligible_candidate_is_enrolled_with_the_next_site_id(trial, ra_c1, api):
    response = api(ra_c1).post(
        "/api/screenings/", candidate(trial, consented_on="2023-03-02"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["eligible"] is True
    assert body["outcome"] == "enrolled"
    assert body["participant_id"] == "C1-001"
    participant = Participant.objects.get(participant_id="C1-001")
    assert participant.diary_weeks.count() == trial.screening_weeks
    assert participant.history.first().history_user == ra_c1


def test_ineligible_candidate_is_logged_with_the_reason(trial, ra_c1, api):
    answers = {**eligible_answers(trial), "diuretics": True}
    response = api(ra_c1).post("/api/screenings/", candidate(trial, answers=answers), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["eligible"] is False
    assert body["outcome"] == "meeting_exclusion"
    assert "Takes diuretics" in body["reason"]
    assert body["participant_id"] is None


def test_eligible_candidate_without_consent_is_logged_as_declined(trial, ra_c1, api):
    response = api(ra_c1).post(
        "/api/screenings/", candidate(trial, declined_reason="Too far"), format="json"
    )
    assert response.json()["outcome"] == "declined"
    assert response.json()["reason"] == "Too far"


def test_consent_of_an_ineligible_candidate_is_refused_naming_consent(trial, ra_c1, api):
    answers = {**eligible_answers(trial), "malignant_tumour": True}
    response = api(ra_c1).post(
        "/api/screenings/",
        candidate(trial, answers=answers, consented_on="2023-03-01"),
        format="json",
    )
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["consent"]
    assert not ScreeningRecord.objects.exists()


def test_unanswered_criteria_are_named_in_the_errors(trial, ra_c1, api):
    response = api(ra_c1).post(
        "/api/screenings/", candidate(trial, answers={"diuretics": False}), format="json"
    )
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert "nocturnal_leg_cramps" in errors and "malignant_tumour" in errors
    assert "diuretics" not in errors


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"age": "seventy"}, "age"),
        ({"age": 150}, "age"),
        ({"sex": "X"}, "sex"),
        ({"screened_on": "2023-02-30"}, "screened_on"),
        ({"answers": {"diuretics": "perhaps"}}, "answers.diuretics"),
        ({"answers": ["diuretics"]}, "answers"),
        ({"site": "C/9"}, "site"),
        ({"screening_id": ""}, "screening_id"),
        ({"screening_id": "C1/../../admin"}, "screening_id"),
        ({"participant_id": "C1/../../admin", "consented_on": "2023-03-01"}, "participant_id"),
        ({"phone": "=1+1", "consented_on": "2023-03-01"}, "phone"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(trial, ra_c1, api, overrides, field):
    response = api(ra_c1).post("/api/screenings/", candidate(trial, **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not ScreeningRecord.objects.exists()


def test_duplicate_screening_id_is_a_409(trial, ra_c1, api):
    api(ra_c1).post("/api/screenings/", candidate(trial), format="json")
    response = api(ra_c1).post("/api/screenings/", candidate(trial), format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["screening_id"]


def test_research_assistant_cannot_screen_at_another_site(trial, ra_c1, api):
    response = api(ra_c1).post("/api/screenings/", candidate(trial, site="C2"), format="json")
    assert response.status_code == 404  # as an unknown site: nothing leaks
    assert not ScreeningRecord.objects.exists()


def test_a_study_id_of_another_site_is_refused_naming_it(trial, ra_c1, api):
    body = candidate(trial, participant_id="C2-999", consented_on="2023-03-01")
    response = api(ra_c1).post("/api/screenings/", body, format="json")
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["participant_id"]
    assert "C1-" in response.json()["detail"]
    assert not ScreeningRecord.objects.exists()


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_roles_that_do_not_enter_data_cannot_screen(trial, site_c1, api, role):
    from tests.factories import make_user

    user = make_user(role, site_c1)
    response = api(user).post("/api/screenings/", candidate(trial), format="json")
    assert response.status_code == 403
    assert not ScreeningRecord.objects.exists()


def test_list_is_scoped_to_the_users_sites(trial, ra_c1, coordinator, api):
    api(coordinator).post("/api/screenings/", candidate(trial, screening_id="A"), format="json")
    api(coordinator).post(
        "/api/screenings/", candidate(trial, site="C2", screening_id="B"), format="json"
    )
    ids = [r["screening_id"] for r in api(ra_c1).get("/api/screenings/").json()["results"]]
    assert ids == ["A"]
    assert api(ra_c1).get("/api/screenings/B/").status_code == 404
    assert api(coordinator).get("/api/screenings/B/").status_code == 200


def test_list_filters_by_outcome(trial, coordinator, api):
    answers = {**eligible_answers(trial), "diuretics": True}
    client = api(coordinator)
    client.post("/api/screenings/", candidate(trial, screening_id="A"), format="json")
    client.post(
        "/api/screenings/", candidate(trial, screening_id="B", answers=answers), format="json"
    )
    body = client.get("/api/screenings/?outcome=meeting_exclusion").json()
    assert [r["screening_id"] for r in body["results"]] == ["B"]
    assert client.get("/api/screenings/?outcome=nonsense").status_code == 400
