"""GET and POST /api/diary/<token>/nights/: the participant's own nights, as JSON."""

from datetime import timedelta

import pytest

from diary.services.diary_links import diary_links_revoke
from tests.diary.ediary.conftest import TODAY

pytestmark = pytest.mark.django_db
LAST = (TODAY - timedelta(days=1)).isoformat()


def post(client, token, body):
    return client.post(f"/api/diary/{token}/nights/", body, content_type="application/json")


def test_a_night_is_posted_and_listed(client, token):
    body = {"night": LAST, "cramps": [{"duration_min": 1.5, "severity": 4}]}
    created = post(client, token, body)
    assert created.status_code == 201, created.json()
    assert created.json() == {
        "night": LAST,
        "reported": True,
        "cramps": [{"duration_min": "1.50", "severity": "4.00"}],
        "source": "participant",
    }
    assert client.get(f"/api/diary/{token}/nights/").json() == [created.json()]


def test_an_empty_list_is_a_night_without_cramps(client, token):
    assert post(client, token, {"night": LAST, "cramps": []}).json()["cramps"] == []


def test_the_same_night_twice_is_a_conflict(client, token):
    post(client, token, {"night": LAST, "cramps": []})
    assert post(client, token, {"night": LAST, "cramps": []}).status_code == 409


def test_a_severity_as_text_is_a_bad_request(client, token):
    body = {"night": LAST, "cramps": [{"duration_min": 1, "severity": "4"}]}
    answer = post(client, token, body)
    assert answer.status_code == 400
    assert "cramps.0.severity" in answer.json()["errors"]


def test_a_revoked_link_answers_404(client, token, keeper):
    diary_links_revoke(participant=keeper, by_user=None, reason="Phone lost")
    assert client.get(f"/api/diary/{token}/nights/").status_code == 404
    assert post(client, token, {"night": LAST, "cramps": []}).status_code == 404


def test_the_schema_documents_the_diary_api(client, coordinator):
    client.force_login(coordinator)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/diary/{token}/nights/"]
    assert set(operations) >= {"get", "post"}
    assert "security" not in operations["post"]
