"""GET /api/diary-weeks/ and POST /api/diary-weeks/{id}/call/ (weekly_call_record)."""

from decimal import Decimal

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def first_week(participant):
    return participant.diary_weeks.order_by("due_date").first()


def call_url(week) -> str:
    return f"/api/diary-weeks/{week.pk}/call/"


def call(client, week, body, **kwargs):
    """POST a call based on the week as the client reads it now (its version)."""
    version = client.get(f"/api/diary-weeks/{week.pk}/").json().get("version")
    return client.post(call_url(week), {"version": version, **body}, format="json", **kwargs)


REACHED = {
    "reached": True,
    "call_date": "2023-01-09",
    "cramps": 3,
    "duration_min": 4.5,
    "severity": 6,
}


def test_reached_call_records_the_weeks_values(p_c1, ra_c1, api):
    week = first_week(p_c1)
    response = call(api(ra_c1), week, REACHED)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reached"] is True and body["cramps"] == 3 and body["attempts"] == 1
    assert (body["phase"], body["week"], body["participant_id"]) == ("screening", 1, "C1-001")
    week.refresh_from_db()
    assert week.duration_min == Decimal("4.50") and week.severity == Decimal("6.00")
    assert week.history.first().history_user == ra_c1


def test_unreached_call_counts_an_attempt(p_c1, ra_c1, api):
    week = first_week(p_c1)
    body = {"reached": False, "call_date": "2023-01-09"}
    call(api(ra_c1), week, body)
    response = call(api(ra_c1), week, body)
    assert response.json()["attempts"] == 2
    assert response.json()["reached"] is False


def test_the_same_request_sent_twice_records_once(p_c1, ra_c1, api):
    week = first_week(p_c1)
    client = api(ra_c1)
    body = {"reached": False, "call_date": "2023-01-09", "version": week.version}
    assert client.post(call_url(week), body, format="json").status_code == 200
    again = client.post(call_url(week), body, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "stale_record"
    week.refresh_from_db()
    assert week.attempts == 1


def test_a_correction_from_an_out_of_date_copy_is_refused_with_the_current_values(
    p_c1, ra_c1, coordinator, api
):
    week = first_week(p_c1)
    call(api(ra_c1), week, {**REACHED, "cramps": 8})
    read_by_both = api(ra_c1).get(f"/api/diary-weeks/{week.pk}/")
    etag = read_by_both["ETag"]
    version = read_by_both.json()["version"]
    assert etag == f'"{version}"'
    first = {**REACHED, "cramps": 9, "reason": "recount", "version": version}
    assert api(ra_c1).post(call_url(week), first, format="json").status_code == 200
    second = {**REACHED, "cramps": 10, "reason": "recount", "version": version}
    refused = api(coordinator).post(call_url(week), second, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "stale_record" and body["current"]["cramps"] == "9"
    assert "9" in body["detail"]
    week.refresh_from_db()
    assert week.cramps == 9
    stale_header = api(coordinator).post(
        call_url(week),
        {k: v for k, v in second.items() if k != "version"} | {"version": version + 1},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale_header.status_code == 400  # the body and If-Match disagree
    by_header = api(coordinator).post(
        call_url(week),
        {**second, "version": None} | {"version": version},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert by_header.status_code == 412
    week.refresh_from_db()
    assert week.cramps == 9


def test_a_write_without_a_version_is_refused(p_c1, ra_c1, api):
    week = first_week(p_c1)
    response = api(ra_c1).post(call_url(week), REACHED, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"version"}


def test_correction_needs_a_reason(p_c1, ra_c1, api):
    week = first_week(p_c1)
    client = api(ra_c1)
    call(client, week, REACHED)
    refused = call(client, week, {**REACHED, "cramps": 4})
    assert refused.status_code == 409
    assert refused.json()["code"] == "reason_required"
    assert "reason" in refused.json()["errors"]
    week.refresh_from_db()
    assert week.cramps == 3
    fixed = call(client, week, {**REACHED, "cramps": 4, "reason": "Miscounted"})
    assert fixed.status_code == 200
    week.refresh_from_db()
    assert week.cramps == 4
    assert week.history.first().history_change_reason == "Miscounted"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**REACHED, "severity": 11}, {"severity"}),
        ({**REACHED, "severity": "NaN"}, {"severity"}),
        ({**REACHED, "severity": "6"}, {"severity"}),  # a string where a number goes
        ({**REACHED, "severity": 6.555}, {"severity"}),
        ({**REACHED, "reached": 1}, {"reached"}),  # 1 is not true
        ({**REACHED, "duration_min": -1}, {"duration_min"}),
        ({**REACHED, "cramps": -2}, {"cramps"}),
        ({**REACHED, "cramps": "many"}, {"cramps"}),
        ({**REACHED, "cramps": 10**30}, {"cramps"}),
        ({**REACHED, "call_date": "2999-01-01"}, {"call_date"}),
        ({**REACHED, "call_date": "yesterday"}, {"call_date"}),
        ({"cramps": 1}, {"reached"}),
    ],
)
def test_bad_values_are_400_naming_each_field(p_c1, ra_c1, api, body, fields):
    week = first_week(p_c1)
    response = call(api(ra_c1), week, body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == fields
    week.refresh_from_db()
    assert week.reached is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**REACHED, "call_date": "2100-01-01"}, {"call_date"}),  # in the future
        ({**REACHED, "call_date": "2022-12-01"}, {"call_date"}),  # before the week began
        # Rules between the values (also stated by the schema's three shapes).
        (
            {**REACHED, "cramps": 2, "duration_min": None, "severity": None},
            {"duration_min", "severity"},
        ),
        ({**REACHED, "cramps": 0}, {"duration_min", "severity"}),
    ],
)
def test_values_refused_by_a_rule_are_409_naming_each_field(p_c1, ra_c1, api, body, fields):
    week = first_week(p_c1)
    response = call(api(ra_c1), week, body)
    assert response.status_code == 409
    assert set(response.json()["errors"]) == fields
    week.refresh_from_db()
    assert week.reached is None


