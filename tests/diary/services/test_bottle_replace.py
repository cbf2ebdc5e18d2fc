from datetime import date

import pytest

from diary.crypto import open_arm
from diary.errors import AccessDenied, AllocationExhausted, InvalidValue, ReasonRequired
from diary.models import Allocation, ListEntry, Participant
from diary.services.participants import participant_withdraw
from diary.services.randomization import bottle_replace, participant_randomize
from tests.factories import make_list, make_user, ready_to_randomize


def _arm(trial, bottle: int) -> str:
    entry = ListEntry.objects.get(randomization_list__trial=trial, bottle_number=bottle)
    return open_arm(entry.arm_sealed)


@pytest.fixture
def randomized(trial, coordinator):
    make_list(trial, bottles_per_stratum=10, block_sizes=(2,), spares=10)
    participants = [ready_to_randomize(trial) for _ in range(4)]
    for p in participants:
        participant_randomize(participant=p, by_user=coordinator)
    return [Participant.objects.get(pk=p.pk) for p in participants]


def test_replacement_is_an_unused_spare_of_the_same_arm(trial, randomized, coordinator):
    for participant in randomized:
        number = bottle_replace(participant=participant, reason="lost", by_user=coordinator)
        entry = ListEntry.objects.get(randomization_list__trial=trial, bottle_number=number)
        assert entry.is_spare
        assert open_arm(entry.arm_sealed) == _arm(trial, participant.bottle_number)
    numbers = Allocation.objects.filter(kind="replacement").values_list(
        "list_entry__bottle_number", flat=True
    )
    assert len(set(numbers)) == 4


def test_both_bottles_are_kept_in_the_audit_trail(trial, randomized, coordinator):
    participant = randomized[0]
    number = bottle_replace(participant=participant, reason="bottle broke", by_user=coordinator)
    first, second = Allocation.objects.filter(
        participant=participant, kind__in=Allocation.GIVEN
    ).order_by("pk")
    assert (first.kind, first.list_entry.bottle_number) == ("randomization", 1)
    assert (second.kind, second.list_entry.bottle_number) == ("replacement", number)
    assert (second.reason, second.by_user, second.replaces) == ("bottle broke", coordinator, first)
    # the participant keeps their randomization bottle number (the arm's key)
    assert Participant.objects.get(pk=participant.pk).bottle_number == 1


def test_a_replacement_can_itself_be_replaced(trial, randomized, coordinator):
    participant = randomized[1]
    arm = _arm(trial, participant.bottle_number)
    second = bottle_replace(participant=participant, reason="lost", by_user=coordinator)
    third = bottle_replace(participant=participant, reason="lost again", by_user=coordinator)
    assert _arm(trial, third) == arm
    chain = Allocation.objects.get(list_entry__bottle_number=third)
    assert chain.replaces.list_entry.bottle_number == second


def test_replacement_needs_a_reason(randomized, coordinator):
    with pytest.raises(ReasonRequired):
        bottle_replace(participant=randomized[0], reason="  ", by_user=coordinator)
    assert not Allocation.objects.filter(kind="replacement").exists()


@pytest.mark.parametrize("role", ["research_assistant", "statistician", "unblinded_statistician"])
def test_only_a_coordinator_requests_a_replacement(randomized, site_c1, role):
    user = make_user(role, *([site_c1] if role == "research_assistant" else []))
    with pytest.raises(AccessDenied):
        bottle_replace(participant=randomized[0], reason="lost", by_user=user)


def test_participant_not_randomized_has_no_bottle_to_replace(trial, randomized, coordinator):
    participant = ready_to_randomize(trial)
    with pytest.raises(InvalidValue, match="is not randomized"):
        bottle_replace(participant=participant, reason="lost", by_user=coordinator)


def test_withdrawn_participant_gets_no_replacement(randomized, coordinator):
    participant = randomized[0]
    participant_withdraw(
        participant=participant, withdrawn_on=date.today(), reason="moved", by_user=None
    )
    with pytest.raises(InvalidValue, match="withdrew"):
        bottle_replace(participant=participant, reason="lost", by_user=coordinator)


