from datetime import date

import pytest

from diary.crypto import open_arm
from diary.errors import AccessDenied, InvalidValue, ReasonRequired, TrialLocked
from diary.models import EmergencyUnblinding, ListEntry, Participant, TrialEvent
from diary.services.calls import weekly_call_record
from diary.services.randomization import participant_randomize
from diary.services.unblinding import (
    emergency_unblinding_notify,
    participant_unblind_emergency,
    trial_lock,
    trial_unblind,
    trial_unlock,
)
from diary.tasks import notify_emergency_unblinding
from tests.factories import make_list, make_user, ready_to_randomize

# Casebooks unsigned and queries open are waived: these tests are about the lock itself.
WAIVER = "not part of this test"

PASSWORD = "a-long-test-password"


def _with_email(user, address):
    user.email = address
    user.save()
    return user


@pytest.fixture
def investigator(site_c1):
    return _with_email(make_user("investigator", site_c1), "investigator@example.org")


@pytest.fixture
def unblinded(trial):
    return _with_email(make_user("unblinded_statistician"), "unblinded@example.org")


@pytest.fixture
def participant(trial, site_c1, coordinator):
    make_list(trial)
    p = ready_to_randomize(trial, site_c1)
    participant_randomize(participant=p, by_user=coordinator)
    return Participant.objects.get(pk=p.pk)


def _arm_of(participant) -> str:
    entry = ListEntry.objects.get(
        randomization_list__trial=participant.trial, bottle_number=participant.bottle_number
    )
    return open_arm(entry.arm_sealed)


def test_investigator_sees_the_arm_and_the_event_is_audited(participant, investigator):
    reveal = participant_unblind_emergency(
        participant=participant, reason="SAE: bleeding", password=PASSWORD, by_user=investigator
    )
    arm = participant.trial.arms.get(code=_arm_of(participant))
    assert (reveal.arm_code, reveal.arm_label) == (arm.code, arm.label)
    event = EmergencyUnblinding.objects.get(participant=participant)
    assert (event.requested_by, event.reason) == (investigator, "SAE: bleeding")
    assert event.shown_at is not None
    participant.refresh_from_db()
    assert participant.emergency_unblinded_at == event.requested_at
    latest = participant.history.first()
    assert latest.history_user == investigator
    assert latest.history_change_reason == "emergency unblinding: SAE: bleeding"


def test_a_wrong_password_is_refused_and_nothing_is_recorded(participant, investigator):
    with pytest.raises(AccessDenied) as info:
        participant_unblind_emergency(
            participant=participant, reason="SAE", password="wrong", by_user=investigator
        )
    assert info.value.field == "password"
    assert not EmergencyUnblinding.objects.exists()
    participant.refresh_from_db()
    assert participant.emergency_unblinded_at is None


def test_a_reason_is_required(participant, investigator):
    with pytest.raises(ReasonRequired):
        participant_unblind_emergency(
            participant=participant, reason=" ", password=PASSWORD, by_user=investigator
        )
    assert not EmergencyUnblinding.objects.exists()


@pytest.mark.parametrize(
    "role", ["research_assistant", "coordinator", "statistician", "unblinded_statistician"]
)
def test_only_an_investigator_may_unblind_a_participant(participant, site_c1, role):
    user = make_user(role, *([site_c1] if role == "research_assistant" else []))
    with pytest.raises(AccessDenied):
        participant_unblind_emergency(
            participant=participant, reason="SAE", password=PASSWORD, by_user=user
        )


def test_investigator_of_another_site_is_refused(participant, site_c2):
    other = make_user("investigator", site_c2, username="investigator-c2")
    with pytest.raises(AccessDenied):
        participant_unblind_emergency(
            participant=participant, reason="SAE", password=PASSWORD, by_user=other
        )


def test_the_arm_is_given_once(participant, investigator):
    participant_unblind_emergency(
        participant=participant, reason="SAE", password=PASSWORD, by_user=investigator
    )
    with pytest.raises(InvalidValue) as info:
        participant_unblind_emergency(
            participant=participant, reason="again", password=PASSWORD, by_user=investigator
        )
    assert "was already unblinded" in info.value.message
    assert _arm_of(participant) not in info.value.message
    assert EmergencyUnblinding.objects.count() == 1


def test_participant_not_randomized_cannot_be_unblinded(trial, site_c1, investigator):
    make_list(trial)
    p = ready_to_randomize(trial, site_c1)
    with pytest.raises(InvalidValue, match="is not randomized"):
        participant_unblind_emergency(
            participant=p, reason="SAE", password=PASSWORD, by_user=investigator
        )


