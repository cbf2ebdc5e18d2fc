"""Input that databases or the calendar cannot hold is a 400 or 404, never a 500."""

import pytest

from diary.models import ScreeningRecord
from tests.factories import eligible_answers

pytestmark = pytest.mark.django_db


def test_nul_in_a_site_code_is_a_400(trial, ra_c1, api):
    body = {
        "site": "C\x001",
        "screening_id": "S-1",
        "screened_on": "2023-03-01",
        "sex": "F",
        "age": 70,
        "answers": eligible_answers(trial),
    }
    response = api(ra_c1).post("/api/screenings/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["site"]
    assert not ScreeningRecord.objects.exists()


def test_nul_in_a_participant_reference_is_a_400(p_c1, ra_c1, api):
    body = {
        "participant_id": "C1-\x00001",
        "onset_on": "2023-01-05",
        "term": "Headache",
        "grade": "mild",
        "relatedness": "unlikely",
    }
    response = api(ra_c1).post("/api/adverse-events/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["participant_id"]


@pytest.mark.parametrize("path", ["/api/participants/C1%00/", "/api/sites/C%001/"])
def test_nul_in_a_path_is_a_404(p_c1, ra_c1, api, path):
    response = api(ra_c1).get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_nul_in_a_filter_is_a_400(p_c1, coordinator, api):
    response = api(coordinator).get("/api/participants/?site=C%001")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["site"]


def test_consent_at_the_end_of_the_calendar_is_a_400(trial, ra_c1, api):
    body = {
        "site": "C1",
        "screening_id": "S-1",
        "screened_on": "9999-12-20",
        "consented_on": "9999-12-30",
        "sex": "F",
        "age": 70,
        "answers": eligible_answers(trial),
    }
    response = api(ra_c1).post("/api/screenings/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"screened_on", "consented_on"}


def test_call_queue_at_the_end_of_the_calendar_is_a_400(p_c1, coordinator, api):
    response = api(coordinator).get("/api/calls-due/?on=9999-12-31")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["on"]


def test_randomization_date_at_the_end_of_the_calendar_is_a_400(p_c1, ra_c1, api):
    response = api(ra_c1).post(
        "/api/participants/C1-001/randomize/",
        {"randomized_on": "9999-12-31", "version": p_c1.version},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["randomized_on"]


def test_non_object_body_is_a_400(p_c1, ra_c1, api):
    week = p_c1.diary_weeks.order_by("due_date").first()
    response = api(ra_c1).post(f"/api/diary-weeks/{week.pk}/call/", [1, 2], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_malformed_json_is_a_400(p_c1, ra_c1, api):
    response = api(ra_c1).post("/api/adverse-events/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


# "²" is a digit to str.isdigit() but not to int(): every number read from a request
# is read as the digits 0-9 only.
SUPERSCRIPT_TWO = "\u00b2"


@pytest.mark.parametrize(
    "path", ["/api/participants/", "/api/diary-weeks/", "/api/adverse-events/", "/api/queries/"]
)
def test_a_page_size_in_superscript_digits_is_a_400(p_c1, coordinator, api, path):
    response = api(coordinator).get(path, {"page_size": SUPERSCRIPT_TWO})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


def test_a_version_tag_in_superscript_digits_is_a_400(p_c1, ra_c1, api):
    week = p_c1.diary_weeks.order_by("due_date").first()
    response = api(ra_c1).post(
        f"/api/diary-weeks/{week.pk}/call/",
        {"reached": False, "call_date": "2023-01-09", "version": week.version},
        format="json",
        HTTP_IF_MATCH=f'W/"{SUPERSCRIPT_TWO}"',
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["If-Match"]
    week.refresh_from_db()
    assert week.attempts == 0


def test_a_token_header_that_is_not_text_is_a_401(p_c1, client):
    response = client.get(
        "/api/participants/", HTTP_AUTHORIZATION=b"Token \xe9\xe9".decode("latin-1")
    )
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


@pytest.mark.parametrize("charset", ["rot13", "zlib", "bz2", "no-such-charset"])
def test_a_body_in_a_charset_that_is_not_unicode_is_a_400(p_c1, ra_c1, api, charset):
    week = p_c1.diary_weeks.order_by("due_date").first()
    response = api(ra_c1).post(
        f"/api/diary-weeks/{week.pk}/call/",
        data=b'{"reached": false}',
        content_type=f"application/json; charset={charset}",
    )
    assert response.status_code == 400
    week.refresh_from_db()
    assert week.attempts == 0


def test_a_version_tag_of_thousands_of_digits_is_a_400(p_c1, ra_c1, api):
    week = p_c1.diary_weeks.order_by("due_date").first()
    response = api(ra_c1).post(
        f"/api/diary-weeks/{week.pk}/call/",
        {"reached": False, "call_date": "2023-01-09", "version": week.version},
        format="json",
        HTTP_IF_MATCH='"' + "9" * 5000 + '"',
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["If-Match"]
