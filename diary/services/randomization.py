"""Randomizing a participant (the next bottle of their stratum) and replacing a lost
or damaged bottle (a spare of the same arm). Neither ever tells anyone the arm.

Concurrency: the participant's row is locked first, then the list's row. The list
lock serializes allocations from one list, so bottles are given strictly in list
order with no gap even when a transaction rolls back (a skip-locked scheme can leave
a gap there). The unique constraints (a bottle is allocated once, a participant is
randomized once, a bottle number once per trial) hold even if the locking failed.
"""

import logging
import secrets
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from diary.crypto import open_arm
from diary.errors import (
    AccessDenied,
    AllocationExhausted,
    InvalidValue,
    NotEligible,
    ReasonRequired,
    RuleConflict,
)
from diary.models import Allocation, ListEntry, Participant, Phase, RandomizationList
from diary.roles import Role, may_enter_data, role_of
from diary.selectors.allocation import (
    free_entries,
    list_intact_or_raise,
    participant_stratum,
    randomization_refusals,
    spares_by_arm,
)
from diary.selectors.scoping import participants_for
from diary.services.audit import apply_changes, ensure_current, ensure_trial_open, free_text
from diary.services.calls import diary_weeks_schedule
from diary.services.randomization_list import list_freeze_on_allocation

logger = logging.getLogger(__name__)

NO_LIST = "No randomization list has been stored yet; ask the unblinded statistician."


def _ensure_in_scope(participant: Participant, by_user) -> None:
    if not participants_for(by_user).filter(pk=participant.pk).exists():
        raise AccessDenied(f"{participant.participant_id} is not at one of your sites.")


def _locked_list(trial) -> RandomizationList:
    randomization_list = RandomizationList.objects.filter(trial=trial).first()
    if randomization_list is None:
        raise AllocationExhausted(NO_LIST)
    list_intact_or_raise(randomization_list)
    return RandomizationList.objects.select_for_update().get(pk=randomization_list.pk)


@transaction.atomic
def participant_randomize(
    *,
    participant: Participant,
    by_user,
    randomized_on: date | None = None,
    expected_version: int | None = None,
) -> Participant:
    """Give the participant the next unused bottle of their stratum and schedule the
    intervention weeks from the randomization date. Refuses with the exact reason
    (NotEligible) or when the list has no bottle left (AllocationExhausted)."""
    if by_user is not None:
        if not may_enter_data(by_user):
            raise AccessDenied("Only research assistants and coordinators randomize.")
        _ensure_in_scope(participant, by_user)
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("trial", "site", "screening")
        .get(pk=participant.pk)
    )
    trial = participant.trial
    ensure_trial_open(trial)
    ensure_current(participant, expected_version, fields=("randomized_on", "bottle_number"))
    randomized_on = randomized_on or timezone.localdate()
    refusals = randomization_refusals(participant=participant, on=randomized_on)
    if refusals:
        raise NotEligible(" ".join(refusals), errors={"__all__": refusals})
    randomization_list = _locked_list(trial)
    stratum, _ = participant_stratum(participant=participant, randomization_list=randomization_list)
    entry = (
        free_entries(randomization_list)
        .filter(is_spare=False, stratum_key=randomization_list.stratum_key(stratum))
        .order_by("bottle_number")
        .first()
    )
    if entry is None:
        where = f" for stratum {stratum}" if stratum else ""
        raise AllocationExhausted(
            f"No bottle is left on the randomization list{where}; ask the unblinded statistician."
        )
    Allocation.objects.create(
        participant=participant,
        list_entry=entry,
        kind=Allocation.Kind.RANDOMIZATION,
        allocated_on=randomized_on,
        by_user=by_user,
    )
    apply_changes(
        participant,
        {"randomized_on": randomized_on, "bottle_number": entry.bottle_number},
        by_user=by_user,
        reason="randomization",
        bookkeeping=("randomized_on", "bottle_number"),
    )
    list_freeze_on_allocation(randomization_list, by_user=by_user)
    diary_weeks_schedule(participant=participant, phase=Phase.INTERVENTION, start=randomized_on)
    logger.info("%s randomized: bottle %s", participant.participant_id, entry.bottle_number)
    return participant