def test_call_for_a_week_at_another_site_is_not_found(p_c2, ra_c1, api):
    response = api(ra_c1).post(call_url(first_week(p_c2)), REACHED, format="json")
    assert response.status_code == 404
    assert api(ra_c1).get(f"/api/diary-weeks/{first_week(p_c2).pk}/").status_code == 404


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_roles_that_do_not_enter_data_cannot_record_calls(p_c1, site_c1, api, role):
    user = make_user(role, site_c1)
    response = api(user).post(call_url(first_week(p_c1)), REACHED, format="json")
    assert response.status_code == 403
    assert first_week(p_c1).reached is None


def test_list_filters_by_participant_phase_week_and_site(p_c1, p_c2, coordinator, api):
    client = api(coordinator)
    body = client.get("/api/diary-weeks/?participant=C1-001&phase=screening&week=2").json()
    assert [(w["participant_id"], w["week"]) for w in body["results"]] == [("C1-001", 2)]
    by_site = client.get("/api/diary-weeks/?site=C2").json()
    assert {w["participant_id"] for w in by_site["results"]} == {"C2-001"}
    assert client.get("/api/diary-weeks/?due_on=2023-01-16").json()["count"] == 2
    assert client.get("/api/diary-weeks/?week=0").status_code == 400
    assert client.get("/api/diary-weeks/?week=99999999999999999999").status_code == 400


def test_list_filters_recorded_weeks(p_c1, ra_c1, api):
    client = api(ra_c1)
    call(client, first_week(p_c1), REACHED)
    assert client.get("/api/diary-weeks/?recorded=true").json()["count"] == 1
    assert client.get("/api/diary-weeks/?recorded=false").json()["count"] == 1


def test_list_is_paginated(p_c1, p_c2, coordinator, api):
    body = api(coordinator).get("/api/diary-weeks/?page_size=3").json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"]
    assert api(coordinator).get("/api/diary-weeks/?page=99").status_code == 404


def test_huge_or_malformed_ids_are_not_found(p_c1, coordinator, api):
    for pk in ("99999999999999999999999", "-1", "abc"):
        assert api(coordinator).get(f"/api/diary-weeks/{pk}/").status_code == 404


def test_a_reached_intervention_call_without_capsules_missed_is_refused_as_the_form_refuses_it(
    trial, site_c1, coordinator, ra_c1, api
):
    from diary.services.randomization import participant_randomize
    from tests.factories import make_list, ready_to_randomize

    make_list(trial)
    participant = ready_to_randomize(trial, site_c1, participant_id="C1-050")
    participant_randomize(participant=participant, by_user=coordinator)
    week = participant.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=1)
    body = {**REACHED, "call_date": None, "capsules_missed": None}
    response = call(api(ra_c1), week, body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"capsules_missed"}
    week.refresh_from_db()
    assert week.reached is None
