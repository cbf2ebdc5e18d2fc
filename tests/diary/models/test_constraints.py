"""Every invariant is a database constraint: writes that bypass the services fail."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from diary.models import AdverseEvent, DiaryWeek, Participant, ProtocolWeek
from tests.factories import enrol


@pytest.fixture
def week(trial):
    participant = enrol(trial)
    return participant.diary_weeks.select_related("protocol_week").first()


def _update_fails(obj, **values):
    with pytest.raises(IntegrityError), transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).update(**values)


REACHED = {"reached": True, "call_date": date(2023, 1, 9)}


def test_diary_week_accepts_a_valid_week(week):
    DiaryWeek.objects.filter(pk=week.pk).update(
        **REACHED, cramps=3, duration_min=Decimal("1.50"), severity=Decimal("4.00")
    )
    week.refresh_from_db()
    assert week.cramps == 3


def test_severity_above_ten_is_refused_by_the_database(week):
    _update_fails(week, **REACHED, cramps=2, duration_min=1, severity=Decimal("10.5"))


def test_severity_below_one_is_refused_by_the_database(week):
    _update_fails(week, **REACHED, cramps=2, duration_min=1, severity=Decimal("0.5"))


def test_negative_duration_is_refused_by_the_database(week):
    _update_fails(week, **REACHED, cramps=2, duration_min=Decimal("-1"), severity=3)


def test_negative_cramps_is_refused_by_the_database(week):
    _update_fails(week, **REACHED, cramps=-1)


def test_duration_without_cramps_is_refused(week):
    _update_fails(week, **REACHED, cramps=0, duration_min=1, severity=None)


def test_severity_missing_when_cramps_is_refused(week):
    _update_fails(week, **REACHED, cramps=2, duration_min=1, severity=None)


def test_values_without_reaching_the_participant_are_refused(week):
    _update_fails(week, reached=False, call_date=date(2023, 1, 9), cramps=0)


def test_reached_without_a_count_is_refused(week):
    _update_fails(week, **REACHED, cramps=None)


def test_capsules_missed_above_seven_is_refused(week):
    _update_fails(week, **REACHED, cramps=0, capsules_missed=8)


def test_one_row_per_participant_week(week):
    with pytest.raises(IntegrityError), transaction.atomic():
        DiaryWeek.objects.create(
            participant=week.participant, protocol_week=week.protocol_week, due_date=week.due_date
        )


def test_a_week_outside_the_protocol_cannot_be_stored(week, trial):
    # Week 9 of intervention does not exist in an 8-week protocol: no ProtocolWeek row.
    assert not ProtocolWeek.objects.filter(trial=trial, phase="intervention", week=9).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolWeek.objects.create(trial=trial, phase="intervention", week=0)


def test_randomized_participant_must_have_a_bottle(trial):
    participant = enrol(trial)
    _update_fails(participant, randomized_on=date(2023, 1, 20), bottle_number=None)


def test_two_participants_cannot_share_a_bottle(trial):
    a, b = enrol(trial), enrol(trial)
    Participant.objects.filter(pk=a.pk).update(randomized_on=date(2023, 1, 20), bottle_number=7)
    _update_fails(b, randomized_on=date(2023, 1, 20), bottle_number=7)


def test_withdrawal_before_randomization_date_is_refused(trial):
    p = enrol(trial)
    Participant.objects.filter(pk=p.pk).update(randomized_on=date(2023, 1, 20), bottle_number=1)
    _update_fails(p, withdrawn_on=date(2023, 1, 10), withdrawal_reason="moved")


def test_withdrawal_needs_a_reason(trial):
    p = enrol(trial)
    _update_fails(p, withdrawn_on=date(2023, 1, 10), withdrawal_reason="")


def test_adverse_event_resolution_before_onset_is_refused(trial):
    p = enrol(trial)
    event = AdverseEvent.objects.create(
        participant=p,
        onset_on=date(2023, 2, 1),
        term="Headache",
        grade="mild",
        relatedness="unrelated",
    )
    _update_fails(event, resolved_on=date(2023, 1, 1))


def test_adverse_event_grade_outside_the_list_is_refused(trial):
    p = enrol(trial)
    event = AdverseEvent.objects.create(
        participant=p,
        onset_on=date(2023, 2, 1),
        term="Headache",
        grade="mild",
        relatedness="unrelated",
    )
    _update_fails(event, grade="fatal")


# -- NULL never lets a rule through (a CHECK passes on NULL unless written out) ----------


def test_values_with_reached_unknown_are_refused_by_the_database(week):
    _update_fails(
        week,
        reached=None,
        call_date=date(2023, 1, 9),
        cramps=2,
        duration_min=Decimal("0.45"),
        severity=Decimal("2.14"),
    )


def test_duration_with_cramps_unknown_is_refused_by_the_database(week):
    _update_fails(week, **REACHED, cramps=None, duration_min=Decimal("1"), severity=None)


def test_a_call_without_its_date_is_refused_by_the_database(week):
    _update_fails(week, reached=False, call_date=None)


def test_a_date_outside_the_calendar_is_refused_by_the_database(week):
    _update_fails(week, reached=False, call_date=date(2571, 1, 1))


@pytest.fixture
def randomized(trial):
    participant = enrol(trial)
    Participant.objects.filter(pk=participant.pk).update(
        randomized_on=participant.consented_on, bottle_number=7
    )
    participant.refresh_from_db()
    return participant


def test_a_bottle_without_randomization_is_refused_by_the_database(randomized):
    _update_fails(randomized, randomized_on=None)


def test_stopping_the_study_product_needs_its_reason_in_the_database(randomized):
    _update_fails(randomized, treatment_stopped_on=randomized.randomized_on)


def test_stopping_the_study_product_before_randomization_is_refused(randomized):
    _update_fails(
        randomized,
        treatment_stopped_on=date(2022, 1, 1),
        treatment_stop_reason="nausea",
    )


def test_a_withdrawal_reason_without_its_date_is_refused(randomized):
    _update_fails(randomized, withdrawal_reason="moved away")


@pytest.mark.parametrize("bad", ["C1/../../admin", "C1 001", "x" * 33, ""])
def test_an_identifier_that_no_url_can_hold_is_refused_by_the_database(randomized, bad):
    _update_fails(randomized, participant_id=bad)
