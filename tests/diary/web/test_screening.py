"""Screening a candidate: eligibility decided and explained, consent, the log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from diary.models import Participant, ScreeningRecord
from tests.diary.web.conftest import signed_in
from tests.factories import make_user

URL = "diary:screening_new"


@pytest.fixture
def answers(trial):
    """Eligible answers as the form posts them."""
    return {
        f"criterion_{c.code}": "yes" if c.kind == "inclusion" else "no"
        for c in trial.criteria.all()
    }


@pytest.fixture
def candidate(site_c1, answers, today):
    return {
        "site": site_c1.pk,
        "screening_id": "S-100",
        "screened_on": today.isoformat(),
        "sex": "F",
        "age": "70",
        **answers,
    }


def test_form_asks_every_criterion(ra, trial):
    page = ra.get(reverse(URL)).content.decode()
    for criterion in trial.criteria.all():
        assert escape(criterion.text) in page
        assert f'name="criterion_{criterion.code}"' in page


def test_site_choice_offers_only_the_users_sites(ra, trial):
    choices = list(ra.get(reverse(URL)).context["form"].fields["site"].queryset)
    assert [s.code for s in choices] == ["C1"]


def test_check_explains_eligibility_and_suggests_the_study_id(ra, candidate):
    response = ra.post(reverse(URL), {**candidate, "action": "check"})
    page = response.content.decode()
    assert "Eligible: meets every inclusion criterion and no exclusion criterion." in page
    assert 'name="consent"' in page
    assert response.context["form"]["participant_id"].value() == "C1-001"
    assert not ScreeningRecord.objects.exists()  # checking saves nothing


def test_check_explains_each_reason_of_ineligibility(ra, candidate, trial):
    response = ra.post(
        reverse(URL),
        {**candidate, "age": "60", "criterion_diuretics": "yes", "action": "check"},
    )
    page = response.content.decode()
    assert "Not eligible" in page
    assert "2 criteria are not met" in page
    assert "younger than 65 years" in page
    assert "meets exclusion: Takes diuretics" in page  # every failed criterion is listed
    assert "does not meet" not in page  # inclusion fails on age only
    assert 'name="consent"' not in page
    assert "Save to the screening log" in page


def test_the_decision_takes_the_focus_after_a_check(ra, candidate):
    page = ra.post(reverse(URL), {**candidate, "action": "check"}).content.decode()
    assert 'id="decision"' in page and 'tabindex="-1" data-autofocus' in page
    assert 'action="/screening/new/#decision"' in page  # without script: scrolled to it


def test_exclusion_reason_is_explained_when_inclusion_is_met(ra, candidate):
    page = ra.post(
        reverse(URL), {**candidate, "criterion_diuretics": "yes", "action": "check"}
    ).content.decode()
    assert "meets exclusion: Takes diuretics" in page


def test_unanswered_criterion_is_flagged_on_its_field(ra, candidate):
    del candidate["criterion_diuretics"]
    response = ra.post(reverse(URL), {**candidate, "action": "check"})
    assert response.context["form"].errors["criterion_diuretics"]
    assert 'id="id_criterion_diuretics_error"' in response.content.decode()


def test_ineligible_candidate_is_logged_with_outcome_and_reason(ra, candidate):
    response = ra.post(
        reverse(URL), {**candidate, "criterion_malignant_tumour": "yes", "action": "save"}
    )
    assert response["Location"] == reverse("diary:screening_log")
    record = ScreeningRecord.objects.get(screening_id="S-100")
    assert (record.eligible, record.outcome) == (False, "meeting_exclusion")
    assert "Malignant tumour" in record.reason
    assert not Participant.objects.exists()
    log = ra.get(reverse("diary:screening_log")).content.decode()
    assert "Met exclusion criteria" in log and "S-100" in log


def test_consenting_candidate_is_enrolled_and_sent_to_baseline(ra, candidate, today):
    response = ra.post(
        reverse(URL),
        {
            **candidate,
            "consent": "yes",
            "participant_id": "C1-001",
            "consented_on": today.isoformat(),
            "consent_form_version": "v2",
            "phone": "0123 456",
            "action": "save",
        },
    )
    assert response["Location"] == reverse("diary:baseline", args=["C1-001"])
    participant = Participant.objects.get(participant_id="C1-001")
    assert participant.screening.outcome == "enrolled"
    assert (participant.phone, participant.consent_form_version) == ("0123 456", "v2")
    assert participant.diary_weeks.filter(protocol_week__phase="screening").count() == 2


def test_eligible_candidate_without_consent_decision_is_not_saved(ra, candidate):
    response = ra.post(reverse(URL), {**candidate, "action": "save"})
    assert response.status_code == 200
    assert response.context["form"].errors["consent"]
    assert not ScreeningRecord.objects.exists()


def test_declining_candidate_is_logged_as_declined(ra, candidate):
    ra.post(
        reverse(URL),
        {**candidate, "consent": "no", "declined_reason": "too far to travel", "action": "save"},
    )
    record = ScreeningRecord.objects.get()
    assert (record.outcome, record.reason) == ("declined", "too far to travel")


def test_consent_needs_a_study_id(ra, candidate):
    response = ra.post(
        reverse(URL), {**candidate, "consent": "yes", "participant_id": "", "action": "save"}
    )
    assert response.context["form"].errors["participant_id"]
    assert not ScreeningRecord.objects.exists()


def test_consent_before_screening_is_refused_on_its_field(ra, candidate, today):
    response = ra.post(
        reverse(URL),
        {
            **candidate,
            "consent": "yes",
            "participant_id": "C1-001",
            "consented_on": (today - timedelta(days=3)).isoformat(),
            "action": "save",
        },
    )
    assert "before screening" in response.context["form"].errors["consented_on"][0]
    assert not ScreeningRecord.objects.exists()


def test_duplicate_screening_number_is_refused(ra, candidate):
    ra.post(reverse(URL), {**candidate, "criterion_diuretics": "yes", "action": "save"})
    response = ra.post(reverse(URL), {**candidate, "criterion_diuretics": "yes", "action": "save"})
    assert "already in the log" in response.context["form"].errors["screening_id"][0]


def test_age_out_of_range_is_refused_by_the_form(ra, candidate):
    response = ra.post(reverse(URL), {**candidate, "age": "12", "action": "save"})
    assert response.context["form"].errors["age"]
    assert not ScreeningRecord.objects.exists()


def test_site_of_another_assistant_cannot_be_chosen(ra, candidate, site_c2):
    response = ra.post(reverse(URL), {**candidate, "site": site_c2.pk, "action": "save"})
    assert response.context["form"].errors["site"]
    assert not ScreeningRecord.objects.exists()


def test_screening_log_is_scoped_to_the_users_sites(trial, site_c1, site_c2, ra):
    from tests.factories import enrol

    enrol(trial, site_c1, participant_id="C1-001")
    enrol(trial, site_c2, participant_id="C2-001")
    page = ra.get(reverse("diary:screening_log")).content.decode()
    assert "C1-001" in page and "C2-001" not in page
    coordinator_page = (
        signed_in(make_user("coordinator")).get(reverse("diary:screening_log")).content.decode()
    )
    assert "C1-001" in coordinator_page and "C2-001" in coordinator_page


def test_consent_left_from_an_earlier_check_does_not_enrol_an_ineligible_candidate(ra, candidate):
    response = ra.post(
        reverse(URL),
        {
            **candidate,
            "criterion_diuretics": "yes",
            "consent": "yes",
            "participant_id": "C1-001",
            "action": "save",
        },
    )
    assert response["Location"] == reverse("diary:screening_log")
    assert ScreeningRecord.objects.get().outcome == "meeting_exclusion"
    assert not Participant.objects.exists()


@pytest.mark.parametrize(
    ("field", "bad"),
    [("screening_id", "S/../../admin"), ("participant_id", "C1/../../admin")],
)
def test_an_identifier_no_url_can_hold_is_refused_on_its_field(ra, candidate, today, field, bad):
    values = {
        **candidate,
        "action": "save",
        "consent": "yes",
        "participant_id": "C1-001",
        "consented_on": today.isoformat(),
        field: bad,
    }
    response = ra.post(reverse(URL), values)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ScreeningRecord.objects.exists() and not Participant.objects.exists()
    assert ra.get(reverse("diary:participants")).status_code == 200


def test_a_study_id_of_another_site_is_refused(ra, candidate, today):
    values = {
        **candidate,
        "action": "save",
        "consent": "yes",
        "participant_id": "C2-999",
        "consented_on": today.isoformat(),
    }
    response = ra.post(reverse(URL), values)
    assert "C1-" in str(response.context["form"].errors["participant_id"])
    assert not Participant.objects.exists()
