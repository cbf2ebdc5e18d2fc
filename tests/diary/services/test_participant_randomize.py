from datetime import date, timedelta

import pytest
from django.db import connection

from diary.crypto import open_arm, seal_arm
from diary.errors import (
    AccessDenied,
    AllocationExhausted,
    ListIntegrityError,
    NotEligible,
    TrialLocked,
)
from diary.models import Allocation, DiaryWeek, ListEntry, Participant, ScreeningRecord
from diary.selectors.allocation import randomization_refusals
from diary.services.participants import participant_withdraw
from diary.services.randomization import participant_randomize
from diary.services.unblinding import trial_lock
from tests.factories import (
    enrol,
    make_list,
    make_user,
    ready_to_randomize,
    screening_diary_complete,
)

# Casebooks unsigned and queries open are waived: these tests are about the lock itself.
WAIVER = "not part of this test"

TODAY = date(2023, 2, 1)  # after the default screening diary (consent 2023-01-02)


def _refusal(participant, by_user, **kwargs) -> list[str]:
    with pytest.raises(NotEligible) as info:
        participant_randomize(participant=participant, by_user=by_user, **kwargs)
    assert not Allocation.objects.filter(participant=participant).exists()
    return info.value.errors["__all__"]


@pytest.fixture
def rlist(trial):
    return make_list(trial)


def test_randomization_gives_the_next_bottles_in_list_order(trial, rlist, coordinator):
    participants = [ready_to_randomize(trial) for _ in range(5)]
    for participant in participants:
        participant_randomize(participant=participant, by_user=coordinator, randomized_on=TODAY)
    bottles = [Participant.objects.get(pk=p.pk).bottle_number for p in participants]
    assert bottles == [1, 2, 3, 4, 5]


def test_randomization_records_the_allocation_and_the_audit_reason(trial, rlist, ra_c1, site_c1):
    participant = ready_to_randomize(trial, site_c1)
    result = participant_randomize(participant=participant, by_user=ra_c1, randomized_on=TODAY)
    assert (result.randomized_on, result.bottle_number) == (TODAY, 1)
    allocation = Allocation.objects.get(participant=participant)
    assert allocation.kind == "randomization"
    assert (allocation.by_user, allocation.allocated_on) == (ra_c1, TODAY)
    assert allocation.list_entry.bottle_number == 1
    latest = participant.history.first()
    assert latest.history_change_reason == "randomization"
    assert latest.history_user == ra_c1
    assert latest.bottle_number == 1


def test_randomization_schedules_the_intervention_weeks_from_its_date(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    participant_randomize(participant=participant, by_user=coordinator, randomized_on=TODAY)
    weeks = DiaryWeek.objects.filter(participant=participant, protocol_week__phase="intervention")
    due = sorted(weeks.values_list("protocol_week__week", "due_date"))
    assert due == [(w, TODAY + timedelta(days=7 * w)) for w in range(1, 9)]


def test_spares_are_never_given_at_randomization(trial, coordinator):
    make_list(trial, bottles_per_stratum=2, block_sizes=(2,), spares=4)
    for _ in range(2):
        participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    with pytest.raises(AllocationExhausted) as info:
        participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    assert info.value.message == (
        "No bottle is left on the randomization list; ask the unblinded statistician."
    )


def test_stratified_list_gives_the_next_bottle_of_the_participants_stratum(
    trial, site_c1, site_c2, coordinator
):
    rlist = make_list(trial, stratify_by=["site"], bottles_per_stratum=10, block_sizes=(2,))
    c2 = rlist.entries.filter(stratum_key=rlist.stratum_key("C2"))
    first_c2 = c2.order_by("bottle_number").first().bottle_number
    c2 = ready_to_randomize(trial, site_c2)
    c1 = ready_to_randomize(trial, site_c1)
    c2b = ready_to_randomize(trial, site_c2)
    assert participant_randomize(participant=c2, by_user=coordinator).bottle_number == first_c2
    assert participant_randomize(participant=c1, by_user=coordinator).bottle_number == 1
    assert participant_randomize(participant=c2b, by_user=coordinator).bottle_number == first_c2 + 1


def test_exhausted_stratum_names_the_stratum(trial, site_c1, coordinator):
    make_list(trial, stratify_by=["site"], bottles_per_stratum=2, block_sizes=(2,))
    for _ in range(2):
        participant_randomize(participant=ready_to_randomize(trial, site_c1), by_user=coordinator)
    with pytest.raises(AllocationExhausted) as info:
        participant_randomize(participant=ready_to_randomize(trial, site_c1), by_user=coordinator)
    assert info.value.message == (
        "No bottle is left on the randomization list for stratum C1; "
        "ask the unblinded statistician."
    )


def test_randomize_refuses_without_a_list(trial, coordinator):
    with pytest.raises(AllocationExhausted) as info:
        participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    assert info.value.message == (
        "No randomization list has been stored yet; ask the unblinded statistician."
    )


def test_randomize_refuses_participant_without_two_screening_weeks(trial, rlist, coordinator):
    participant = enrol(trial)
    week1 = participant.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=1)
    from diary.services.calls import weekly_call_record

    weekly_call_record(
        diary_week=week1,
        reached=True,
        call_date=week1.due_date,
        cramps=3,
        duration_min="1",
        severity="4",
        by_user=None,
    )
    assert _refusal(participant, coordinator) == [
        "The screening diary is not complete: week 2 of 2 not recorded."
    ]


