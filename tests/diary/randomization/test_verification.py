from diary.randomization.design import ListRow
from diary.randomization.verification import verify

RATIOS = {"placebo": 1, "vitamin_k2": 1}


def _rows(arms: str, *, block=None, stratum="", start=1, spare=False) -> list[ListRow]:
    code = {"P": "placebo", "V": "vitamin_k2", "X": "unknown_arm"}
    return [
        ListRow(start + i, code[a], block if block is None else block, stratum, spare)
        for i, a in enumerate(arms)
    ]


def test_a_good_list_verifies_with_counts_and_spares():
    rows = (
        _rows("PVVP", block=1)
        + _rows("VP", block=2, start=5)
        + _rows("PV", block=3, start=7, spare=True)
    )
    result = verify(rows, ratios=RATIOS)
    assert result.ok, result.errors
    assert result.counts == {"": {"placebo": 3, "vitamin_k2": 3}}
    assert result.spares == {"placebo": 1, "vitamin_k2": 1}
    assert result.block_sizes == [2, 4]
    assert result.warnings == []


def test_duplicate_bottle_numbers_are_refused():
    rows = _rows("PV") + [ListRow(2, "placebo")]
    assert "Duplicate bottle numbers: 2." in verify(rows, ratios=RATIOS).errors


def test_gaps_in_bottle_numbers_are_refused():
    rows = _rows("PV") + _rows("PV", start=5)
    assert (
        "Bottle numbers must run without gaps; missing: 3, 4." in verify(rows, ratios=RATIOS).errors
    )


def test_unknown_arm_is_refused():
    errors = verify(_rows("PVX"), ratios=RATIOS).errors
    assert "Unknown arm codes: unknown_arm; the trial's arms are placebo, vitamin_k2." in errors


def test_unbalanced_block_is_refused():
    rows = _rows("PPVV", block=1) + _rows("PPPV", block=2, start=5)
    assert "Blocks not in the ratio 1:1: 2." in verify(rows, ratios=RATIOS).errors


def test_ratio_two_to_one_is_checked_per_block():
    ratios = {"magnesium": 2, "sham": 1}
    good = [ListRow(i + 1, a, 1) for i, a in enumerate(["magnesium", "sham", "magnesium"])]
    bad = [ListRow(i + 4, a, 2) for i, a in enumerate(["magnesium", "sham", "sham"])]
    assert verify(good, ratios=ratios).ok
    assert "Blocks not in the ratio 2:1: 2." in verify(good + bad, ratios=ratios).errors


def test_mixed_blocked_and_unblocked_bottles_are_refused():
    rows = _rows("PV", block=1) + _rows("PV", start=3)
    assert "Some bottles have a block and some do not." in verify(rows, ratios=RATIOS).errors


def test_strata_must_be_those_of_the_chosen_factors():
    rows = _rows("PV", stratum="C1") + _rows("PV", stratum="C9", start=3)
    errors = verify(rows, ratios=RATIOS, strata=["C1", "C2"]).errors
    assert "Unknown strata: C9; expected C1, C2." in errors
    assert "No bottle for stratum C2." in errors


def test_strata_without_a_chosen_factor_are_refused():
    rows = _rows("PV", stratum="C1")
    errors = verify(rows, ratios=RATIOS).errors
    assert errors == ["The list has strata (C1) but no stratification factor was chosen."]


def test_a_stratum_missing_an_arm_is_refused():
    rows = _rows("PV", stratum="C1") + _rows("PP", stratum="C2", start=3)
    errors = verify(rows, ratios=RATIOS, strata=["C1", "C2"]).errors
    assert errors == ["No bottle of arm vitamin_k2 in stratum C2."]


def test_missing_spares_give_a_warning():
    result = verify(_rows("PV"), ratios=RATIOS)
    assert result.ok
    assert result.warnings == [
        "Not every arm has a spare bottle: replacement bottles cannot be given."
    ]


def test_unblocked_list_far_from_the_ratio_gives_a_warning():
    rows = _rows("V" * 40 + "P" * 10) + _rows("PV", start=51, spare=True)
    result = verify(rows, ratios=RATIOS)
    assert result.ok
    assert result.warnings == [
        "In the list the arms are far from the planned ratio (placebo: 10, vitamin_k2: 40)."
    ]


def test_empty_list_is_refused():
    assert verify([], ratios=RATIOS).errors == ["The list is empty."]


# -- the order in which bottles are given ---------------------------------------------
# Bottles are given in bottle-number order within each stratum (spares apart), so the
# blocks verified must be runs of consecutive bottles in that order.

INTERLEAVED = [
    ListRow(1, "placebo", 1),
    ListRow(2, "placebo", 1),
    ListRow(3, "placebo", 2),
    ListRow(4, "placebo", 2),
    ListRow(5, "vitamin_k2", 1),
    ListRow(6, "vitamin_k2", 1),
    ListRow(7, "vitamin_k2", 2),
    ListRow(8, "vitamin_k2", 2),
]


def test_blocks_balanced_out_of_allocation_order_are_refused():
    """Every block is 2:2, but the first four participants would all get placebo."""
    result = verify(INTERLEAVED, ratios=RATIOS)
    assert not result.ok
    assert result.errors == [
        "Blocks not given as one run of consecutive bottles (bottles are given in "
        "bottle-number order within each stratum, spares apart): 1, 2. In that order "
        "the first 4 bottles given in the list are placebo: 4, vitamin_k2: 0."
    ]


def test_interleaved_strata_keep_each_stratum_in_bottle_order():
    rows = [
        ListRow(1, "placebo", 1, "C1"),
        ListRow(2, "vitamin_k2", 2, "C2"),
        ListRow(3, "vitamin_k2", 1, "C1"),
        ListRow(4, "placebo", 2, "C2"),
        ListRow(5, "placebo", 3, "", True),
        ListRow(6, "vitamin_k2", 3, "", True),
    ]
    assert verify(rows, ratios=RATIOS, strata=["C1", "C2"]).ok


def test_a_block_split_within_its_stratum_is_refused():
    rows = [
        ListRow(1, "placebo", 1, "C1"),
        ListRow(2, "vitamin_k2", 2, "C1"),
        ListRow(3, "vitamin_k2", 1, "C1"),
        ListRow(4, "placebo", 2, "C1"),
        ListRow(5, "placebo", 3, "C2"),
        ListRow(6, "vitamin_k2", 3, "C2"),
    ]
    errors = verify(rows, ratios=RATIOS, strata=["C1", "C2"]).errors
    assert len(errors) == 1 and errors[0].startswith(
        "Blocks not given as one run of consecutive bottles"
    )
    assert "the first 2 bottles given in stratum C1 are placebo: 1, vitamin_k2: 1." in errors[0]


def test_the_spares_block_is_not_in_the_allocation_order():
    """Spares are given at random, not in order: their block may sit anywhere."""
    rows = [
        ListRow(1, "placebo", 9, "", True),
        ListRow(2, "placebo", 1),
        ListRow(3, "vitamin_k2", 1),
        ListRow(4, "vitamin_k2", 9, "", True),
    ]
    assert verify(rows, ratios=RATIOS).ok


def test_generated_lists_are_given_in_the_order_verified():
    from diary.randomization.design import ListDesign, generate

    design = ListDesign(
        arms=(("placebo", 1), ("vitamin_k2", 1)),
        block_sizes=(2, 4, 6),
        strata=("C1", "C2", "C3"),
        bottles_per_stratum=40,
        spares=6,
    )
    for seed in range(20):
        result = verify(generate(design, seed=seed), ratios=RATIOS, strata=design.strata)
        assert result.ok, result.errors
