"""Many research assistants randomizing at the same moment, on PostgreSQL.

Each randomization runs in its own thread with its own database connection; they
all start together at a barrier. No bottle may be given twice, none skipped, and
none of the requests may fail.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from diary.crypto import open_arm
from diary.errors import NotEligible
from diary.models import Allocation, ListEntry, Participant
from diary.services.randomization import bottle_replace, participant_randomize
from tests.factories import make_list, make_trial, make_user, ready_to_randomize

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

N = 60


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            f"concurrency needs PostgreSQL row locks; the test database is {connection.vendor} "
            "(run with DATABASE_URL=postgres://...)"
        )


def _together(jobs: list[Callable[[], object]]) -> tuple[list, list[BaseException]]:
    """Run the jobs in threads released at the same instant; each thread uses its own
    connection. Returns (results, errors)."""
    barrier = threading.Barrier(len(jobs), timeout=60)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(job):
        try:
            connection.ensure_connection()  # connect first, so that the jobs overlap
            barrier.wait()
            result = job()
            with lock:
                results.append(result)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a randomization hung"
    return results, errors


@pytest.fixture
def trial():
    return make_trial()


def test_simultaneous_randomizations_take_the_first_bottles_in_order(trial):
    make_list(trial, bottles_per_stratum=N + 20, block_sizes=(2, 4, 6), spares=10)
    coordinator = make_user("coordinator")
    participants = [ready_to_randomize(trial) for _ in range(N)]

    results, errors = _together(
        [
            lambda p=p: participant_randomize(participant=p, by_user=coordinator).bottle_number
            for p in participants
        ]
    )

    assert errors == []
    assert len(results) == N
    rows = Participant.objects.filter(trial=trial)
    bottles = sorted(rows.values_list("bottle_number", flat=True))
    # every participant exactly one bottle
    assert None not in bottles
    assert Allocation.objects.filter(kind="randomization").count() == N
    assert sorted(Allocation.objects.values_list("participant_id", flat=True)) == sorted(
        p.pk for p in participants
    )
    # no bottle twice, and exactly the first N bottles of the list
    first = list(
        ListEntry.objects.filter(randomization_list__trial=trial, is_spare=False)
        .order_by("bottle_number")
        .values_list("bottle_number", flat=True)[:N]
    )
    assert bottles == first == list(range(1, N + 1))
    for allocation in Allocation.objects.select_related("participant", "list_entry"):
        assert allocation.participant.bottle_number == allocation.list_entry.bottle_number


def test_simultaneous_randomizations_in_strata_take_each_strata_first_bottles(trial):
    rlist = make_list(
        trial, stratify_by=["site"], bottles_per_stratum=N // 2 + 10, block_sizes=(2, 4), spares=0
    )
    coordinator = make_user("coordinator")
    c1, c2 = trial.sites.order_by("code")
    participants = [ready_to_randomize(trial, c1 if i % 2 else c2) for i in range(N)]

    _, errors = _together(
        [
            lambda p=p: participant_randomize(participant=p, by_user=coordinator)
            for p in participants
        ]
    )

    assert errors == []
    for site in (c1, c2):
        given = sorted(
            Participant.objects.filter(site=site).values_list("bottle_number", flat=True)
        )
        first = list(
            rlist.entries.filter(stratum_key=rlist.stratum_key(site.code))
            .order_by("bottle_number")
            .values_list("bottle_number", flat=True)[: N // 2]
        )
        assert given == first


def test_the_same_participant_randomized_twice_at_once_gets_one_bottle(trial):
    make_list(trial, bottles_per_stratum=20)
    coordinator = make_user("coordinator")
    participant = ready_to_randomize(trial)

    results, errors = _together(
        [lambda: participant_randomize(participant=participant, by_user=coordinator)] * 10
    )

    assert len(results) == 1
    assert len(errors) == 9 and all(isinstance(e, NotEligible) for e in errors)
    assert all("is already randomized (bottle 1," in e.message for e in errors)
    assert Allocation.objects.count() == 1


def test_simultaneous_replacements_never_share_a_spare(trial):
    make_list(trial, bottles_per_stratum=30, block_sizes=(2,), spares=40)
    coordinator = make_user("coordinator")
    participants = [ready_to_randomize(trial) for _ in range(20)]
    for p in participants:
        participant_randomize(participant=p, by_user=coordinator)

    results, errors = _together(
        [
            lambda p=p: bottle_replace(participant=p, reason="lost", by_user=coordinator)
            for p in participants
        ]
    )

    assert errors == []
    assert len(set(results)) == 20
    arm = {
        e.bottle_number: open_arm(e.arm_sealed)
        for e in ListEntry.objects.filter(randomization_list__trial=trial)
    }
    for replacement in Allocation.objects.filter(kind="replacement").select_related(
        "participant", "list_entry"
    ):
        assert replacement.list_entry.is_spare
        assert (
            arm[replacement.list_entry.bottle_number] == arm[replacement.participant.bottle_number]
        )