def test_randomize_refuses_when_a_screening_week_was_only_attempted(trial, rlist, coordinator):
    participant = enrol(trial)
    from diary.services.calls import weekly_call_record

    for week in participant.diary_weeks.filter(protocol_week__phase="screening"):
        weekly_call_record(diary_week=week, reached=False, call_date=week.due_date, by_user=None)
    assert _refusal(participant, coordinator) == [
        "The screening diary is not complete: week 1, 2 of 2 not recorded."
    ]


def test_randomize_refuses_participant_with_fewer_than_two_screening_cramps(
    trial, rlist, coordinator
):
    participant = enrol(trial)
    screening_diary_complete(participant, cramps=[1, 0])
    assert _refusal(participant, coordinator) == [
        "The screening diary recorded 1 cramp; at least 2 are needed."
    ]


def test_randomize_accepts_exactly_the_minimum_of_screening_cramps(trial, rlist, coordinator):
    participant = enrol(trial)
    screening_diary_complete(participant, cramps=[0, 2])
    assert participant_randomize(participant=participant, by_user=coordinator).bottle_number == 1


def test_minimum_cramps_comes_from_the_trial(trial, rlist, coordinator):
    trial.min_screening_cramps = 5
    trial.save()
    participant = enrol(trial)
    screening_diary_complete(participant, cramps=[2, 2])
    assert _refusal(participant, coordinator) == [
        "The screening diary recorded 4 cramps; at least 5 are needed."
    ]


