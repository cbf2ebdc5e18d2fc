"""Queries, casebooks, signatures and source data verification through the API: the
same services, roles and site scoping as the web app, documented in the schema."""

import pytest
from rest_framework.test import APIClient

from diary.models import Query, SdvMark
from tests.datamgmt.conftest import PASSWORD, call


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return client_for


def test_a_querys_full_life_through_the_api(api, participant, monitor, ra_c1):
    diary_week = call(participant, 1, severity="6")
    raised = api(monitor).post(
        "/api/queries/",
        {"record": "diary", "record_id": diary_week.pk, "value": "severity", "text": "Check."},
        format="json",
    )
    assert raised.status_code == 201, raised.json()
    query = raised.json()
    assert query["state"] == "open" and query["value_shown"] == "6"
    assert raised["ETag"] == '"1"'
    url = f"/api/queries/{query['id']}/"

    queue = api(ra_c1).get("/api/queries/?state=open").json()
    assert [q["id"] for q in queue["results"]] == [query["id"]]

    answered = api(ra_c1).post(
        url + "answer/",
        {"version": 1, "text": "Card says 7.", "correction": "7", "reason": "typo"},
        format="json",
    )
    assert answered.status_code == 200, answered.json()
    assert answered.json()["steps"][-1]["correction"]["new"] == "7"
    diary_week.refresh_from_db()
    assert str(diary_week.severity) == "7.00"

    stale = api(monitor).post(url + "close/", {"version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale_record"
    reopened = api(monitor).post(url + "reopen/", {"version": 2, "text": "Why?"}, format="json")
    assert reopened.json()["state"] == "open"
    api(ra_c1).post(url + "answer/", {"version": 3, "text": "Recounted."}, format="json")
    closed = api(monitor).post(url + "close/", {"version": 4}, format="json")
    assert closed.json()["state"] == "closed"
    assert [s["kind"] for s in closed.json()["steps"]] == [
        "raised",
        "answered",
        "reopened",
        "answered",
        "closed",
    ]
    counts = api(monitor).get("/api/query-counts/").json()
    assert counts["total"] == {
        "site": "all",
        "open": 0,
        "answered": 0,
        "closed": 1,
        "unresolved": 0,
    }


def test_roles_and_scoping_of_queries(api, participant, ra_c1, monitor_c2, monitor):
    diary_week = call(participant, 1)
    body = {"record": "diary", "record_id": diary_week.pk, "value": "cramps", "text": "?"}
    assert api(ra_c1).post("/api/queries/", body, format="json").status_code == 403
    assert api(monitor_c2).post("/api/queries/", body, format="json").status_code == 404
    query = api(monitor).post("/api/queries/", body, format="json").json()
    assert api(monitor_c2).get(f"/api/queries/{query['id']}/").status_code == 404
    close = api(ra_c1).post(f"/api/queries/{query['id']}/close/", {"version": 1}, format="json")
    assert close.status_code == 403


def test_schema_violations_are_400_and_rule_refusals_409(api, participant, monitor, ra_c1):
    diary_week = call(participant, 1)
    bad = api(monitor).post(
        "/api/queries/",
        {"record": "diary", "record_id": "1", "value": "cramps", "text": "?"},
        format="json",
    )
    assert bad.status_code == 400 and "record_id" in bad.json()["errors"]
    query = (
        api(monitor)
        .post(
            "/api/queries/",
            {"record": "diary", "record_id": diary_week.pk, "value": "cramps", "text": "?"},
            format="json",
        )
        .json()
    )
    url = f"/api/queries/{query['id']}/answer/"
    not_a_number = api(ra_c1).post(
        url, {"version": 1, "text": "x", "correction": "three", "reason": "r"}, format="json"
    )
    # Well-formed, refused by the queried value's rules: 409, naming the request's field.
    assert not_a_number.status_code == 409
    assert list(not_a_number.json()["errors"]) == ["correction"]
    assert "cramps" in not_a_number.json()["detail"]
    no_reason = api(ra_c1).post(url, {"version": 1, "text": "x", "correction": "3"}, format="json")
    assert no_reason.status_code == 409 and no_reason.json()["code"] == "reason_required"
    assert Query.objects.get().state == "open"


def test_verify_a_week_in_bulk_and_read_the_progress(api, participant, monitor, ra_c1):
    call(participant, 2)
    casebook = api(monitor).get(f"/api/casebooks/{participant.participant_id}/").json()
    assert casebook["signed"] is False and len(casebook["content_sha256"]) == 64
    verified = api(monitor).post(
        f"/api/casebooks/{participant.participant_id}/verify/",
        {"version": casebook["version"], "weeks": [{"phase": "intervention", "week": 2}]},
        format="json",
    )
    assert verified.status_code == 200, verified.json()
    assert verified.json()["verified"] == 7
    refused = api(ra_c1).post(
        f"/api/casebooks/{participant.participant_id}/verify/",
        {"version": casebook["version"], "weeks": [{"phase": "intervention", "week": 2}]},
        format="json",
    )
    assert refused.status_code == 403
    progress = api(monitor).get("/api/sdv-progress/").json()
    assert progress["participants"][0]["verified"] == 7
    assert SdvMark.objects.count() == 7


def test_sign_lock_and_unlock_through_the_api(api, participant, investigator, coordinator, ra_c1):
    url = f"/api/casebooks/{participant.participant_id}/"
    version = api(investigator).get(url).json()["version"]
    wrong = api(investigator).post(
        url + "sign/", {"version": version, "password": "nope"}, format="json"
    )
    assert wrong.status_code == 403
    signed = api(investigator).post(
        url + "sign/", {"version": version, "password": PASSWORD}, format="json"
    )
    assert signed.status_code == 200, signed.json()
    body = signed.json()
    assert body["signed"] and body["signature"]["signer_name"] == "Ivana Investigator"
    assert body["signature"]["meaning"] == "I have reviewed these data and they are accurate."
    assert api(ra_c1).post(url + "lock/", {"version": version}, format="json").status_code == 403
    locked = api(coordinator).post(url + "lock/", {"version": version}, format="json")
    assert locked.status_code == 200 and locked.json()["locked"]
    refused = api(ra_c1).patch(
        f"/api/participants/{participant.participant_id}/",
        {"version": participant.version, "weight_kg": 80, "reason": "scale"},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "casebook_locked"
    no_reason = api(coordinator).post(url + "unlock/", {"version": version}, format="json")
    assert no_reason.status_code == 400
    unlocked = api(coordinator).post(
        url + "unlock/", {"version": version, "reason": "weight"}, format="json"
    )
    assert unlocked.status_code == 200 and not unlocked.json()["locked"]
    listed = api(coordinator).get("/api/casebooks/").json()["results"]
    assert listed[0]["participant_id"] == "C1-101" and listed[0]["signed"] is True
