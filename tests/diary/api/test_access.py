"""Authentication (token and session), the role gate, and unknown paths."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_request_is_refused_with_401(trial):
    response = APIClient().get("/api/sites/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_token_from_create_api_token_authenticates(coordinator):
    out = io.StringIO()
    call_command("create_api_token", coordinator.username, stdout=out, stderr=io.StringIO())
    key = out.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json() == {
        "username": coordinator.username,
        "role": "coordinator",
        "sites": ["C1", "C2"],
        "may_enter_data": True,
    }


def test_wrong_token_is_refused_with_401(coordinator):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get("/api/me/").status_code == 401


def test_session_login_authenticates(ra_c1, client):
    client.force_login(ra_c1)
    response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json()["sites"] == ["C1"]


def test_session_write_needs_the_csrf_token(ra_c1, p_c1):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(ra_c1)
    week = p_c1.diary_weeks.order_by("due_date").first()
    response = client.post(f"/api/diary-weeks/{week.pk}/call/", {"reached": False}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_user_without_a_role_is_refused_with_403(trial, api):
    user = UserFactory()
    response = api(user).get("/api/participants/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Your account has no role in this trial."


def test_unknown_api_path_is_a_json_404(coordinator, api):
    response = api(coordinator).get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_docs_page_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


# -- minimum necessary: no direct identifier for roles that have no use for it ---------


@pytest.mark.parametrize(
    ("role", "sees_phone"),
    [
        ("research_assistant", True),
        ("coordinator", True),
        ("investigator", True),
        ("statistician", False),
        ("unblinded_statistician", False),
    ],
)
def test_only_the_roles_that_call_read_phone_numbers(trial, site_c1, role, sees_phone):
    from datetime import date

    from rest_framework.test import APIClient

    from tests.factories import enrol, make_user

    enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001")
    user = make_user(role, *([site_c1] if role in ("research_assistant", "investigator") else []))
    client = APIClient()
    client.force_authenticate(user)
    phone = "+44 20 7946 0000"
    for url in (
        "/api/participants/",
        "/api/participants/C1-001/",
        "/api/calls-due/?on=2023-01-09",
    ):
        body = client.get(url).content.decode()
        assert (phone in body) is sees_phone, (role, url)
