"""The call queue page and the weekly call form."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from diary.models import DiaryWeek
from diary.services.calls import weekly_call_record
from tests.diary.web.conftest import make_randomized, signed_in, week_of

CALL = "diary:week_call"


def call_url(pid="C1-001", phase="screening", week=1):
    return reverse(CALL, args=[pid, phase, week])


def due(today):
    """The due date of the participant's first screening week (enrolled 20 days ago)."""
    return today - timedelta(days=13)


def reached(today, **values):
    return {
        "reached": "yes",
        "call_date": today.isoformat(),
        "new_health_problem": "no",
        **values,
    }


# --- the queue -------------------------------------------------------------------


def test_queue_lists_due_overdue_and_coming_up_with_phone_and_attempts(ra, trial, site_c1, today):
    from tests.factories import enrol

    # Consented 7 days ago: screening week 1 is due today, week 2 in a week.
    due = enrol(trial, site_c1, screened_on=today - timedelta(days=7), participant_id="C1-010")
    # Consented 14 days ago: week 1 overdue (window closed 5 days ago), week 2 due today.
    late = enrol(trial, site_c1, screened_on=today - timedelta(days=14), participant_id="C1-011")
    weekly_call_record(
        diary_week=week_of(late, "screening", 1),
        reached=False,
        call_date=today - timedelta(days=6),
        by_user=None,
    )
    page = ra.get(reverse("diary:calls")).content.decode()
    due_part, rest = page.split('id="overdue"')
    overdue_part, coming_part = rest.split('id="coming-up"')
    assert call_url("C1-010", "screening", 1) in due_part
    assert call_url("C1-011", "screening", 2) in due_part
    assert call_url("C1-011", "screening", 1) in overdue_part
    assert call_url("C1-010", "screening", 2) in coming_part
    assert 'href="tel:+442079460000"' in due_part
    assert '<td data-label="Attempts" class="num">1</td>' in overdue_part
    assert due.participant_id in page


def test_queue_of_a_research_assistant_leaves_out_other_sites(ra, participant, participant_c2):
    page = ra.get(reverse("diary:calls")).content.decode()
    assert "C1-001" in page
    assert "C2-001" not in page


def test_queue_shows_no_arm(ra, participant, trial, today):
    make_randomized(participant, on=today - timedelta(days=7), bottle=17)
    page = ra.get(reverse("diary:calls")).content.decode().lower()
    for arm in trial.arms.all():
        assert arm.code.lower() not in page
        assert arm.label.lower() not in page


# --- entering a call -------------------------------------------------------------


def test_reached_call_is_saved_and_confirmed(ra, participant, today):
    response = ra.post(
        call_url(), reached(due(today), cramps="3", duration_min="2.5", severity="6"), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(
        "diary:week_saved", args=["C1-001", "screening", 1]
    )
    week = week_of(participant, "screening", 1)
    assert (week.reached, week.cramps, week.duration_min, week.severity) == (
        True,
        3,
        Decimal("2.5"),
        Decimal("6"),
    )
    assert week.history.first().history_user.username == "research_assistant-C1"
    page = response.content.decode()
    assert "What was saved" in page
    assert "<dt>Cramps</dt><dd>3</dd>" in page
    assert "<dt>Mean severity</dt><dd>6 / 10</dd>" in page


def test_no_cramps_needs_no_duration_or_severity(ra, participant, today):
    assert ra.post(call_url(), reached(due(today), cramps="0")).status_code == 302
    week = week_of(participant, "screening", 1)
    assert (week.cramps, week.duration_min, week.severity) == (0, None, None)


def test_not_reached_records_an_attempt_and_keeps_the_call_in_the_queue(ra, participant, today):
    response = ra.post(
        call_url(), {"reached": "no", "call_date": today.isoformat(), "cramps": "5"}, follow=True
    )
    week = week_of(participant, "screening", 1)
    assert (week.reached, week.attempts, week.cramps) == (False, 1, None)
    assert "The call stays in the queue" in response.content.decode()
    assert call_url() in ra.get(reverse("diary:calls")).content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"cramps": "2", "severity": "11", "duration_min": "1"}, "severity", "between 1 and 10"),
        ({"cramps": "2", "severity": "4"}, "duration_min", "Enter the mean duration"),
        ({"cramps": "2", "duration_min": "1"}, "severity", "Enter the mean severity"),
        ({"cramps": "2", "duration_min": "0", "severity": "3"}, "duration_min", "more than 0"),
        ({"cramps": "0", "duration_min": "3"}, "duration_min", "Leave the duration empty"),
        ({}, "cramps", "Enter the number of cramps"),
        ({"cramps": "two"}, "cramps", "Enter a whole number"),
        ({"cramps": "1.5"}, "cramps", "Enter a whole number"),
        ({"cramps": "1", "duration_min": "1", "severity": "x"}, "severity", "Enter a number"),
    ],
)
def test_invalid_values_are_shown_next_to_their_field_and_not_saved(
    ra, participant, today, values, field, message
):
    response = ra.post(call_url(), reached(today, **values))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page  # the message is tied to the field
    assert 'aria-invalid="true"' in page
    assert 'id="error-summary"' in page
    week = week_of(participant, "screening", 1)
    assert week.reached is None and week.attempts == 0


