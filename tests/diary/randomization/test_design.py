from collections import Counter

import pytest
from scipy import stats

from diary.randomization.design import PERMUTED_BLOCKS, SIMPLE, ListDesign, generate

ONE_TO_ONE = (("placebo", 1), ("vitamin_k2", 1))
TWO_TO_ONE = (("magnesium", 2), ("sham", 1))


def _design(**kwargs) -> ListDesign:
    spec = {
        "arms": ONE_TO_ONE,
        "method": PERMUTED_BLOCKS,
        "block_sizes": (4, 6),
        "bottles_per_stratum": 200,
        "spares": 0,
    }
    return ListDesign(**{**spec, **kwargs})


def _blocks(rows):
    blocks: dict[int, list] = {}
    for row in rows:
        blocks.setdefault(row.block, []).append(row)
    return blocks


def test_every_block_holds_the_arms_in_the_ratio():
    rows = generate(_design(arms=TWO_TO_ONE, block_sizes=(3, 6)), seed=11)
    for members in _blocks(rows).values():
        arms = Counter(r.arm_code for r in members)
        assert arms["magnesium"] == 2 * arms["sham"]


def test_whole_list_is_in_the_ratio_with_blocks():
    rows = generate(_design(arms=TWO_TO_ONE, block_sizes=(3, 6)), seed=5)
    arms = Counter(r.arm_code for r in rows)
    assert arms["magnesium"] == 2 * arms["sham"]


def test_block_sizes_are_drawn_from_the_given_sizes_and_vary():
    rows = generate(_design(block_sizes=(2, 4, 6)), seed=99)
    sizes = Counter(len(m) for m in _blocks(rows).values())
    assert set(sizes) == {2, 4, 6}


def test_blocks_are_consecutive_bottles():
    rows = generate(_design(), seed=1)
    for members in _blocks(rows).values():
        numbers = [r.bottle_number for r in members]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_a_stratum_is_filled_with_whole_blocks():
    rows = generate(_design(bottles_per_stratum=23), seed=3)
    assert 23 <= len(rows) < 23 + 6
    assert all(len(m) in (4, 6) for m in _blocks(rows).values())


@pytest.mark.parametrize("seed", range(20))
def test_imbalance_is_bounded_by_half_the_largest_block(seed):
    rows = generate(_design(block_sizes=(4, 6, 8)), seed=seed)
    difference = 0
    for row in rows:
        difference += 1 if row.arm_code == "vitamin_k2" else -1
        assert abs(difference) <= 8 // 2


@pytest.mark.parametrize("seed", range(10))
def test_imbalance_with_unequal_ratio_is_bounded_by_the_largest_block(seed):
    # 2:1 with blocks of 3 and 6: after n bottles, |n_magnesium - 2n/3| is at most
    # (block copies) * r * (R - r) / R = 2 * 2 * 1 / 3 for the block of 6.
    rows = generate(_design(arms=TWO_TO_ONE, block_sizes=(3, 6)), seed=seed)
    magnesium = 0
    for n, row in enumerate(rows, start=1):
        magnesium += row.arm_code == "magnesium"
        assert abs(magnesium - 2 * n / 3) <= 4 / 3 + 1e-9


def test_same_seed_reproduces_the_list():
    design = _design(strata=("C1", "C2"), spares=6)
    assert generate(design, seed=424242) == generate(design, seed=424242)


def test_other_seed_gives_another_list():
    design = _design()
    first = [r.arm_code for r in generate(design, seed=1)]
    second = [r.arm_code for r in generate(design, seed=2)]
    assert first != second


def test_arm_order_given_does_not_change_the_list():
    forward = generate(_design(arms=ONE_TO_ONE), seed=8)
    backward = generate(_design(arms=tuple(reversed(ONE_TO_ONE))), seed=8)
    assert forward == backward


def test_strata_get_their_own_runs_of_bottles_and_blocks():
    rows = generate(_design(strata=("C1", "C2", "C3"), bottles_per_stratum=30), seed=4)
    strata_in_order = [r.stratum for r in rows]
    # each stratum is one run of consecutive bottles, in the order given
    runs = [s for i, s in enumerate(strata_in_order) if i == 0 or strata_in_order[i - 1] != s]
    assert runs == ["C1", "C2", "C3"]
    for members in _blocks(rows).values():
        assert len({r.stratum for r in members}) == 1
    for stratum in ("C1", "C2", "C3"):
        arms = Counter(r.arm_code for r in rows if r.stratum == stratum)
        assert arms["placebo"] == arms["vitamin_k2"] >= 15


def test_bottles_are_numbered_from_one_without_gaps():
    rows = generate(_design(strata=("F", "M"), spares=5), seed=6)
    assert [r.bottle_number for r in rows] == list(range(1, len(rows) + 1))


def test_spares_come_last_as_one_shuffled_block_in_the_ratio_rounded_up():
    rows = generate(_design(spares=5), seed=10)
    spares = [r for r in rows if r.is_spare]
    assert len(spares) == 6  # 5 rounded up to a multiple of the ratio's total (2)
    assert len({r.block for r in spares}) == 1
    assert all(r.stratum == "" for r in spares)
    assert min(r.bottle_number for r in spares) > max(
        r.bottle_number for r in rows if not r.is_spare
    )
    assert Counter(r.arm_code for r in spares) == {"placebo": 3, "vitamin_k2": 3}


def test_simple_randomization_has_no_blocks_and_follows_the_ratio():
    rows = generate(_design(method=SIMPLE, arms=TWO_TO_ONE, bottles_per_stratum=3000), seed=12)
    assert all(r.block is None for r in rows)
    magnesium = sum(r.arm_code == "magnesium" for r in rows)
    assert stats.binomtest(magnesium, len(rows), 2 / 3).pvalue > 0.001
    assert len(rows) == 3000


def test_block_size_that_is_not_a_multiple_of_the_ratio_is_refused():
    design = _design(arms=TWO_TO_ONE, block_sizes=(4,))
    assert design.problems() == {
        "block_sizes": ["Every block size must be a multiple of 3 (the ratio 2:1)."]
    }
    with pytest.raises(ValueError, match="multiple of 3"):
        generate(design, seed=1)


def test_a_simple_list_with_spares_is_generated_without_blocks_and_verifies():
    from diary.randomization.verification import verify

    design = _design(method=SIMPLE, arms=TWO_TO_ONE, bottles_per_stratum=20, spares=4)
    rows = generate(design, seed=3)
    spares = [r for r in rows if r.is_spare]
    assert len(spares) == 6  # rounded up to whole ratios: 4 of 2:1 -> 6
    assert all(r.block is None for r in rows)
    assert Counter(r.arm_code for r in spares) == {"magnesium": 4, "sham": 2}
    assert verify(rows, ratios=dict(TWO_TO_ONE)).errors == []
