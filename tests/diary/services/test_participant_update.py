from datetime import date
from decimal import Decimal

import pytest

from diary.errors import InvalidValue, ReasonRequired, RuleConflict, TrialLocked
from diary.models import Participant
from diary.services.participants import participant_update, participant_withdraw
from tests.factories import enrol


def test_first_entry_of_baseline_needs_no_reason(trial, ra_c1):
    p = enrol(trial)
    participant_update(participant=p, changes={"height_cm": Decimal("158.5")}, by_user=ra_c1)
    assert Participant.objects.get(pk=p.pk).height_cm == Decimal("158.5")


def test_changing_an_entered_value_without_reason_is_refused_and_not_saved(trial, ra_c1):
    p = enrol(trial, weight_kg=Decimal("52.0"))
    with pytest.raises(ReasonRequired, match="weight_kg"):
        participant_update(participant=p, changes={"weight_kg": Decimal("53.0")}, by_user=ra_c1)
    assert Participant.objects.get(pk=p.pk).weight_kg == Decimal("52.0")


def test_the_reason_is_stored_with_the_history_row(trial, ra_c1):
    p = enrol(trial, weight_kg=Decimal("52.0"))
    participant_update(
        participant=p,
        changes={"weight_kg": Decimal("53.0")},
        by_user=ra_c1,
        reason="scale recalibrated",
    )
    row = p.history.order_by("-history_id").first()
    assert (row.weight_kg, row.history_change_reason) == (Decimal("53.0"), "scale recalibrated")


def test_creatinine_is_shown_in_umol_per_litre(trial):
    p = enrol(trial, creatinine_mg_dl=Decimal("0.89"))
    assert p.creatinine_umol_l == Decimal("79")  # 0.89 x 88.4 = 78.68


def test_out_of_range_baseline_is_refused_naming_the_field(trial, ra_c1):
    p = enrol(trial)
    with pytest.raises(InvalidValue) as exc:
        participant_update(participant=p, changes={"height_cm": Decimal("20")}, by_user=ra_c1)
    assert "height_cm" in exc.value.errors


def test_withdrawal_needs_a_reason(trial, ra_c1):
    p = enrol(trial)
    with pytest.raises(InvalidValue):
        participant_withdraw(
            participant=p, withdrawn_on=date(2023, 2, 1), reason=" ", by_user=ra_c1
        )


def test_locked_trial_refuses_changes(trial, ra_c1):
    p = enrol(trial)
    trial.locked_at = "2024-01-01T00:00:00Z"
    trial.save()
    p.refresh_from_db()
    with pytest.raises(TrialLocked):
        participant_update(participant=p, changes={"phone": "123"}, by_user=ra_c1)


def test_a_long_correction_reason_is_kept_whole(trial, ra_c1):
    p = enrol(trial, weight_kg=Decimal("52.0"))
    reason = "The participant re-weighed on the clinic's calibrated scale; " * 4
    participant_update(
        participant=p, changes={"weight_kg": Decimal("53.0")}, by_user=ra_c1, reason=reason
    )
    assert p.history.order_by("-history_id").first().history_change_reason == reason.strip()


def test_a_recorded_no_is_corrected_only_with_a_reason(trial, ra_c1):
    p = enrol(trial, hypertension=False)
    with pytest.raises(ReasonRequired, match="hypertension"):
        participant_update(participant=p, changes={"hypertension": True}, by_user=ra_c1)
    assert Participant.objects.get(pk=p.pk).hypertension is False


def test_an_out_of_date_version_is_refused_with_the_current_values(trial, ra_c1):
    from diary.errors import StaleRecord

    p = enrol(trial)
    opened = p.version
    participant_update(
        participant=p, changes={"weight_kg": Decimal("60")}, by_user=ra_c1, expected_version=opened
    )
    with pytest.raises(StaleRecord) as stale:
        participant_update(
            participant=p,
            changes={"weight_kg": Decimal("61")},
            by_user=ra_c1,
            reason="x",
            expected_version=opened,
        )
    assert stale.value.current == {"weight_kg": Decimal("60.0")}
    assert "weight_kg 60" in stale.value.message
    assert Participant.objects.get(pk=p.pk).weight_kg == Decimal("60")


def test_stopping_the_study_product_keeps_the_participant_in_follow_up(trial, ra_c1):
    from diary.services.participants import participant_treatment_stop

    p = enrol(trial)
    Participant.objects.filter(pk=p.pk).update(randomized_on=date(2023, 1, 20), bottle_number=5)
    participant_treatment_stop(
        participant=p, stopped_on=date(2023, 2, 1), reason="Nausea", by_user=ra_c1
    )
    p.refresh_from_db()
    assert (p.treatment_stopped_on, p.treatment_stop_reason) == (date(2023, 2, 1), "Nausea")
    assert p.withdrawn_on is None and p.status == "randomized"
    with pytest.raises(InvalidValue, match="not randomized"):
        participant_treatment_stop(
            participant=enrol(trial), stopped_on=date(2023, 2, 1), reason="x", by_user=ra_c1
        )


def test_a_withdrawal_cannot_be_dated_before_a_week_reached(trial, ra_c1):
    from diary.services.calls import weekly_call_record

    p = enrol(trial, screened_on=date(2023, 1, 2))  # screening week 2 began 9 January
    week = p.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=2)
    weekly_call_record(
        diary_week=week,
        reached=True,
        call_date=week.due_date,
        cramps=1,
        duration_min="1",
        severity="3",
        by_user=ra_c1,
    )
    with pytest.raises(RuleConflict) as refused:
        participant_withdraw(
            participant=p, withdrawn_on=date(2023, 1, 5), reason="moved away", by_user=ra_c1
        )
    assert refused.value.field == "withdrawn_on" and "screening week 2" in refused.value.message
    assert Participant.objects.get(pk=p.pk).withdrawn_on is None
    participant_withdraw(
        participant=p, withdrawn_on=date(2023, 1, 9), reason="moved away", by_user=ra_c1
    )
    assert Participant.objects.get(pk=p.pk).withdrawn_on == date(2023, 1, 9)


def test_a_withdrawal_cannot_be_dated_before_a_night_of_the_diary(trial, ra_c1):
    from diary.services.nights import night_record

    p = enrol(trial, screened_on=date(2023, 1, 2))
    night_record(
        participant=p,
        night=date(2023, 1, 8),
        cramps=[],
        source="staff",
        by_user=ra_c1,
        today=date(2023, 1, 9),
    )
    with pytest.raises(RuleConflict, match="night of 2023-01-08"):
        participant_withdraw(
            participant=p, withdrawn_on=date(2023, 1, 7), reason="moved away", by_user=ra_c1
        )