def test_capsules_missed_is_asked_and_checked_only_in_intervention_weeks(ra, participant, today):
    assert "capsules_missed" not in ra.get(call_url()).context["form"].fields
    make_randomized(participant, on=today - timedelta(days=8))
    url = call_url(phase="intervention", week=1)
    response = ra.post(url, reached(today, cramps="0", capsules_missed="8"))
    assert "between 0 and 7" in response.context["form"].errors["capsules_missed"][0]
    response = ra.post(url, reached(today, cramps="0"))
    assert "capsules missed" in response.context["form"].errors["capsules_missed"][0]
    assert ra.post(url, reached(today, cramps="0", capsules_missed="2")).status_code == 302
    assert week_of(participant, "intervention", 1).capsules_missed == 2


def test_call_date_in_the_future_is_refused(ra, participant, today):
    response = ra.post(
        call_url(), reached(today, cramps="0", call_date=(today + timedelta(days=1)).isoformat())
    )
    assert "future" in response.context["form"].errors["call_date"][0]


def test_reached_call_must_answer_the_health_question(ra, participant, today):
    values = reached(today, cramps="0")
    del values["new_health_problem"]
    response = ra.post(call_url(), values)
    assert "new_health_problem" in response.context["form"].errors
    assert week_of(participant, "screening", 1).reached is None


def test_new_health_problem_opens_the_adverse_event_form_after_saving(ra, participant, today):
    response = ra.post(call_url(), reached(due(today), cramps="0", new_health_problem="yes"))
    expected = reverse("diary:adverse_event_new", args=["C1-001"]) + "?after=screening-1"
    assert response["Location"] == expected
    assert week_of(participant, "screening", 1).reached is True
    page = ra.get(expected).content.decode()
    assert "Saved: Screening diary week 1" in page
    assert 'name="term"' in page


# --- corrections -------------------------------------------------------------------


@pytest.fixture
def recorded(participant, today, ra_c1):
    week = week_of(participant, "screening", 1)
    weekly_call_record(
        diary_week=week,
        reached=True,
        call_date=today - timedelta(days=12),
        cramps=2,
        duration_min="1",
        severity="3",
        by_user=ra_c1,
    )
    return week


def test_correction_form_shows_the_values_and_asks_for_a_reason(ra, recorded):
    response = ra.get(call_url())
    form = response.context["form"]
    assert form.correcting and "reason" in form.fields
    assert form.initial["cramps"] == 2
    assert "Changing them needs a reason" in response.content.decode()


def test_correction_without_reason_is_refused(ra, recorded, today):
    response = ra.post(
        call_url(), reached(today - timedelta(days=12), cramps="4", duration_min="1", severity="3")
    )
    assert response.status_code == 200
    assert "reason is required" in response.context["form"].errors["reason"][0]
    recorded.refresh_from_db()
    assert recorded.cramps == 2


def test_correction_with_reason_is_saved_with_the_reason_in_history(ra, recorded, today):
    called = today - timedelta(days=12)
    values = reached(called, cramps="4", duration_min="1", severity="3", reason="misheard")
    assert ra.post(call_url(), values).status_code == 302
    recorded.refresh_from_db()
    assert recorded.cramps == 4
    assert recorded.call_date == called  # the call's date stays unless corrected
    assert recorded.history.first().history_change_reason == "misheard"


def test_a_wrong_call_date_is_corrected_only_with_a_reason(ra, recorded, today):
    called, actual = today - timedelta(days=12), today - timedelta(days=11)
    values = reached(actual, cramps="2", duration_min="2.5", severity="5")
    response = ra.post(call_url(), values)
    assert "reason is required" in response.context["form"].errors["reason"][0]
    recorded.refresh_from_db()
    assert recorded.call_date == called
    assert ra.post(call_url(), {**values, "reason": "dated wrongly"}).status_code == 302
    recorded.refresh_from_db()
    assert recorded.call_date == actual
    assert recorded.history.first().history_change_reason == "dated wrongly"


def test_not_reached_cannot_overwrite_recorded_values(ra, recorded, today):
    response = ra.post(call_url(), {"reached": "no", "call_date": today.isoformat()})
    assert response.status_code == 200
    assert response.context["form"].errors["reached"]
    recorded.refresh_from_db()
    assert recorded.reached is True and recorded.cramps == 2


def test_unknown_week_is_not_found(ra, participant):
    assert ra.get(call_url(week=9)).status_code == 404
    assert ra.get("/participants/C1-001/weeks/bogus/1/").status_code == 404


