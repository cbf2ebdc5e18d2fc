"""The participant page (timeline), baseline, randomization and withdrawal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from diary.models import Participant
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.participants import participant_update
from diary.services.randomization import participant_randomize
from tests.diary.web.conftest import signed_in, week_of
from tests.factories import enrol, make_list, make_user, screening_diary_complete


def detail(client, pid="C1-001"):
    return client.get(reverse("diary:participant", args=[pid]))


# --- the timeline -------------------------------------------------------------------


@pytest.fixture
def followed(trial, site_c1, today, ra_c1):
    """Consented 50 days ago, randomized 30 days ago: week 1 reached, week 2 not reached
    (missed), week 3 reached then corrected with a reason, week 4 due now; one
    adverse event."""
    participant = enrol(
        trial, site_c1, screened_on=today - timedelta(days=50), participant_id="C1-001"
    )
    screening_diary_complete(participant, cramps=[2, 3], by_user=ra_c1)
    make_list(trial)
    participant_randomize(
        participant=participant, by_user=ra_c1, randomized_on=today - timedelta(days=30)
    )
    w1, w2, w3 = (week_of(participant, "intervention", n) for n in (1, 2, 3))
    weekly_call_record(
        diary_week=w1,
        reached=True,
        call_date=w1.due_date,
        cramps=1,
        duration_min="2",
        severity="4",
        capsules_missed=0,
        by_user=ra_c1,
    )
    weekly_call_record(diary_week=w2, reached=False, call_date=w2.due_date, by_user=ra_c1)
    weekly_call_record(
        diary_week=w3,
        reached=True,
        call_date=w3.due_date,
        cramps=0,
        capsules_missed=1,
        by_user=ra_c1,
    )
    weekly_call_record(
        diary_week=w3,
        reached=True,
        cramps=2,
        duration_min="1.5",
        severity="3",
        capsules_missed=1,
        by_user=ra_c1,
        reason="participant called back",
    )
    adverse_event_record(
        participant=participant,
        onset_on=today - timedelta(days=10),
        term="Nausea",
        serious=False,
        grade="mild",
        relatedness="possible",
        by_user=ra_c1,
    )
    return participant


def test_timeline_shows_every_week_with_values_status_and_attempts(ra, followed):
    response = detail(ra)
    timeline = response.context["timeline"]
    assert [e.week for e in timeline.screening_weeks] == [1, 2]
    assert [e.week for e in timeline.intervention_weeks] == list(range(1, 9))
    statuses = [e.status for e in timeline.intervention_weeks]
    # Week 4 was due 2 days ago: its window (± 2 days) closes today.
    assert statuses == ["recorded", "missed", "recorded", "due"] + ["upcoming"] * 4
    page = response.content.decode()
    assert "Missed" in page and "(not reached)" in page
    assert timeline.screening_cramps == 5
    assert "5 cramps in all" in page
    assert "Nausea" in page
    assert f"bottle {timeline.participant.bottle_number}" in page


def test_history_lists_entries_and_corrections_with_their_reason(ra, followed):
    history = detail(ra).context["timeline"].history
    corrections = [e for e in history if e.kind == "corrected"]
    assert len(corrections) == 1
    correction = corrections[0]
    assert correction.record == "Intervention week 3"
    assert correction.reason == "participant called back"
    assert correction.who == "research_assistant-C1"
    changed = {c.label: (c.old, c.new) for c in correction.changes}
    assert changed["Number of cramps in the week"] == ("0", "2")
    assert changed["Mean severity of the week's cramps"] == ("—", "3")
    assert any(e.record == "Adverse event: Nausea" for e in history)
    assert history[0].when >= history[-1].when  # newest first


def test_participant_page_reveals_no_arm(ra, followed, trial):
    page = detail(ra).content.decode().lower()
    for arm in trial.arms.all():
        assert arm.code.lower() not in page
        assert arm.label.lower() not in page
    assert "placebo" not in page and "vitamin k2" not in page


def test_investigator_reads_the_page_without_entry_links(followed, site_c1):
    page = detail(signed_in(make_user("investigator", site_c1))).content.decode()
    assert "Nausea" in page
    assert reverse("diary:withdraw", args=["C1-001"]) not in page
    assert "/weeks/intervention/4/" not in page


def test_withdrawal_is_shown_with_its_reason(ra, participant, today):
    from diary.services.participants import participant_withdraw

    participant_withdraw(
        participant=participant, withdrawn_on=today, reason="moved away", by_user=None
    )
    page = detail(ra).content.decode()
    assert "Withdrew on" in page and "moved away" in page


def test_participant_list_finds_by_study_id_within_the_users_sites(
    ra, participant, participant_c2, trial, site_c1
):
    enrol(trial, site_c1, participant_id="C1-002")
    page = ra.get(reverse("diary:participants"), {"q": "c1-00"}).content.decode()
    assert "C1-001" in page and "C1-002" in page and "C2-001" not in page
    page = ra.get(reverse("diary:participants"), {"q": "002"}).content.decode()
    assert "C1-002" in page and "C1-001" not in page


# --- baseline -------------------------------------------------------------------------


def baseline_post(**overrides):
    return {
        "sex": "F",
        "age": "70",
        "height_cm": "165",
        "weight_kg": "70.5",
        "hypertension": "yes",
        "diabetes": "",
        "creatinine_mg_dl": "0.9",
        "phone": "+44 20 7946 0000",
        "consent_form_version": "v1.0",
        **overrides,
    }


def test_first_baseline_entry_needs_no_reason(ra, participant):
    response = ra.post(reverse("diary:baseline", args=["C1-001"]), baseline_post())
    assert response["Location"] == reverse("diary:participant", args=["C1-001"])
    participant.refresh_from_db()
    assert participant.height_cm == Decimal("165")
    assert participant.hypertension is True and participant.diabetes is None
    assert participant.creatinine_umol_l == Decimal("80")


def test_baseline_page_shows_creatinine_conversion_hook(ra, participant):
    page = ra.get(reverse("diary:baseline", args=["C1-001"])).content.decode()
    assert 'data-umol-target="creatinine-umol"' in page
    assert 'id="creatinine-umol"' in page


def test_baseline_correction_needs_a_reason_then_keeps_it(ra, participant, ra_c1):
    participant_update(
        participant=participant, changes={"height_cm": Decimal("165")}, by_user=ra_c1
    )
    url = reverse("diary:baseline", args=["C1-001"])
    response = ra.post(url, baseline_post(height_cm="156"))
    assert "reason is required" in response.context["form"].errors["reason"][0]
    participant.refresh_from_db()
    assert participant.height_cm == Decimal("165")
    ra.post(url, baseline_post(height_cm="156", reason="digits swapped"))
    participant.refresh_from_db()
    assert participant.height_cm == Decimal("156")
    assert participant.history.first().history_change_reason == "digits swapped"


def test_baseline_out_of_range_is_refused_on_its_field(ra, participant):
    response = ra.post(reverse("diary:baseline", args=["C1-001"]), baseline_post(weight_kg="400"))
    assert response.context["form"].errors["weight_kg"]
    participant.refresh_from_db()
    assert participant.weight_kg is None


# --- randomization ----------------------------------------------------------------------


@pytest.fixture
def ready(participant, trial, ra_c1):
    screening_diary_complete(participant, cramps=[1, 2], by_user=ra_c1)
    make_list(trial)
    return participant


def test_randomize_shows_only_the_bottle_number(ra, ready, trial, today):
    url = reverse("diary:randomize", args=["C1-001"])
    response = ra.post(url, {"randomized_on": today.isoformat()}, follow=True)
    assert response.redirect_chain[-1][0] == url
    ready.refresh_from_db()
    assert ready.bottle_number is not None and ready.randomized_on == today
    page = response.content.decode()
    assert f'<p class="bottle" id="bottle-number">{ready.bottle_number}</p>' in page
    lowered = page.lower()
    for arm in trial.arms.all():
        assert arm.code.lower() not in lowered and arm.label.lower() not in lowered
    assert ready.diary_weeks.filter(protocol_week__phase="intervention").count() == 8


def test_randomize_refusal_gives_the_exact_reason(ra, participant, trial, today):
    make_list(trial)
    response = ra.post(
        reverse("diary:randomize", args=["C1-001"]), {"randomized_on": today.isoformat()}
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "screening diary is not complete" in errors
    participant.refresh_from_db()
    assert participant.bottle_number is None


def test_randomize_without_a_list_says_so(ra, participant, ra_c1, today):
    screening_diary_complete(participant, cramps=[1, 2], by_user=ra_c1)
    response = ra.post(
        reverse("diary:randomize", args=["C1-001"]), {"randomized_on": today.isoformat()}
    )
    assert "No randomization list" in " ".join(response.context["form"].non_field_errors())


def test_randomize_in_the_future_is_refused(ra, ready, today):
    response = ra.post(
        reverse("diary:randomize", args=["C1-001"]),
        {"randomized_on": (today + timedelta(days=1)).isoformat()},
    )
    assert "future" in " ".join(response.context["form"].non_field_errors())


# --- withdrawal ------------------------------------------------------------------------


def test_withdrawal_with_reason_is_recorded(ra, participant, today):
    url = reverse("diary:withdraw", args=["C1-001"])
    response = ra.post(
        url, {"withdrawn_on": today.isoformat(), "withdrawal_reason": "side effects feared"}
    )
    assert response["Location"] == reverse("diary:participant", args=["C1-001"])
    participant.refresh_from_db()
    assert (participant.withdrawn_on, participant.withdrawal_reason) == (
        today,
        "side effects feared",
    )
    assert participant.history.first().history_user.username == "research_assistant-C1"


def test_withdrawal_needs_a_reason(ra, participant, today):
    response = ra.post(
        reverse("diary:withdraw", args=["C1-001"]),
        {"withdrawn_on": today.isoformat(), "withdrawal_reason": "  "},
    )
    assert response.context["form"].errors["withdrawal_reason"]
    assert Participant.objects.get(pk=participant.pk).withdrawn_on is None


def test_withdrawal_before_consent_is_refused_on_the_date(ra, participant):
    before = participant.consented_on - timedelta(days=1)
    response = ra.post(
        reverse("diary:withdraw", args=["C1-001"]),
        {"withdrawn_on": before.isoformat(), "withdrawal_reason": "moved"},
    )
    assert "cannot be before" in response.context["form"].errors["withdrawn_on"][0]


def test_withdrawn_participant_leaves_the_call_queue(ra, participant, today):
    queued = ra.get(reverse("diary:calls")).context["queue"]
    shown = queued.overdue[0:10] + queued.due[0:10]
    assert {row.participant_id for row in shown} == {"C1-001"}
    ra.post(
        reverse("diary:withdraw", args=["C1-001"]),
        {"withdrawn_on": today.isoformat(), "withdrawal_reason": "moved"},
    )
    assert len(ra.get(reverse("diary:calls")).context["queue"]) == 0
