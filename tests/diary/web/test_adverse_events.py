"""Recording and correcting adverse events from the web pages."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from diary.models import AdverseEvent
from diary.services.adverse_events import adverse_event_record


def ae_post(today, **overrides):
    return {
        "term": "Headache",
        "onset_on": (today - timedelta(days=2)).isoformat(),
        "serious": "no",
        "grade": "moderate",
        "relatedness": "unlikely",
        "outcome": "ongoing",
        "resolved_on": "",
        **overrides,
    }


def test_record_an_adverse_event(ra, participant, today):
    url = reverse("diary:adverse_event_new", args=["C1-001"])
    response = ra.post(url, ae_post(today))
    assert response["Location"] == reverse("diary:participant", args=["C1-001"])
    event = AdverseEvent.objects.get()
    assert (event.term, event.serious, event.grade, event.relatedness) == (
        "Headache",
        False,
        "moderate",
        "unlikely",
    )
    assert event.history.first().history_user.username == "research_assistant-C1"


def test_adverse_event_after_a_call_returns_to_the_call_confirmation(ra, participant, today):
    from diary.services.calls import weekly_call_record

    week = participant.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=1)
    weekly_call_record(diary_week=week, reached=False, by_user=None)
    url = reverse("diary:adverse_event_new", args=["C1-001"]) + "?after=screening-1"
    response = ra.post(url, ae_post(today), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "diary:week_saved", args=["C1-001", "screening", 1]
    )
    assert "Adverse event recorded: Headache" in response.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"resolved_on": "2000-01-01"}, "resolved_on", "before the onset"),
        ({"grade": "deadly"}, "grade", "valid choice"),
        ({"term": ""}, "term", "required"),
    ],
)
def test_invalid_adverse_event_is_refused_on_its_field(
    ra, participant, today, overrides, field, message
):
    response = ra.post(
        reverse("diary:adverse_event_new", args=["C1-001"]), ae_post(today, **overrides)
    )
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not AdverseEvent.objects.exists()


def test_onset_before_consent_is_refused(ra, participant):
    response = ra.post(
        reverse("diary:adverse_event_new", args=["C1-001"]),
        ae_post(participant.consented_on, onset_on="2001-01-01"),
    )
    assert "before consent" in response.context["form"].errors["onset_on"][0]


@pytest.fixture
def event(participant, today, ra_c1):
    return adverse_event_record(
        participant=participant,
        onset_on=today - timedelta(days=2),
        term="Headache",
        serious=False,
        grade="mild",
        relatedness="unlikely",
        by_user=ra_c1,
    )


def test_correcting_an_adverse_event_needs_a_reason(ra, event, today):
    url = reverse("diary:adverse_event_edit", args=["C1-001", event.pk])
    response = ra.post(url, ae_post(today, grade="severe"))
    assert "reason is required" in response.context["form"].errors["reason"][0]
    event.refresh_from_db()
    assert event.grade == "mild"
    response = ra.post(url, ae_post(today, grade="severe", reason="re-assessed by doctor"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.grade == "severe"
    assert event.history.first().history_change_reason == "re-assessed by doctor"


def test_resolving_an_ongoing_event_needs_no_reason(ra, event, today):
    url = reverse("diary:adverse_event_edit", args=["C1-001", event.pk])
    values = ae_post(today, grade="mild", outcome="", resolved_on=today.isoformat())
    assert ra.post(url, values).status_code == 302
    event.refresh_from_db()
    assert event.resolved_on == today


def test_adverse_event_of_another_site_is_not_found(event, ra_c2):
    from tests.diary.web.conftest import signed_in

    url = reverse("diary:adverse_event_edit", args=["C1-001", event.pk])
    assert signed_in(ra_c2).get(url).status_code == 404


def test_a_week_in_superscript_digits_after_the_form_is_ignored(ra, participant, today):
    """ "²" is a digit to str.isdigit() but not to int(): no 500, no return link."""
    url = reverse("diary:adverse_event_new", args=["C1-001"]) + "?after=screening-\u00b2"
    assert ra.get(url).status_code == 200
    response = ra.post(url, ae_post(today))
    assert response["Location"] == reverse("diary:participant", args=["C1-001"])


def test_the_same_form_sent_twice_records_one_event_and_one_alert(ra, participant, today):
    from diary.models import OutboxMessage

    url = reverse("diary:adverse_event_new", args=["C1-001"])
    page = ra.get(url).content.decode()
    key = re.search(r'name="submission" value="([0-9a-f-]{36})"', page).group(1)
    data = ae_post(today, term="Chest pain", serious="yes", submission=key)
    first = ra.post(url, data)
    again = ra.post(url, data, follow=True)
    assert first.status_code == 302
    assert "sent already" in again.content.decode()
    assert AdverseEvent.objects.count() == 1
    assert OutboxMessage.objects.count() <= 1
    # A new form (a new key) records a second event.
    other = re.search(
        r'name="submission" value="([0-9a-f-]{36})"', ra.get(url).content.decode()
    ).group(1)
    assert other != key
    ra.post(url, {**data, "submission": other})
    assert AdverseEvent.objects.count() == 2


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(ra, participant, today):
    url = reverse("diary:adverse_event_new", args=["C1-001"])
    key = "6f1c2b7e-8f3a-4d7e-9b1a-2c3d4e5f6a7b"
    refused = ra.post(url, ae_post(today, grade="", submission=key))
    assert refused.status_code == 200 and not AdverseEvent.objects.exists()
    assert ra.post(url, ae_post(today, submission=key)).status_code == 302
    assert AdverseEvent.objects.count() == 1
