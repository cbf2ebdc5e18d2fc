from datetime import date

import pytest

from diary.errors import InvalidValue
from diary.models import Participant, ScreeningRecord
from diary.services.screening import Consent, eligibility_decide, screening_record_create
from tests.factories import eligible_answers


def _screen(trial, site, user, *, age=70, consent=True, **answer_overrides):
    answers = {**eligible_answers(trial), **answer_overrides}
    return screening_record_create(
        trial=trial,
        site=site,
        screening_id=f"S-{age}-{len(answer_overrides)}-{consent}",
        screened_on=date(2023, 3, 1),
        sex="M",
        age=age,
        answers=answers,
        consent=Consent("C1-001", date(2023, 3, 1)) if consent else None,
        by_user=user,
    )


def test_eligible_candidate_who_consents_is_enrolled_with_screening_weeks(trial, site_c1, ra_c1):
    record = _screen(trial, site_c1, ra_c1)
    assert record.outcome == "enrolled" and record.eligible is True
    weeks = record.participant.diary_weeks.order_by("due_date")
    assert [(w.protocol_week.phase, w.protocol_week.week, w.due_date) for w in weeks] == [
        ("screening", 1, date(2023, 3, 8)),
        ("screening", 2, date(2023, 3, 15)),
    ]


def test_eligible_candidate_who_declines_is_logged_as_declined(trial, site_c1, ra_c1):
    record = _screen(trial, site_c1, ra_c1, consent=False)
    assert record.outcome == "declined"
    assert not Participant.objects.exists()


def test_too_young_is_not_meeting_inclusion_with_the_reason(trial, site_c1, ra_c1):
    record = _screen(trial, site_c1, ra_c1, age=63, consent=False)
    assert record.outcome == "not_meeting_inclusion"
    assert "younger than 65" in record.reason


def test_an_exclusion_criterion_gives_meeting_exclusion(trial, site_c1, ra_c1):
    record = _screen(trial, site_c1, ra_c1, consent=False, recent_vitamin_k=True)
    assert record.outcome == "meeting_exclusion"
    assert "Vitamin K antagonist" in record.reason


def test_inclusion_failure_is_counted_before_exclusion(trial):
    answers = {**eligible_answers(trial), "nocturnal_leg_cramps": False, "diuretics": True}
    decision = eligibility_decide(trial=trial, age=70, answers=answers)
    assert decision.outcome == "not_meeting_inclusion"


def test_an_ineligible_candidate_cannot_be_enrolled_and_nothing_is_written(trial, site_c1, ra_c1):
    with pytest.raises(InvalidValue, match="ineligible"):
        _screen(trial, site_c1, ra_c1, diuretics=True)
    assert not ScreeningRecord.objects.exists()


def test_every_criterion_needs_an_answer(trial):
    answers = eligible_answers(trial)
    del answers["malignant_tumour"]
    with pytest.raises(InvalidValue) as exc:
        eligibility_decide(trial=trial, age=70, answers=answers)
    assert "malignant_tumour" in exc.value.errors


def test_an_impossible_age_is_refused_naming_the_field(trial, site_c1, ra_c1):
    with pytest.raises(InvalidValue) as exc:
        _screen(trial, site_c1, ra_c1, age=150, consent=False)
    assert "age" in exc.value.errors
    assert not ScreeningRecord.objects.exists()


def test_a_screening_date_in_the_future_is_refused(trial, site_c1, ra_c1):
    with pytest.raises(InvalidValue) as exc:
        screening_record_create(
            trial=trial,
            site=site_c1,
            screening_id="S-future",
            screened_on=date(9999, 12, 30),
            sex="F",
            age=70,
            answers=eligible_answers(trial),
            by_user=ra_c1,
        )
    assert "screened_on" in exc.value.errors


def test_a_null_character_is_refused_as_bad_input(trial, site_c1, ra_c1):
    with pytest.raises(InvalidValue) as exc:
        screening_record_create(
            trial=trial,
            site=site_c1,
            screening_id="S\x00",
            screened_on=date(2023, 3, 1),
            sex="F",
            age=70,
            answers=eligible_answers(trial),
            by_user=ra_c1,
        )
    assert "screening_id" in exc.value.errors


def test_every_failed_criterion_is_listed_and_inclusion_decides_the_outcome(trial):
    from diary.services.screening import eligibility_decide
    from tests.factories import eligible_answers

    answers = {**eligible_answers(trial), "diuretics": True}
    decision = eligibility_decide(trial=trial, age=60, answers=answers)
    assert not decision.eligible
    assert decision.outcome == "not_meeting_inclusion"
    assert decision.reasons == ["younger than 65 years", "meets exclusion: Takes diuretics"]