def test_refusal_when_any_arm_has_no_spare_left_says_nothing_of_the_arm(
    trial, randomized, coordinator
):
    # Use up the reserve: afterwards every participant is refused alike.
    arm = _arm(trial, randomized[0].bottle_number)
    same_arm = [p for p in randomized if _arm(trial, p.bottle_number) == arm]
    other_arm = [p for p in randomized if _arm(trial, p.bottle_number) != arm]
    for _ in range(5):  # 10 spares 1:1: five replacements, each takes one of each arm
        bottle_replace(participant=same_arm[0], reason="lost", by_user=coordinator)
    messages = set()
    for participant in same_arm + other_arm:
        with pytest.raises(AllocationExhausted) as info:
            bottle_replace(participant=participant, reason="lost", by_user=coordinator)
        messages.add(info.value.message)
    assert messages == {
        "No replacement bottle can be given: the reserve of spare bottles is used up. "
        "Ask the unblinded statistician."
    }


def test_imported_participant_without_allocation_record_gets_one(trial, coordinator):
    make_list(trial, bottles_per_stratum=4, block_sizes=(2,), spares=4)
    participant = ready_to_randomize(trial)
    Participant.objects.filter(pk=participant.pk).update(
        randomized_on=date(2023, 2, 1), bottle_number=3
    )
    number = bottle_replace(participant=participant, reason="lost", by_user=coordinator)
    assert _arm(trial, number) == _arm(trial, 3)
    first = Allocation.objects.get(participant=participant, kind="randomization")
    assert first.list_entry.bottle_number == 3


def test_each_replacement_sets_a_spare_of_the_other_arm_aside(trial, randomized, coordinator):
    participant = randomized[0]
    number = bottle_replace(participant=participant, reason="lost", by_user=coordinator)
    aside = Allocation.objects.get(participant=participant, kind="set_aside")
    assert aside.list_entry.is_spare and aside.list_entry.bottle_number != number
    assert _arm(trial, aside.list_entry.bottle_number) != _arm(trial, number)
    from diary.selectors.allocation import bottle_history, current_bottle_number

    assert [a.kind for a in bottle_history(participant=participant)] == [
        "randomization",
        "replacement",
    ]
    assert current_bottle_number(participant=participant) == number


def _replay_attack(trial, coordinator, targets) -> list[str]:
    """A coordinator asks for replacements for chosen participants, in turn, until the
    reserve is used up, noting every answer: given, or refused."""
    answers = []
    for participant in targets:
        try:
            bottle_replace(participant=participant, reason="lost", by_user=coordinator)
            answers.append("given")
        except AllocationExhausted:
            answers.append("refused")
    return answers


@pytest.mark.parametrize("spares", [4, 10])
def test_which_request_exhausts_the_reserve_says_nothing_of_the_arms(trial, coordinator, spares):
    """The attack: with the reserve known to be small, ask for replacements for pairs
    of participants and see which request is refused. Whether the targets share an
    arm or not, the answers are the same; only their number, fixed in advance, counts."""
    make_list(trial, bottles_per_stratum=10, block_sizes=(2,), spares=spares)
    people = [ready_to_randomize(trial) for _ in range(4)]
    for p in people:
        participant_randomize(participant=p, by_user=coordinator)
    people = [Participant.objects.get(pk=p.pk) for p in people]
    by_arm: dict[str, list] = {}
    for p in people:
        by_arm.setdefault(_arm(trial, p.bottle_number), []).append(p)
    (first, second), (third, fourth) = by_arm.values()
    rounds = spares // 2 + 2
    same_arm = [first, second] * rounds  # the targets share an arm
    mixed = [third, first] * rounds  # they do not
    from django.db import transaction

    outcomes = []
    for targets in (same_arm, mixed):
        with transaction.atomic():
            outcomes.append(_replay_attack(trial, coordinator, targets))
            transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
    given = spares // 2  # one spare of each arm per replacement
    assert outcomes[0] == ["given"] * given + ["refused"] * (len(same_arm) - given)
