"""Verifying a list before it is stored (and whenever the unblinded statistician
looks at it): bottle numbers, arms, strata, blocks, ratio and spares.

What is verified is what is used: bottles are given in bottle-number order within
each stratum (spares apart, which are given at random as replacements), so every
declared block must be one run of consecutive bottles in that order. Then the
bottles given in a stratum are, after each block, exactly in the ratio, whatever
the numbers of the blocks say."""

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from diary.randomization.design import ListRow

MAX_LISTED = 10
STRATUM_MAX_LENGTH = 60


def _some(items) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


@dataclass
class Verification:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # {stratum: {arm code: bottles}} of the bottles for randomization (spares apart)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    spares: dict[str, int] = field(default_factory=dict)
    block_sizes: list[int] = field(default_factory=list)
    bottles: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _check_numbers(rows: Sequence[ListRow], result: Verification) -> None:
    numbers = Counter(r.bottle_number for r in rows)
    duplicates = sorted(n for n, k in numbers.items() if k > 1)
    if duplicates:
        result.errors.append(f"Duplicate bottle numbers: {_some(duplicates)}.")
    low, high = min(numbers), max(numbers)
    gaps = sorted(set(range(low, high + 1)) - set(numbers))
    if gaps:
        result.errors.append(f"Bottle numbers must run without gaps; missing: {_some(gaps)}.")


def _check_strata(rows, strata: Sequence[str], result: Verification) -> None:
    used = {r.stratum for r in rows if not r.is_spare}
    expected = set(strata)
    if expected == {""}:
        if used - {""}:
            result.errors.append(
                f"The list has strata ({_some(sorted(used - {''}))}) but no stratification "
                "factor was chosen."
            )
        return
    unknown = sorted(used - expected)
    if unknown:
        result.errors.append(f"Unknown strata: {_some(unknown)}; expected {_some(strata)}.")
    empty = [s for s in strata if s not in used]
    if empty:
        result.errors.append(f"No bottle for stratum {_some(empty)}.")
    too_long = sorted(s for s in used if len(s) > STRATUM_MAX_LENGTH)
    if too_long:
        result.errors.append(f"A stratum name is longer than {STRATUM_MAX_LENGTH} characters.")


def _check_blocks(rows, ratios: Mapping[str, int], result: Verification) -> None:
    blocked = [r for r in rows if r.block is not None]
    if not blocked:
        return
    if len(blocked) != len(rows):
        result.errors.append("Some bottles have a block and some do not.")
        return
    blocks: dict[int, list[ListRow]] = defaultdict(list)
    for row in rows:
        blocks[row.block].append(row)
    total = sum(ratios.values())
    unbalanced = []
    mixed = []
    for number, members in sorted(blocks.items()):
        if len({(m.stratum, m.is_spare) for m in members}) > 1:
            mixed.append(number)
        arms = Counter(m.arm_code for m in members)
        size = len(members)
        if size % total or any(arms.get(a, 0) * total != r * size for a, r in ratios.items()):
            unbalanced.append(number)
    ratio = ":".join(str(r) for r in ratios.values())
    if unbalanced:
        result.errors.append(f"Blocks not in the ratio {ratio}: {_some(unbalanced)}.")
    if mixed:
        result.errors.append(f"Blocks that span strata or spares: {_some(mixed)}.")
    result.block_sizes = sorted({len(m) for m in blocks.values() if not any(r.is_spare for r in m)})


def _allocation_order(rows) -> dict[str, list[ListRow]]:
    """{stratum: its bottles in the order they are given}: bottle-number order, spares apart."""
    order: dict[str, list[ListRow]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r.bottle_number):
        if not row.is_spare:
            order[row.stratum].append(row)
    return order


def _check_allocation_order(rows, ratios: Mapping[str, int], result: Verification) -> None:
    """Each block must be one run of consecutive bottles in the order they are given,
    or its balance is not the balance the participants get."""
    split: set[int] = set()
    first_bad: tuple[str, list[ListRow]] | None = None
    for stratum, given in _allocation_order(rows).items():
        seen: set[int] = set()
        current = None
        for row in given:
            if row.block == current:
                continue
            if row.block in seen:
                split.add(row.block)
                if first_bad is None:
                    first_bad = (stratum, given)
            seen.add(row.block)
            current = row.block
    if not split:
        return
    stratum, given = first_bad
    first_block = given[0].block
    size = sum(1 for row in given if row.block == first_block)
    arms = Counter(row.arm_code for row in given[:size])
    name = f"stratum {stratum}" if stratum else "the list"
    shown = ", ".join(f"{arm}: {arms.get(arm, 0)}" for arm in sorted(ratios))
    result.errors.append(
        "Blocks not given as one run of consecutive bottles (bottles are given in "
        f"bottle-number order within each stratum, spares apart): {_some(sorted(split))}. "
        f"In that order the first {size} bottles given in {name} are {shown}."
    )


def _check_ratio(result: Verification, ratios: Mapping[str, int]) -> None:
    """Without blocks the ratio is only expected: warn when a stratum is more than
    three binomial standard deviations away from it."""
    total = sum(ratios.values())
    for stratum, arms in result.counts.items():
        n = sum(arms.values())
        for arm, ratio in ratios.items():
            p = ratio / total
            sd = math.sqrt(n * p * (1 - p))
            if abs(arms.get(arm, 0) - n * p) > 3 * sd:
                name = f"stratum {stratum}" if stratum else "the list"
                result.warnings.append(
                    f"In {name} the arms are far from the planned ratio "
                    f"({', '.join(f'{a}: {k}' for a, k in arms.items())})."
                )
                break


def verify(
    rows: Sequence[ListRow], *, ratios: Mapping[str, int], strata: Sequence[str] = ("",)
) -> Verification:
    """Check a list against the trial's arms (code -> ratio) and the expected strata."""
    result = Verification(bottles=len(rows))
    if not rows:
        result.errors.append("The list is empty.")
        return result
    _check_numbers(rows, result)
    unknown = sorted({r.arm_code for r in rows} - set(ratios))
    if unknown:
        result.errors.append(
            f"Unknown arm codes: {_some(unknown)}; the trial's arms are {_some(sorted(ratios))}."
        )
    _check_strata(rows, strata, result)
    for stratum in strata:
        result.counts[stratum] = {arm: 0 for arm in sorted(ratios)}
    for row in rows:
        if row.is_spare:
            result.spares[row.arm_code] = result.spares.get(row.arm_code, 0) + 1
        elif row.stratum in result.counts and row.arm_code in ratios:
            result.counts[row.stratum][row.arm_code] += 1
    for stratum, arms in result.counts.items():
        absent = [a for a, k in arms.items() if k == 0]
        if absent and any(arms.values()):
            name = f"stratum {stratum}" if stratum else "the list"
            result.errors.append(f"No bottle of arm {_some(absent)} in {name}.")
    _check_blocks(rows, ratios, result)
    if all(r.block is not None for r in rows):
        _check_allocation_order(rows, ratios, result)
    if not any(r.block is not None for r in rows):
        _check_ratio(result, ratios)
    if any(result.spares.get(a, 0) == 0 for a in ratios):
        result.warnings.append(
            "Not every arm has a spare bottle: replacement bottles cannot be given."
        )
    return result
