"""Malformed requests get the app's normal answers, never a 500: a NUL in a URL path
(404) or in a query value or cookie (400) — on PostgreSQL a NUL cannot reach a query
— and, in the API, JSON nested too deep (400) or a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (413) in the API's JSON error format."""

import json

import pytest
from django.test import Client

from tests.factories import enrol, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator_client(trial, site_c1):
    enrol(trial, site_c1, participant_id="C1-001")
    client = Client(raise_request_exception=False)
    client.force_login(make_user("coordinator"))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/participants/?q=%00",
        "/participants/?q=C1%00",
        "/participants/?page=%00",
        "/screening/?page=1%00",
        "/admin/diary/participant/?q=%00",
        "/admin/auth/user/?q=a%00b",
        "/admin/diary/outboxmessage/?q=%00",
    ],
)
def test_a_nul_in_a_query_value_is_a_400(coordinator_client, path):
    response = coordinator_client.get(path)
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/participants/C1-001%00/",
        "/participants/%00/",
        "/admin/diary/participant/1%00/change/",
        "/allocation/participants/C1%00/replace/",
    ],
)
def test_a_nul_in_a_path_is_a_404(coordinator_client, path):
    assert coordinator_client.get(path).status_code == 404


def test_a_nul_in_a_query_name_is_a_400(coordinator_client):
    assert coordinator_client.get("/participants/?q%00=1").status_code == 400


def test_a_nul_in_a_cookie_is_a_400(trial):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert client.get("/participants/").status_code == 400


def test_a_nul_in_a_posted_form_value_is_refused_by_the_form(coordinator_client):
    response = coordinator_client.post("/participants/C1-001/withdraw/", {"reason": "x\x00"})
    assert response.status_code in (200, 400)


# -- the API: its own JSON error format ----------------------------------------------------


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response.content[:300]
    return response.json()


@pytest.mark.parametrize("path", ["/api/participants/?q=%00", "/api/calls-due/?status=%00"])
def test_a_nul_in_an_api_query_is_a_json_400(coordinator_client, path):
    response = coordinator_client.get(path)
    assert response.status_code == 400
    body = _json(response)
    assert body["code"] == "invalid" and "Null characters" in body["detail"]


def test_a_nul_in_an_api_path_is_a_json_404(coordinator_client):
    response = coordinator_client.get("/api/participants/C1-001%00/")
    assert response.status_code == 404
    assert _json(response)["code"] == "not_found"


def test_json_nested_100000_deep_is_a_json_400(coordinator_client):
    body = "[" * 100_000 + "]" * 100_000
    response = coordinator_client.post("/api/screenings/", body, content_type="application/json")
    assert response.status_code == 400
    assert _json(response)["code"] == "parse_error"


def test_json_nested_deeper_than_any_record_is_a_json_400(coordinator_client):
    body = '{"a":' * 200 + "1" + "}" * 200
    response = coordinator_client.post("/api/screenings/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in _json(response)["detail"]


def test_a_body_over_the_limit_is_a_json_413(coordinator_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"site": "C1", "screening_id": "x" * 20_000})
    response = coordinator_client.post("/api/screenings/", body, content_type="application/json")
    assert response.status_code == 413
    body = _json(response)
    assert body["code"] == "request_too_large" and "10000" in body["detail"]


def test_a_body_over_the_limit_without_a_length_is_a_json_413(coordinator_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"site": "C1", "screening_id": "x" * 20_000}).encode()
    response = coordinator_client.generic(
        "POST",
        "/api/screenings/",
        body,
        content_type="application/json",
        CONTENT_LENGTH="",
    )
    assert response.status_code in (400, 413)
    _json(response)
