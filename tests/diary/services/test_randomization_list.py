import hashlib

import pytest
from django.db import connection

from diary.crypto import open_arm
from diary.errors import AccessDenied, InvalidValue, ListFrozen
from diary.models import ListEntry, RandomizationList
from diary.randomization.design import ListDesign, generate
from diary.randomization.listfile import canonical_csv, fingerprint
from diary.selectors.allocation import randomization_list_rows
from diary.services.randomization import participant_randomize
from diary.services.randomization_list import (
    randomization_list_discard,
    randomization_list_freeze,
    randomization_list_generate,
    randomization_list_import,
)
from tests.factories import make_list, make_trial, make_user, ready_to_randomize


@pytest.fixture
def unblinded(trial):
    return make_user("unblinded_statistician")


def _generate(trial, by_user, **kwargs):
    spec = {"bottles_per_stratum": 30, "block_sizes": (2, 4), "spares": 4, "seed": 77}
    return randomization_list_generate(trial=trial, by_user=by_user, **{**spec, **kwargs})


def test_generated_list_is_stored_with_arms_sealed(trial, unblinded):
    rlist = _generate(trial, unblinded)
    sealed = list(rlist.entries.values_list("arm_sealed", flat=True))
    assert sealed and not any("placebo" in s or "vitamin" in s for s in sealed)
    assert {open_arm(s) for s in sealed} == {"placebo", "vitamin_k2"}
    assert rlist.source == "generated" and rlist.created_by == unblinded


def test_seed_is_sealed_recorded_and_regenerates_the_same_list(trial, unblinded):
    rlist = _generate(trial, unblinded, seed=987654321)
    with connection.cursor() as cursor:
        cursor.execute("SELECT seed_sealed FROM diary_randomizationlist WHERE id = %s", [rlist.pk])
        (stored,) = cursor.fetchone()
    assert "987654321" not in stored
    assert RandomizationList.objects.get(pk=rlist.pk).seed == 987654321
    design = ListDesign(
        arms=(("placebo", 1), ("vitamin_k2", 1)),
        block_sizes=(2, 4),
        bottles_per_stratum=30,
        spares=4,
    )
    assert randomization_list_rows(randomization_list=rlist) == generate(design, seed=987654321)


def test_seed_is_drawn_when_not_given(trial, unblinded):
    rlist = _generate(trial, unblinded, seed=None)
    assert rlist.seed is not None and rlist.seed > 2**32


def test_fingerprint_is_the_sha256_of_the_canonical_list(trial, unblinded):
    rlist = _generate(trial, unblinded)
    rows = randomization_list_rows(randomization_list=rlist)
    assert rlist.sha256 == fingerprint(rows)
    assert rlist.sha256 == hashlib.sha256(canonical_csv(rows)).hexdigest()


def test_stratified_list_has_the_strata_of_the_factors(trial, unblinded):
    rlist = _generate(trial, unblinded, stratify_by=["site", "sex"], bottles_per_stratum=8)
    strata = {e.stratum for e in rlist.entries.filter(is_spare=False)}
    assert strata == {"C1/F", "C1/M", "C2/F", "C2/M"}
    assert rlist.parameters["stratify_by"] == ["site", "sex"]


def test_only_the_unblinded_statistician_makes_a_list(trial, coordinator):
    with pytest.raises(AccessDenied):
        _generate(trial, coordinator)
    with pytest.raises(AccessDenied):
        randomization_list_import(trial=trial, content=b"", by_user=make_user("statistician"))
    assert not RandomizationList.objects.exists()


def test_a_second_list_is_refused(trial, unblinded):
    _generate(trial, unblinded)
    with pytest.raises(InvalidValue, match="already has a randomization list"):
        _generate(trial, unblinded)


def test_bad_design_is_refused_with_its_field(trial, unblinded):
    with pytest.raises(InvalidValue) as info:
        _generate(trial, unblinded, block_sizes=(3,))
    assert info.value.field == "block_sizes"
    assert not RandomizationList.objects.exists()