def test_coordinators_and_unblinded_statistician_are_emailed_without_the_arm(
    participant,
    investigator,
    coordinator,
    unblinded,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    _with_email(coordinator, "coordinator@example.org")
    _with_email(make_user("statistician"), "statistician@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        participant_unblind_emergency(
            participant=participant, reason="SAE: fall", password=PASSWORD, by_user=investigator
        )
    assert sorted(m.to[0] for m in mailoutbox) == [
        "coordinator@example.org",
        "unblinded@example.org",
    ]
    arm = participant.trial.arms.get(code=_arm_of(participant))
    for message in mailoutbox:
        assert participant.participant_id in message.subject
        assert "SAE: fall" in message.body
        text = (message.subject + message.body).lower()
        for secret in (
            arm.code,
            arm.label,
            *participant.trial.arms.values_list("label", flat=True),
        ):
            assert secret.lower() not in text
    event = EmergencyUnblinding.objects.get()
    assert event.notified_at is not None
    assert event.notified_to == "coordinator@example.org, unblinded@example.org"


def test_notification_is_sent_once_when_the_task_runs_again(
    participant, investigator, coordinator, unblinded, mailoutbox
):
    _with_email(coordinator, "coordinator@example.org")
    reveal = participant_unblind_emergency(
        participant=participant, reason="SAE", password=PASSWORD, by_user=investigator
    )
    assert notify_emergency_unblinding.delay(reveal.unblinding.pk).get() == 2
    assert notify_emergency_unblinding.delay(reveal.unblinding.pk).get() == 0
    assert emergency_unblinding_notify(unblinding=reveal.unblinding) == []
    assert len(mailoutbox) == 2


# ---- the whole trial --------------------------------------------------------------


def test_lock_stops_data_changes_and_is_audited(trial, participant, unblinded):
    event = trial_lock(trial=trial, by_user=unblinded, reason="last visit done", waiver=WAIVER)
    trial.refresh_from_db()
    assert trial.is_locked
    assert (event.kind, event.by_user, event.reason) == ("lock", unblinded, "last visit done")
    week = participant.diary_weeks.filter(protocol_week__phase="intervention").first()
    with pytest.raises(TrialLocked):
        weekly_call_record(diary_week=week, reached=False, call_date=date.today(), by_user=None)


def test_unlock_needs_a_reason_and_is_audited(trial, unblinded):
    trial_lock(trial=trial, by_user=unblinded, waiver=WAIVER)
    with pytest.raises(ReasonRequired):
        trial_unlock(trial=trial, reason="", by_user=unblinded)
    event = trial_unlock(trial=trial, reason="query on week 3 of C1-0004", by_user=unblinded)
    trial.refresh_from_db()
    assert not trial.is_locked
    assert (event.kind, event.reason) == ("unlock", "query on week 3 of C1-0004")
    assert trial.history.first().history_change_reason.startswith("database unlock:")
    assert list(TrialEvent.objects.values_list("kind", flat=True)) == ["unlock", "lock"]


def test_unblinding_needs_the_lock_and_the_password(trial, unblinded):
    with pytest.raises(InvalidValue, match="Lock the database before unblinding"):
        trial_unblind(trial=trial, password=PASSWORD, by_user=unblinded)
    trial_lock(trial=trial, by_user=unblinded, waiver=WAIVER)
    with pytest.raises(AccessDenied):
        trial_unblind(trial=trial, password="wrong", by_user=unblinded)
    trial.refresh_from_db()
    assert trial.unblinded_at is None
    event = trial_unblind(trial=trial, password=PASSWORD, by_user=unblinded)
    trial.refresh_from_db()
    assert trial.unblinded_at is not None and event.kind == "unblind"


def test_an_unblinded_trial_stays_locked(trial, unblinded):
    trial_lock(trial=trial, by_user=unblinded, waiver=WAIVER)
    trial_unblind(trial=trial, password=PASSWORD, by_user=unblinded)
    with pytest.raises(InvalidValue, match="stays locked"):
        trial_unlock(trial=trial, reason="fix", by_user=unblinded)


@pytest.mark.parametrize("role", ["coordinator", "statistician", "investigator"])
def test_only_the_unblinded_statistician_locks_and_unblinds(trial, site_c1, role):
    user = make_user(role, *([site_c1] if role == "investigator" else []))
    with pytest.raises(AccessDenied):
        trial_lock(trial=trial, by_user=user)
    trial.refresh_from_db()
    assert not trial.is_locked
