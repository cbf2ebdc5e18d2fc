"""The daily digest: each site's research assistants hear about their own site's
overdue calls, once a day."""

from datetime import date

import pytest
from django.core import mail

from diary.models import DiaryWeek
from diary.services.alerts import call_digests_send
from diary.tasks import overdue_call_digest
from tests.exports.conftest import staff
from tests.factories import enrol

pytestmark = pytest.mark.django_db

ON = date(2023, 1, 20)  # screening weeks due 9 and 16 January: window (±2 days) closed


@pytest.fixture
def calls(trial, site_c1, site_c2):
    """C1: two participants, one week reached; C2: one participant; C1's screening
    weeks of 2023-01-09 and -16 are overdue on ON except the reached one."""
    a = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001")
    b = enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-002")
    c = enrol(trial, site_c2, screened_on=date(2023, 1, 2), participant_id="C2-001")
    DiaryWeek.objects.filter(participant=b, protocol_week__week=1).update(
        reached=True, cramps=1, duration_min=2, severity=3, call_date=date(2023, 1, 9)
    )
    return a, b, c


@pytest.fixture
def assistants(trial):
    return {
        "c1": staff("research_assistant", "C1"),
        "c1b": staff("research_assistant", "C1", username="second-ra-c1"),
        "c2": staff("research_assistant", "C2"),
        "both": staff("research_assistant", "C1", "C2"),
        "coordinator": staff("coordinator"),
        "investigator": staff("investigator", "C1"),
    }


def _digest(site_code):
    return [m for m in mail.outbox if f"at site {site_code}" in m.subject]


def test_each_site_hears_only_of_its_own_overdue_calls(trial, calls, assistants):
    sent = call_digests_send(trial=trial, on_date=ON)
    assert sent == {
        "C1": [
            "research_assistant-C1-C2@trial.test",
            "research_assistant-C1@trial.test",
            "second-ra-c1@trial.test",
        ],
        "C2": ["research_assistant-C1-C2@trial.test", "research_assistant-C2@trial.test"],
    }
    [c1] = _digest("C1")
    [c2] = _digest("C2")
    assert c1.subject == "[VITK2-NLC] 3 overdue calls at site C1, 2023-01-20"
    lines = [line for line in c1.body.splitlines() if line.startswith("- ")]
    assert lines == [
        "- C1-001: Screening diary week 1, due 2023-01-09, window closed 2023-01-11 "
        "(9 days overdue, 0 attempts so far)",
        "- C1-001: Screening diary week 2, due 2023-01-16, window closed 2023-01-18 "
        "(2 days overdue, 0 attempts so far)",
        "- C1-002: Screening diary week 2, due 2023-01-16, window closed 2023-01-18 "
        "(2 days overdue, 0 attempts so far)",
    ]
    assert "C2-001" not in c1.body and "C1-00" not in c2.body
    assert "2 overdue calls at site C2" in c2.subject
    assert "+44" not in c1.body  # no phone numbers by email


def test_the_digest_goes_once_a_day(trial, calls, assistants):
    call_digests_send(trial=trial, on_date=ON)
    assert call_digests_send(trial=trial, on_date=ON) == {"C1": [], "C2": []}
    assert len(mail.outbox) == 2
    call_digests_send(trial=trial, on_date=date(2023, 1, 21))
    assert len(mail.outbox) == 4


def test_no_digest_when_nothing_is_overdue(trial, calls, assistants):
    assert call_digests_send(trial=trial, on_date=date(2023, 1, 10)) == {"C1": [], "C2": []}
    assert mail.outbox == []


@pytest.fixture
def today_is_on(monkeypatch):
    """The task digests today's queue; make today the day the fixture's calls are overdue."""
    monkeypatch.setattr("diary.services.alerts.timezone.localdate", lambda: ON)


def test_the_task_sends_each_site_once_even_when_run_twice(trial, calls, assistants, today_is_on):
    assert overdue_call_digest.delay().get() == 2
    assert overdue_call_digest.delay().get() == 0
    assert len(mail.outbox) == 2


def test_a_schedule_can_name_its_sites(trial, calls, assistants, today_is_on):
    assert overdue_call_digest.delay(sites=["C2"]).get() == 1
    assert _digest("C1") == [] and len(_digest("C2")) == 1