IMPORTED = (
    b"bottle_number,arm_code,block,stratum,is_spare\n"
    b"1,placebo,1,,0\n2,vitamin_k2,1,,0\n3,vitamin_k2,2,,0\n4,placebo,2,,0\n"
    b"5,placebo,3,,1\n6,vitamin_k2,3,,1\n"
)


def test_imported_list_is_verified_fingerprinted_and_sealed(trial, unblinded):
    rlist = randomization_list_import(
        trial=trial, content=IMPORTED, file_name="list.csv", by_user=unblinded
    )
    assert rlist.source == "imported"
    assert rlist.sha256 == hashlib.sha256(IMPORTED).hexdigest()  # the file is canonical
    assert rlist.parameters["file_sha256"] == hashlib.sha256(IMPORTED).hexdigest()
    assert [r.arm_code for r in randomization_list_rows(randomization_list=rlist)] == [
        "placebo",
        "vitamin_k2",
        "vitamin_k2",
        "placebo",
        "placebo",
        "vitamin_k2",
    ]
    assert rlist.entries.filter(is_spare=True).count() == 2


def test_import_with_bad_cells_lists_every_problem_and_writes_nothing(trial, unblinded):
    content = b"bottle_number,arm_code\n1,placebo\nx,vitamin_k2\n3,\n"
    with pytest.raises(InvalidValue) as info:
        randomization_list_import(
            trial=trial, content=content, file_name="l.csv", by_user=unblinded
        )
    assert info.value.errors["__all__"] == [
        "l.csv line 3, column bottle_number: 'x' is not a positive whole number.",
        "l.csv line 4, column arm_code: empty.",
    ]
    assert not RandomizationList.objects.exists() and not ListEntry.objects.exists()


def test_import_that_does_not_verify_is_refused_and_writes_nothing(trial, unblinded):
    content = b"bottle_number,arm_code,block\n1,placebo,1\n2,placebo,1\n2,vitamin_k2,2\n4,other,2\n"
    with pytest.raises(InvalidValue) as info:
        randomization_list_import(trial=trial, content=content, by_user=unblinded)
    assert info.value.errors["__all__"] == [
        "Duplicate bottle numbers: 2.",
        "Bottle numbers must run without gaps; missing: 3.",
        "Unknown arm codes: other; the trial's arms are placebo, vitamin_k2.",
        "Blocks not in the ratio 1:1: 1, 2.",
    ]
    assert not RandomizationList.objects.exists() and not ListEntry.objects.exists()


def test_imported_stratified_list_needs_the_factor(trial, unblinded):
    content = (
        b"bottle_number,arm_code,stratum\n"
        b"1,placebo,C1\n2,vitamin_k2,C1\n3,placebo,C2\n4,vitamin_k2,C2\n"
    )
    with pytest.raises(InvalidValue, match="no stratification factor was chosen"):
        randomization_list_import(trial=trial, content=content, by_user=unblinded)
    rlist = randomization_list_import(
        trial=trial, content=content, stratify_by=["site"], by_user=unblinded
    )
    assert rlist.parameters["stratify_by"] == ["site"]


def test_list_can_be_discarded_before_the_first_allocation(trial, unblinded):
    rlist = _generate(trial, unblinded)
    randomization_list_discard(randomization_list=rlist, by_user=unblinded)
    assert not RandomizationList.objects.exists() and not ListEntry.objects.exists()


def _frozen_list(trial, coordinator):
    rlist = make_list(trial)
    participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    rlist.refresh_from_db()
    return rlist


def test_first_allocation_freezes_the_list(trial, coordinator):
    rlist = make_list(trial)
    assert rlist.frozen_at is None
    participant_randomize(participant=ready_to_randomize(trial), by_user=coordinator)
    rlist.refresh_from_db()
    assert rlist.frozen_at is not None


