"""GET /api/calls-due/: the call queue of diary.selectors.calls.calls_due."""

import pytest

pytestmark = pytest.mark.django_db


def rows(response):
    assert response.status_code == 200, response.json()
    return [(r["status"], r["participant_id"], r["week"]) for r in response.json()["results"]]


def test_queue_on_a_date_lists_due_and_coming_up(p_c1, p_c2, coordinator, api):
    # Screening week 1 is due 2023-01-09 (window 7-11), week 2 on 2023-01-16.
    got = rows(api(coordinator).get("/api/calls-due/?on=2023-01-10"))
    assert got == [
        ("due", "C1-001", 1),
        ("due", "C2-001", 1),
        ("coming_up", "C1-001", 2),
        ("coming_up", "C2-001", 2),
    ]


def test_overdue_filter(p_c1, coordinator, api):
    got = rows(api(coordinator).get("/api/calls-due/?on=2023-01-13&status=overdue"))
    assert got == [("overdue", "C1-001", 1)]


def test_queue_is_scoped_to_the_users_sites(p_c1, p_c2, ra_c1, api):
    got = rows(api(ra_c1).get("/api/calls-due/?on=2023-01-10"))
    assert {pid for _, pid, _ in got} == {"C1-001"}
    assert rows(api(ra_c1).get("/api/calls-due/?on=2023-01-10&site=C2")) == []


def test_filters_by_site_phase_and_week(p_c1, p_c2, coordinator, api):
    client = api(coordinator)
    assert rows(client.get("/api/calls-due/?on=2023-01-10&site=C2&week=2")) == [
        ("coming_up", "C2-001", 2)
    ]
    assert rows(client.get("/api/calls-due/?on=2023-01-10&phase=intervention")) == []


def test_recorded_week_leaves_the_queue(p_c1, ra_c1, api):
    week = p_c1.diary_weeks.order_by("due_date").first()
    recorded = api(ra_c1).post(
        f"/api/diary-weeks/{week.pk}/call/",
        {"reached": True, "call_date": "2023-01-09", "cramps": 0, "version": week.version},
        format="json",
    )
    assert recorded.status_code == 200
    assert rows(api(ra_c1).get("/api/calls-due/?on=2023-01-10&status=due")) == []


@pytest.mark.parametrize("query", ["on=2023-13-01", "status=late", "week=0", "phase=x"])
def test_bad_query_is_a_400_naming_the_parameter(p_c1, coordinator, api, query):
    response = api(coordinator).get(f"/api/calls-due/?{query}")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [query.split("=")[0]]