def test_locked_trial_refuses_the_call_with_a_message(ra, participant, trial, today):
    from django.utils import timezone

    type(trial).objects.filter(pk=trial.pk).update(locked_at=timezone.now())
    response = ra.post(call_url(), reached(due(today), cramps="0"))
    assert response.status_code == 200
    assert "locked" in " ".join(response.context["form"].non_field_errors())
    assert not DiaryWeek.objects.filter(reached=True).exists()


def test_queue_shows_each_part_a_page_at_a_time(ra, trial, site_c1, today):
    from diary.web.views.calls import QUEUE_PAGE_SIZE
    from tests.diary.web.bulk import bulk_participants

    bulk_participants(trial, count=200, today=today)  # about 70 calls due now at C1
    queue = ra.get(reverse("diary:calls")).context["queue"]
    due = len(queue.due)
    assert due > QUEUE_PAGE_SIZE
    first = ra.get(reverse("diary:calls")).context["sections"][0]["page"]
    assert len(first.object_list) == QUEUE_PAGE_SIZE
    last_number = first.paginator.num_pages
    response = ra.get(reverse("diary:calls"), {"due": last_number})
    last = response.context["sections"][0]["page"]
    assert len(last.object_list) == due - QUEUE_PAGE_SIZE * (last_number - 1)
    assert f"of {due}</span>" in response.content.decode()
    seen = [r.diary_week_id for r in first.object_list] + [r.diary_week_id for r in last]
    assert len(set(seen)) == len(seen)  # pages do not overlap


# --- no lost update ----------------------------------------------------------------


def test_a_correction_from_a_form_opened_before_another_is_refused_with_the_current_values(
    ra, recorded, today, coordinator
):
    called = today - timedelta(days=12)
    opened = ra.get(call_url()).context["form"].initial["version"]
    other = signed_in(coordinator)
    first = reached(called, cramps="9", duration_min="2.5", severity="5", reason="recount")
    assert other.post(call_url(), {**first, "version": opened}).status_code == 302
    second = reached(called, cramps="10", duration_min="2.5", severity="5", reason="recount")
    response = ra.post(call_url(), {**second, "version": opened})
    assert response.status_code == 200
    page = response.content.decode()
    assert "changed by someone else" in page and "cramps 9" in page
    recorded.refresh_from_db()
    assert recorded.cramps == 9


def test_the_same_not_reached_form_sent_twice_records_one_attempt(ra, participant, today):
    version = ra.get(call_url()).context["form"].initial["version"]
    values = {"reached": "no", "call_date": today.isoformat(), "version": version}
    assert ra.post(call_url(), values).status_code == 302
    again = ra.post(call_url(), values)
    assert again.status_code == 200
    assert "changed by someone else" in again.content.decode()
    assert week_of(participant, "screening", 1).attempts == 1


def test_a_call_date_outside_the_window_is_taken_only_when_confirmed(ra, participant, today):
    page = ra.get(call_url())
    assert page.context["form"].initial.get("call_date") is None  # the window has closed
    assert "window was" in page.content.decode()
    late = reached(today, cramps="0")
    response = ra.post(call_url(), late)
    assert "outside this week's window" in response.context["form"].errors["call_date"][0]
    assert 'name="out_of_window"' in response.content.decode()
    assert week_of(participant, "screening", 1).reached is None
    assert ra.post(call_url(), {**late, "out_of_window": "on"}).status_code == 302
    assert week_of(participant, "screening", 1).call_date == today


def test_within_the_window_the_call_date_is_today(ra, trial, site_c1, today):
    from tests.factories import enrol

    enrol(trial, site_c1, screened_on=today - timedelta(days=7), participant_id="C1-002")
    form = ra.get(call_url(pid="C1-002")).context["form"]
    assert form.initial["call_date"] == today


def test_calls_outside_their_window_are_listed_as_deviations(ra, participant, today):
    late = {**reached(today, cramps="0"), "out_of_window": "on"}
    assert ra.post(call_url(), late).status_code == 302
    page = ra.get(reverse("diary:deviations")).content.decode()
    assert "C1-001" in page and "11 after" in page  # due 13 days ago, window 2 days
    timeline = ra.get(reverse("diary:participant", args=["C1-001"])).content.decode()
    assert "outside the window" in timeline


def test_not_reached_on_an_old_week_says_it_has_left_the_queue(ra, trial, site_c1, today):
    from tests.factories import enrol

    enrol(trial, site_c1, screened_on=today - timedelta(days=60), participant_id="C1-003")
    values = {"reached": "no", "call_date": today.isoformat()}
    page = ra.post(call_url(pid="C1-003"), values, follow=True).content.decode()
    assert "no longer in the call queue" in page
    assert "C1-003" not in ra.get(reverse("diary:calls")).content.decode()


def test_the_saved_page_of_a_week_never_called_leads_to_its_call_form(ra, participant):
    """Nothing was saved: no "Saved: not reached on ." page."""
    saved = reverse("diary:week_saved", args=["C1-001", "screening", 2])
    response = ra.get(saved)
    assert response.status_code == 302
    assert response["Location"] == reverse("diary:week_call", args=["C1-001", "screening", 2])
