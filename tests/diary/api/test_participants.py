"""GET/PATCH /api/participants/ and the withdraw action."""

from datetime import date

import pytest

from diary.models import Trial
from tests.diary.api.conftest import post_versioned
from tests.factories import make_user

DETAIL = "/api/participants/C1-001/"

pytestmark = pytest.mark.django_db


def test_list_is_scoped_and_shows_the_baseline(p_c1, p_c2, ra_c1, coordinator, api):
    body = api(ra_c1).get("/api/participants/").json()
    assert [p["participant_id"] for p in body["results"]] == ["C1-001"]
    assert body["results"][0]["status"] == "consented"
    everyone = api(coordinator).get("/api/participants/").json()
    assert everyone["count"] == 2


def test_participant_of_another_site_is_not_found(p_c2, ra_c1, api):
    assert api(ra_c1).get("/api/participants/C2-001/").status_code == 404
    response = api(ra_c1).patch("/api/participants/C2-001/", {"age": 71}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_missing_and_out_of_scope_answers_are_identical(p_c2, ra_c1, api):
    missing = api(ra_c1).get("/api/participants/C9-999/")
    hidden = api(ra_c1).get("/api/participants/C2-001/")
    assert (missing.status_code, missing.json()) == (hidden.status_code, hidden.json())


def test_baseline_is_entered_then_corrected_only_with_a_reason(p_c1, ra_c1, api):
    client = api(ra_c1)

    def patch(body):
        return post_versioned(client, DETAIL, body, detail=DETAIL, method="patch")

    first = patch({"height_cm": 165.0, "creatinine_mg_dl": 1.2})
    assert first.status_code == 200, first.json()
    assert first.json()["height_cm"] == "165.0"
    assert first.json()["creatinine_umol_l"] == "106"

    refused = patch({"height_cm": 166})
    assert refused.status_code == 409
    assert refused.json()["code"] == "reason_required"
    assert list(refused.json()["errors"]) == ["reason"]
    p_c1.refresh_from_db()
    assert p_c1.height_cm == 165

    corrected = patch({"height_cm": 166, "reason": "Transcription error"})
    assert corrected.status_code == 200
    p_c1.refresh_from_db()
    assert p_c1.height_cm == 166
    assert p_c1.history.first().history_change_reason == "Transcription error"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"height_cm": 20}, "height_cm"),
        ({"height_cm": "tall"}, "height_cm"),
        ({"weight_kg": "1e9"}, "weight_kg"),
        ({"hypertension": "sometimes"}, "hypertension"),
        ({"sex": "unknown"}, "sex"),
        ({"age": -1}, "age"),
        ({"reason": "x" * 101, "age": 71}, "reason"),
    ],
)
def test_bad_baseline_values_are_400_naming_the_field(p_c1, ra_c1, api, body, field):
    response = post_versioned(api(ra_c1), DETAIL, body, detail=DETAIL, method="patch")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_fields_outside_the_baseline_are_ignored_not_written(p_c1, ra_c1, api):
    response = post_versioned(
        api(ra_c1), DETAIL, {"bottle_number": 7, "site": "C2"}, detail=DETAIL, method="patch"
    )
    assert response.status_code == 200
    p_c1.refresh_from_db()
    assert p_c1.bottle_number is None and p_c1.site.code == "C1"


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_roles_that_do_not_enter_data_cannot_change_a_participant(p_c1, site_c1, api, role):
    user = make_user(role, site_c1)
    assert api(user).get("/api/participants/C1-001/").status_code == 200
    response = api(user).patch("/api/participants/C1-001/", {"age": 71}, format="json")
    assert response.status_code == 403
    p_c1.refresh_from_db()
    assert p_c1.age == 70


def test_investigator_sees_only_their_sites(p_c1, p_c2, investigator_c1, api):
    body = api(investigator_c1).get("/api/participants/").json()
    assert [p["participant_id"] for p in body["results"]] == ["C1-001"]


def test_withdrawal_is_recorded(p_c1, ra_c1, api):
    response = post_versioned(
        api(ra_c1),
        "/api/participants/C1-001/withdraw/",
        {"withdrawn_on": "2023-01-20", "withdrawal_reason": "Moved away"},
        detail=DETAIL,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    p_c1.refresh_from_db()
    assert p_c1.withdrawn_on == date(2023, 1, 20)


def test_withdrawal_before_consent_is_refused_naming_the_date(p_c1, ra_c1, api):
    response = post_versioned(
        api(ra_c1),
        "/api/participants/C1-001/withdraw/",
        {"withdrawn_on": "2022-12-01", "withdrawal_reason": "Moved away"},
        detail=DETAIL,
    )
    assert response.status_code == 409
    assert list(response.json()["errors"]) == ["withdrawn_on"]


def test_withdrawal_without_a_reason_is_refused(p_c1, ra_c1, api):
    response = post_versioned(
        api(ra_c1),
        "/api/participants/C1-001/withdraw/",
        {"withdrawn_on": "2023-01-20"},
        detail=DETAIL,
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["withdrawal_reason"]


def test_filters_by_site_and_withdrawn(p_c1, p_c2, coordinator, api):
    client = api(coordinator)
    post_versioned(
        client,
        "/api/participants/C2-001/withdraw/",
        {"withdrawn_on": "2023-01-20", "withdrawal_reason": "Moved away"},
        detail="/api/participants/C2-001/",
    )
    by_site = client.get("/api/participants/?site=C1").json()["results"]
    assert [p["participant_id"] for p in by_site] == ["C1-001"]
    withdrawn = client.get("/api/participants/?withdrawn=true").json()["results"]
    assert [p["participant_id"] for p in withdrawn] == ["C2-001"]
    assert client.get("/api/participants/?randomized=false").json()["count"] == 2


def test_no_change_once_the_database_is_locked(p_c1, ra_c1, api):
    from django.utils import timezone

    Trial.objects.update(locked_at=timezone.now())
    response = post_versioned(api(ra_c1), DETAIL, {"age": 71}, detail=DETAIL, method="patch")
    assert response.status_code == 409
    assert response.json()["code"] == "trial_locked"