def _current_allocation(participant: Participant, randomization_list) -> Allocation:
    """The participant's bottle in use. A participant imported with a bottle number but
    no allocation record gets the record of their randomization bottle first."""
    current = (
        Allocation.objects.filter(
            participant=participant, replaced_by__isnull=True, kind__in=Allocation.GIVEN
        )
        .select_related("list_entry")
        .first()
    )
    if current is not None:
        return current
    entry = ListEntry.objects.filter(
        randomization_list=randomization_list, bottle_number=participant.bottle_number
    ).first()
    if entry is None or hasattr(entry, "allocation"):
        raise InvalidValue(
            f"Bottle {participant.bottle_number} of {participant.participant_id} "
            "is not on the randomization list."
        )
    return Allocation.objects.create(
        participant=participant,
        list_entry=entry,
        kind=Allocation.Kind.RANDOMIZATION,
        allocated_on=participant.randomized_on,
        reason="recorded from imported data",
    )


NO_SPARE = (
    "No replacement bottle can be given: the reserve of spare bottles is used up. "
    "Ask the unblinded statistician."
)
SET_ASIDE_REASON = (
    "set aside with the replacement of bottle {bottle}, so that every arm's reserve runs down alike"
)


@transaction.atomic
def bottle_replace(
    *, participant: Participant, reason: str, by_user, expected_version: int | None = None
) -> int:
    """Give a randomized participant a spare bottle of the same arm in place of a lost
    or damaged one; returns the new bottle number.

    Nothing a blinded requester sees depends on the arm. Each replacement takes one
    spare of every arm: the participant's, drawn at random, is given; one of each other
    arm, drawn at random, is set aside (recorded, never given, shown only to the
    unblinded statistician). So the reserve shrinks by the same amount whichever arm
    a request was for, every request is answered alike until it runs out, and it runs
    out after the same number of replacements whatever the arms of those who asked:
    which request exhausts it says nothing about who shares an arm. The number given
    is a random spare of the arm, whose arm a blinded user cannot see.
    """
    if by_user is not None:
        if role_of(by_user) != Role.COORDINATOR:
            raise AccessDenied("Only a coordinator may request a replacement bottle.")
        _ensure_in_scope(participant, by_user)
    reason = free_text(reason)
    if not reason:
        raise ReasonRequired(
            gettext_noop("Give the reason for the replacement (bottle lost, damaged...)."),
            field="reason",
        )
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("trial")
        .get(pk=participant.pk)
    )
    ensure_trial_open(participant.trial)
    ensure_current(participant, expected_version)
    pid = participant.participant_id
    if participant.bottle_number is None:
        raise RuleConflict(f"{pid} is not randomized; there is no bottle to replace.")
    if participant.withdrawn_on:
        raise RuleConflict(f"{pid} withdrew on {participant.withdrawn_on}.")
    randomization_list = _locked_list(participant.trial)
    current = _current_allocation(participant, randomization_list)
    arm = open_arm(current.list_entry.arm_sealed)
    spares = spares_by_arm(randomization_list=randomization_list)
    if any(not entries for entries in spares.values()):
        raise AllocationExhausted(NO_SPARE)
    today = timezone.localdate()
    entry = secrets.choice(spares[arm])
    Allocation.objects.create(
        participant=participant,
        list_entry=entry,
        kind=Allocation.Kind.REPLACEMENT,
        allocated_on=today,
        by_user=by_user,
        reason=reason[:300],
        replaces=current,
    )
    set_aside = SET_ASIDE_REASON.format(bottle=current.list_entry.bottle_number)
    Allocation.objects.bulk_create(
        Allocation(
            participant=participant,
            list_entry=secrets.choice(entries),
            kind=Allocation.Kind.SET_ASIDE,
            allocated_on=today,
            by_user=by_user,
            reason=set_aside,
        )
        for other, entries in spares.items()
        if other != arm
    )
    # One more version: a form or request based on the old bottle is out of date.
    apply_changes(participant, {}, by_user=by_user, reason="replacement bottle")
    logger.info(
        "%s: bottle %s replaced by %s", pid, current.list_entry.bottle_number, entry.bottle_number
    )
    return entry.bottle_number