def test_randomize_refuses_a_withdrawn_participant(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    participant_withdraw(
        participant=participant, withdrawn_on=date(2023, 1, 20), reason="moved", by_user=None
    )
    assert _refusal(participant, coordinator) == [
        f"{participant.participant_id} withdrew on 2023-01-20."
    ]


def test_refusal_when_not_eligible_at_screening(trial):
    # The database refuses an enrolled candidate found ineligible; the rule still says why.
    participant = ready_to_randomize(trial)
    participant.screening.eligible = False
    assert randomization_refusals(participant=participant, on=TODAY) == [
        f"{participant.participant_id} was not eligible at screening."
    ]


def test_randomize_refuses_a_participant_without_an_eligibility_decision(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    ScreeningRecord.objects.filter(pk=participant.screening_id).update(eligible=None)
    assert _refusal(participant, coordinator) == [
        f"{participant.participant_id} has no eligibility decision from screening."
    ]


def test_refusal_when_consent_is_missing(trial):
    participant = ready_to_randomize(trial)
    participant.consented_on = None  # cannot be stored; the rule still says why
    assert f"{participant.participant_id} has not consented." in randomization_refusals(
        participant=participant, on=TODAY
    )


def test_randomize_refuses_a_date_before_consent(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    reasons = _refusal(participant, coordinator, randomized_on=date(2022, 12, 31))
    assert reasons[0] == f"{participant.participant_id} consented on 2023-01-02, after 2022-12-31."


def test_randomize_refuses_a_date_before_the_last_screening_call(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    assert _refusal(participant, coordinator, randomized_on=date(2023, 1, 10)) == [
        "The randomization date cannot be before the last screening call (2023-01-16)."
    ]


def test_randomize_refuses_a_date_in_the_future(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    tomorrow = date.today() + timedelta(days=2)
    assert _refusal(participant, coordinator, randomized_on=tomorrow) == [
        "The randomization date cannot be in the future."
    ]


def test_randomize_refuses_a_participant_already_randomized(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    participant_randomize(participant=participant, by_user=coordinator, randomized_on=TODAY)
    with pytest.raises(NotEligible) as info:
        participant_randomize(participant=participant, by_user=coordinator)
    assert info.value.message == (
        f"{participant.participant_id} is already randomized (bottle 1, on {TODAY})."
    )
    assert Allocation.objects.filter(participant=participant).count() == 1


def test_randomize_lists_every_reason_at_once(trial, rlist, coordinator):
    participant = enrol(trial)
    ScreeningRecord.objects.filter(pk=participant.screening_id).update(eligible=None)
    assert _refusal(participant, coordinator) == [
        f"{participant.participant_id} has no eligibility decision from screening.",
        "The screening diary is not complete: week 1, 2 of 2 not recorded.",
    ]


def test_randomize_refuses_when_a_stratification_factor_is_not_recorded(trial, coordinator):
    make_list(trial, stratify_by=["hypertension"], bottles_per_stratum=4, block_sizes=(2,))
    participant = ready_to_randomize(trial)
    assert participant.hypertension is None
    assert _refusal(participant, coordinator) == [
        f"Hypertension of {participant.participant_id} is not recorded; "
        "the list is stratified by it."
    ]


def test_randomize_refuses_when_the_trial_is_locked(trial, rlist, coordinator):
    participant = ready_to_randomize(trial)
    trial_lock(trial=trial, by_user=make_user("unblinded_statistician"), waiver=WAIVER)
    with pytest.raises(TrialLocked):
        participant_randomize(participant=participant, by_user=coordinator)


@pytest.mark.parametrize("role", ["statistician", "unblinded_statistician", "investigator"])
def test_only_data_entry_roles_randomize(trial, rlist, site_c1, role):
    user = make_user(role, *([site_c1] if role == "investigator" else []))
    with pytest.raises(AccessDenied):
        participant_randomize(participant=ready_to_randomize(trial, site_c1), by_user=user)


def test_research_assistant_cannot_randomize_at_another_site(trial, rlist, site_c2, ra_c1):
    participant = ready_to_randomize(trial, site_c2)
    with pytest.raises(AccessDenied):
        participant_randomize(participant=participant, by_user=ra_c1)
    assert Participant.objects.get(pk=participant.pk).bottle_number is None


def test_randomize_refuses_a_list_changed_behind_the_orm(trial, rlist, coordinator):
    entry = ListEntry.objects.get(randomization_list=rlist, bottle_number=1)
    other = "placebo" if open_arm(entry.arm_sealed) == "vitamin_k2" else "vitamin_k2"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE diary_listentry SET arm_sealed = %s WHERE id = %s", [seal_arm(other), entry.pk]
        )
    participant = ready_to_randomize(trial)
    with pytest.raises(ListIntegrityError) as info:
        participant_randomize(participant=participant, by_user=coordinator)
    assert "does not match its fingerprint" in info.value.message
    assert other not in info.value.message
    assert Participant.objects.get(pk=participant.pk).bottle_number is None


def test_bottles_of_imported_participants_are_not_given_again(trial, rlist, coordinator):
    # a participant imported with bottle 1 but no allocation record
    imported = ready_to_randomize(trial)
    Participant.objects.filter(pk=imported.pk).update(randomized_on=TODAY, bottle_number=1)
    participant = ready_to_randomize(trial)
    assert participant_randomize(participant=participant, by_user=coordinator).bottle_number == 2


def test_randomize_refuses_a_list_changed_behind_the_orm_after_it_was_verified(
    trial, rlist, coordinator
):
    participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    entry = ListEntry.objects.get(randomization_list=rlist, bottle_number=2)
    other = ListEntry.objects.get(randomization_list=rlist, bottle_number=3)
    with connection.cursor() as cursor:  # a frozen list cannot change through the ORM
        cursor.execute(
            "UPDATE diary_listentry SET block_sealed = %s WHERE id = %s",
            [other.block_sealed if other.block != entry.block else "", entry.pk],
        )
    with pytest.raises(ListIntegrityError):
        participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
