"""The investigator's signature (password again, name, date and time, meaning, bound to
the content's SHA-256), made invalid by a change; the coordinator's casebook lock,
refused by every write; the database lock refusing while casebooks are unsigned or
queries open, unless waived with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest

from diary.errors import (
    AccessDenied,
    CasebookLocked,
    LockBlocked,
    ReasonRequired,
    RuleConflict,
    StaleRecord,
)
from diary.models import CasebookEvent, Participant, Signature, TrialEvent, TrialLockWaiver
from diary.selectors.casebook import casebook_digests
from diary.selectors.datamgmt import lock_blockers, signature_state
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.casebooks import (
    SIGNATURE_MEANING,
    casebook_lock,
    casebook_sign,
    casebook_unlock,
)
from diary.services.participants import participant_update
from diary.services.queries import query_close, query_raise
from diary.services.unblinding import trial_lock
from tests.datamgmt.conftest import PASSWORD, call
from tests.factories import make_user


def _sign(participant, investigator, **kwargs):
    return casebook_sign(participant=participant, password=PASSWORD, by_user=investigator, **kwargs)


def test_a_signature_shows_who_when_and_what_it_means_bound_to_the_content(
    participant, investigator
):
    call(participant, 1)
    signature = _sign(participant, investigator)
    assert signature.signer_name == "Ivana Investigator"
    assert signature.meaning == SIGNATURE_MEANING
    assert signature.content_sha256 == casebook_digests([participant.pk])[participant.pk]
    assert len(signature.content_sha256) == 64
    state = signature_state(participant)
    assert state.valid and state.signature == signature
    event = CasebookEvent.objects.get(kind="signed")
    assert event.by_user == investigator and signature.content_sha256 in event.note


def test_a_wrong_password_signs_nothing(participant, investigator):
    with pytest.raises(AccessDenied):
        casebook_sign(participant=participant, password="wrong", by_user=investigator)
    assert not Signature.objects.exists()


def test_only_an_investigator_of_the_site_signs(participant, monitor, coordinator, site_c2):
    other = make_user("investigator", site_c2, username="ivan-c2")
    for user in (monitor, coordinator, other):
        with pytest.raises(AccessDenied):
            _sign(participant, user)


def test_a_change_after_signing_makes_the_signature_invalid_and_says_why(
    participant, investigator, ra_c1
):
    diary_week = call(participant, 1)
    _sign(participant, investigator)
    weekly_call_record(
        diary_week=diary_week,
        reached=True,
        call_date=diary_week.call_date,
        cramps=4,
        duration_min="1.5",
        severity="5",
        capsules_missed=0,
        reason="recount",
        by_user=ra_c1,
    )
    state = signature_state(participant)
    assert not state.valid and state.needs_signature
    assert state.signature.invalidated_at is not None
    assert "Intervention week 1" in state.invalid_note
    assert "cramps in the week '2' -> '4'" in state.invalid_note
    assert CasebookEvent.objects.filter(kind="invalid").exists()
    second = _sign(participant, investigator)  # a new signature is asked for, and made
    assert signature_state(participant).signature == second


def test_a_new_record_after_signing_makes_the_signature_invalid(participant, investigator):
    _sign(participant, investigator)
    adverse_event_record(
        participant=participant,
        onset_on=participant.randomized_on + timedelta(days=3),
        term="Nausea",
        serious=False,
        grade="mild",
        relatedness="unlikely",
        outcome="ongoing",
        by_user=None,
    )
    assert not signature_state(participant).valid


def test_a_change_around_the_services_shows_as_an_invalid_signature(participant, investigator):
    _sign(participant, investigator)
    Participant.objects.filter(pk=participant.pk).update(age=71)
    state = signature_state(participant)
    assert not state.valid and "no longer matches" in state.invalid_note


def test_signing_twice_without_a_change_is_refused(participant, investigator):
    _sign(participant, investigator)
    with pytest.raises(RuleConflict):
        _sign(participant, investigator)


def test_signing_a_casebook_changed_since_it_was_read_is_refused(participant, investigator):
    version = signature_state(participant).version
    call(participant, 1)
    with pytest.raises(StaleRecord):
        _sign(participant, investigator, expected_version=version)


def test_a_locked_casebook_refuses_every_change_until_unlocked(
    participant, investigator, coordinator, ra_c1
):
    diary_week = call(participant, 1)
    with pytest.raises(RuleConflict):  # not signed yet
        casebook_lock(participant=participant, by_user=coordinator)
    _sign(participant, investigator)
    casebook_lock(participant=participant, by_user=coordinator)
    with pytest.raises(CasebookLocked):
        participant_update(
            participant=participant,
            changes={"weight_kg": Decimal("80")},
            by_user=ra_c1,
            reason="scale",
        )
    with pytest.raises(CasebookLocked):
        weekly_call_record(
            diary_week=diary_week,
            reached=True,
            call_date=diary_week.call_date,
            cramps=5,
            duration_min="1.5",
            severity="5",
            capsules_missed=0,
            reason="x",
            by_user=ra_c1,
        )
    with pytest.raises(CasebookLocked):
        adverse_event_record(
            participant=participant,
            onset_on=participant.randomized_on,
            term="Rash",
            serious=False,
            grade="mild",
            relatedness="unlikely",
            by_user=ra_c1,
        )
    with pytest.raises(ReasonRequired):
        casebook_unlock(participant=participant, reason="", by_user=coordinator)
    casebook_unlock(participant=participant, reason="correct the weight", by_user=coordinator)
    participant_update(participant=participant, changes={"weight_kg": Decimal("80")}, by_user=ra_c1)
    assert list(CasebookEvent.objects.order_by("at", "pk").values_list("kind", flat=True)) == [
        "signed",
        "locked",
        "unlocked",
        "invalid",
    ]


def test_only_a_coordinator_locks(participant, investigator, monitor):
    _sign(participant, investigator)
    with pytest.raises(AccessDenied):
        casebook_lock(participant=participant, by_user=monitor)


def test_the_database_lock_refuses_with_unsigned_casebooks_and_open_queries(
    trial, participant, investigator, monitor
):
    unblinded = make_user("unblinded_statistician")
    query = query_raise(
        record="participant",
        object_id=participant.pk,
        field="age",
        text="Check the age.",
        by_user=monitor,
    )
    blockers = lock_blockers(trial)
    assert blockers.unsigned == ["C1-101"] and blockers.unresolved == [query]
    with pytest.raises(LockBlocked) as refused:
        trial_lock(trial=trial, by_user=unblinded)
    assert "1 casebook not signed (C1-101)" in refused.value.message
    assert "1 query not closed" in refused.value.message
    _sign(participant, investigator)
    with pytest.raises(LockBlocked):
        trial_lock(trial=trial, by_user=unblinded)
    query_close(query=query, by_user=monitor)
    trial_lock(trial=trial, by_user=unblinded)
    trial.refresh_from_db()
    assert trial.is_locked and not TrialLockWaiver.objects.exists()


def test_the_database_lock_records_an_explicit_waiver(trial, participant):
    unblinded = make_user("unblinded_statistician")
    event = trial_lock(trial=trial, by_user=unblinded, waiver="site closed; PI unavailable")
    waiver = TrialLockWaiver.objects.get()
    assert waiver.event == event and event.kind == TrialEvent.Kind.LOCK
    assert waiver.unsigned_casebooks == ["C1-101"] and waiver.reason.startswith("site closed")
