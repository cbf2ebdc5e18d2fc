"""The whole randomization list is sealed: a database dump read by a blinded person
holds no arm, block, stratum name, block size or seed in clear, so one arm made known
(an emergency unblinding) gives no other."""

import pytest
from django.db import connection

from diary.selectors.allocation import randomization_list_check
from tests.factories import make_list

pytestmark = pytest.mark.django_db


def _dump(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608
        return cursor.fetchall()


def test_a_dump_of_the_list_holds_no_block_stratum_or_parameter(trial):
    rlist = make_list(trial, stratify_by=["site"], block_sizes=(2, 4), seed=42)
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "diary_listentry"
        )
    }
    assert not {"block", "stratum"} & columns
    dump = repr(_dump("diary_listentry") + _dump("diary_randomizationlist"))
    dump += repr(_dump("diary_historicalrandomizationlist"))
    for clear in ("block_sizes", "stratify_by", "C1", "C2", "placebo", "vitamin_k2", "42"):
        assert f"'{clear}'" not in dump and f'"{clear}"' not in dump, clear
    # Sealed values never repeat: a dump cannot group bottles by block.
    sealed_blocks = [row for row in rlist.entries.values_list("block_sealed", flat=True)]
    assert len(set(sealed_blocks)) == len(sealed_blocks)
    assert len({e.block for e in rlist.entries.all()}) < len(sealed_blocks)


def test_the_unblinded_view_of_the_list_is_unchanged(trial):
    rlist = make_list(trial, stratify_by=["site"], block_sizes=(2, 4))
    check = randomization_list_check(randomization_list=rlist)
    assert check.intact and check.fingerprint == rlist.sha256
    assert rlist.parameters["block_sizes"] == [2, 4]
    assert {e.stratum for e in rlist.entries.filter(is_spare=False)} == {"C1", "C2"}
