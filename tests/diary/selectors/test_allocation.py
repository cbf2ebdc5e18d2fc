import base64

import pytest
from django.test import override_settings

from diary.crypto import open_arm
from diary.models import ListEntry
from diary.selectors.allocation import (
    arms_visible_to,
    blinded_group_codes,
    list_stock,
    participant_arm_codes,
)
from diary.services.randomization import bottle_replace, participant_randomize
from diary.services.unblinding import trial_lock, trial_unblind
from tests.factories import make_list, make_user, ready_to_randomize

# Casebooks unsigned and queries open are waived: these tests are about the lock itself.
WAIVER = "not part of this test"


def test_participant_arm_codes_are_the_arms_of_their_bottles(trial, coordinator):
    make_list(trial)
    participants = [ready_to_randomize(trial) for _ in range(6)]
    for p in participants:
        participant_randomize(participant=p, by_user=coordinator)
    ready_to_randomize(trial)  # not randomized: absent
    sealed = dict(
        ListEntry.objects.filter(randomization_list__trial=trial).values_list(
            "bottle_number", "arm_sealed"
        )
    )
    expected = {p.participant_id: open_arm(sealed[i]) for i, p in enumerate(participants, start=1)}
    assert participant_arm_codes(trial=trial) == expected


def test_replacement_bottle_does_not_change_the_arm_code(trial, coordinator):
    make_list(trial)
    p = ready_to_randomize(trial)
    participant_randomize(participant=p, by_user=coordinator)
    before = participant_arm_codes(trial=trial)
    bottle_replace(participant=p, reason="lost", by_user=coordinator)
    assert participant_arm_codes(trial=trial) == before


def test_blinded_group_codes_name_each_arm_once_and_stay_fixed(trial):
    codes = blinded_group_codes(trial=trial)
    assert set(codes) == {"placebo", "vitamin_k2"}
    assert sorted(codes.values()) == ["A", "B"]
    assert blinded_group_codes(trial=trial) == codes


def test_blinded_group_codes_depend_on_the_secret_key(trial):
    orders = set()
    for i in range(16):
        key = base64.urlsafe_b64encode(bytes([i]) * 32).decode()
        with override_settings(ALLOCATION_KEY=key):
            orders.add(blinded_group_codes(trial=trial)["vitamin_k2"])
    assert orders == {"A", "B"}  # not always the experimental arm first


@pytest.mark.parametrize(
    ("role", "before", "after"),
    [
        ("research_assistant", False, True),
        ("coordinator", False, True),
        ("statistician", False, True),
        ("investigator", False, True),
        ("unblinded_statistician", True, True),
    ],
)
def test_arms_are_visible_to_the_unblinded_statistician_and_after_unblinding(
    trial, site_c1, role, before, after
):
    user = make_user(role, *([site_c1] if role in ("research_assistant", "investigator") else []))
    assert arms_visible_to(user=user, trial=trial) is before
    unblinded = make_user("unblinded_statistician", username="u2")
    trial_lock(trial=trial, by_user=unblinded, waiver=WAIVER)
    trial_unblind(trial=trial, password="a-long-test-password", by_user=unblinded)
    trial.refresh_from_db()
    assert arms_visible_to(user=user, trial=trial) is after


def test_stock_counts_bottles_without_any_arm(trial, site_c1, site_c2, coordinator):
    rlist = make_list(
        trial, stratify_by=["site"], bottles_per_stratum=4, block_sizes=(2,), spares=4
    )
    participant_randomize(participant=ready_to_randomize(trial, site_c1), by_user=coordinator)
    p = ready_to_randomize(trial, site_c2)
    participant_randomize(participant=p, by_user=coordinator)
    bottle_replace(participant=p, reason="lost", by_user=coordinator)
    stock = list_stock(randomization_list=rlist)
    # One replacement uses a spare of each arm (one given, one set aside).
    assert (stock.bottles, stock.randomized, stock.spares, stock.spares_used) == (12, 2, 4, 2)
    assert stock.left_by_stratum == {"C1": 3, "C2": 3}