def test_frozen_list_cannot_be_discarded(trial, coordinator, unblinded):
    rlist = _frozen_list(trial, coordinator)
    bottles = rlist.entries.count()
    with pytest.raises(ListFrozen):
        randomization_list_discard(randomization_list=rlist, by_user=unblinded)
    assert rlist.entries.count() == bottles


def test_orm_refuses_every_change_to_a_frozen_list(trial, coordinator):
    rlist = _frozen_list(trial, coordinator)
    bottles = rlist.entries.count()
    entry = rlist.entries.get(bottle_number=5)
    entry.arm_sealed = entry.arm_sealed  # even a no-op save
    attempts = [
        lambda: entry.save(),
        lambda: entry.delete(),
        lambda: ListEntry.objects.filter(pk=entry.pk).update(stratum_key="x"),
        lambda: ListEntry.objects.filter(pk=entry.pk).delete(),
        lambda: ListEntry.objects.bulk_update([entry], ["stratum_key"]),
        lambda: ListEntry.objects.bulk_create(
            [ListEntry(randomization_list=rlist, bottle_number=999, arm_sealed="x")]
        ),
        lambda: rlist.save(),
        lambda: rlist.delete(),
        lambda: RandomizationList.objects.filter(pk=rlist.pk).update(sha256="0" * 64),
        lambda: RandomizationList.objects.filter(pk=rlist.pk).delete(),
    ]
    for attempt in attempts:
        with pytest.raises(ListFrozen):
            attempt()
    rlist.refresh_from_db()
    assert rlist.entries.count() == bottles
    assert rlist.sha256 == fingerprint(randomization_list_rows(randomization_list=rlist))


def test_unfrozen_list_entries_can_still_be_changed_by_the_orm(trial):
    rlist = make_list(trial)
    entries = ListEntry.objects.filter(randomization_list=rlist, bottle_number=1)
    assert entries.update(block_sealed="") == 1


def test_list_can_be_frozen_before_any_allocation(trial, unblinded):
    rlist = _generate(trial, unblinded)
    randomization_list_freeze(randomization_list=rlist, by_user=unblinded)
    rlist.refresh_from_db()
    assert rlist.is_frozen
    assert rlist.history.first().history_change_reason == "frozen"


def test_another_trial_preset_with_two_to_one_ratio(db):
    trial = make_trial("magnesium-3site")
    rlist = make_list(trial, bottles_per_stratum=30, spares=3)
    rows = randomization_list_rows(randomization_list=rlist)
    main = [r for r in rows if not r.is_spare]
    assert sum(r.arm_code == "magnesium" for r in main) == 2 * sum(
        r.arm_code == "sham" for r in main
    )


def test_import_of_a_list_that_would_give_the_first_four_the_same_arm_is_refused(trial, unblinded):
    """Each declared block is 2:2, but bottles 1-4 (given first) are all placebo."""
    content = (
        b"bottle_number,arm_code,block,stratum,is_spare\n"
        b"1,placebo,1,,0\n2,placebo,1,,0\n3,placebo,2,,0\n4,placebo,2,,0\n"
        b"5,vitamin_k2,1,,0\n6,vitamin_k2,1,,0\n7,vitamin_k2,2,,0\n8,vitamin_k2,2,,0\n"
        b"9,placebo,3,,1\n10,vitamin_k2,3,,1\n"
    )
    with pytest.raises(InvalidValue) as info:
        randomization_list_import(trial=trial, content=content, by_user=unblinded)
    assert info.value.errors["__all__"] == [
        "Blocks not given as one run of consecutive bottles (bottles are given in "
        "bottle-number order within each stratum, spares apart): 1, 2. In that order "
        "the first 4 bottles given in the list are placebo: 4, vitamin_k2: 0."
    ]
    assert not RandomizationList.objects.exists()
