"""Generating a randomization list: simple randomization or permuted blocks of
randomly varying size, any allocation ratio, optional strata, and spare bottles.

Bottles are numbered 1..N: each stratum's bottles in a run (in the order of the
strata), then the spares. Spares serve the whole trial (stratum empty): the number
asked for, rounded up to a multiple of the ratio's total, in the ratio, shuffled as
one block, so a spare's number says nothing about its arm.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from diary.randomization.rng import Stream

PERMUTED_BLOCKS = "permuted_blocks"
SIMPLE = "simple"
METHODS = {
    PERMUTED_BLOCKS: gettext_noop("Permuted blocks of randomly varying size"),
    SIMPLE: gettext_noop("Simple randomization (no blocks)"),
}
MAX_BOTTLES = 100_000


@dataclass(frozen=True)
class ListRow:
    bottle_number: int
    arm_code: str
    block: int | None = None
    stratum: str = ""
    is_spare: bool = False


@dataclass(frozen=True)
class ListDesign:
    """What the unblinded statistician chooses. `arms` is ((code, ratio), ...)."""

    arms: tuple[tuple[str, int], ...]
    method: str = PERMUTED_BLOCKS
    block_sizes: tuple[int, ...] = ()
    strata: tuple[str, ...] = ("",)
    bottles_per_stratum: int = 1
    spares: int = 0

    @property
    def ratio_total(self) -> int:
        return sum(ratio for _, ratio in self.arms)

    def problems(self) -> dict[str, list[str]]:
        """What is wrong with the design, by field; empty when it can be generated."""
        errors: dict[str, list[str]] = {}
        codes = [code for code, _ in self.arms]
        if len(codes) < 2 or len(set(codes)) != len(codes):
            errors["arms"] = ["A list needs at least two arms with different codes."]
        if any(ratio < 1 for _, ratio in self.arms):
            errors["arms"] = ["Every arm's ratio must be at least 1."]
        if self.method not in METHODS:
            errors["method"] = [f"Choose one of: {', '.join(METHODS)}."]
        if self.method == PERMUTED_BLOCKS:
            total = self.ratio_total
            if not self.block_sizes:
                errors["block_sizes"] = ["Give at least one block size."]
            elif any(size < 1 or size % total for size in self.block_sizes):
                ratio = ":".join(str(r) for _, r in self.arms)
                errors["block_sizes"] = [
                    f"Every block size must be a multiple of {total} (the ratio {ratio})."
                ]
        if self.bottles_per_stratum < 1:
            errors["bottles_per_stratum"] = ["At least one bottle per stratum."]
        if self.spares < 0:
            errors["spares"] = ["The number of spare bottles cannot be negative."]
        if not self.strata or len(set(self.strata)) != len(self.strata):
            errors["strata"] = ["The strata must be distinct."]
        largest_block = max(self.block_sizes, default=1)
        planned = len(self.strata) * (self.bottles_per_stratum + largest_block) + self.spares
        if planned > MAX_BOTTLES:
            errors["bottles_per_stratum"] = [f"A list holds at most {MAX_BOTTLES} bottles."]
        return errors


def _block(design: ListDesign, size: int, stream: Stream) -> list[str]:
    copies = size // design.ratio_total
    arms = [code for code, ratio in design.arms for _ in range(ratio * copies)]
    stream.shuffle(arms)
    return arms


def _stratum_arms(design: ListDesign, stream: Stream) -> list[tuple[str, int | None]]:
    """(arm, block index within the stratum) until the stratum has enough bottles."""
    out: list[tuple[str, int | None]] = []
    if design.method == SIMPLE:
        wheel = [code for code, ratio in design.arms for _ in range(ratio)]
        return [(stream.choice(wheel), None) for _ in range(design.bottles_per_stratum)]
    block = 0
    while len(out) < design.bottles_per_stratum:
        block += 1
        size = stream.choice(list(design.block_sizes))
        out += [(arm, block) for arm in _block(design, size, stream)]
    return out


def generate(design: ListDesign, *, seed: int) -> list[ListRow]:
    """The list for a design and a seed; the same seed gives the same list.

    With permuted blocks each stratum is filled with whole blocks, so a stratum may
    get up to one block more than `bottles_per_stratum` bottles.
    """
    problems = design.problems()
    if problems:
        raise ValueError("; ".join(m for msgs in problems.values() for m in msgs))
    stream = Stream(seed)
    # Arms in code order, so the order the caller lists them in does not matter.
    design = ListDesign(
        arms=tuple(sorted(design.arms)),
        method=design.method,
        block_sizes=tuple(design.block_sizes),
        strata=design.strata,
        bottles_per_stratum=design.bottles_per_stratum,
        spares=design.spares,
    )
    rows: list[ListRow] = []
    block_offset = 0
    for stratum in design.strata:
        arms = _stratum_arms(design, stream)
        for arm, block in arms:
            rows.append(
                ListRow(
                    bottle_number=len(rows) + 1,
                    arm_code=arm,
                    block=None if block is None else block_offset + block,
                    stratum=stratum,
                )
            )
        block_offset += max((b for _, b in arms if b is not None), default=0)
    spares = -(-design.spares // design.ratio_total) * design.ratio_total  # rounded up
    if spares:
        # One shuffled block: two spares' numbers say (almost) nothing about whether
        # their arms are the same, as they would within small blocks.
        block_offset += 1
        # A simple list has no blocks: its spares, though shuffled in the ratio, carry none.
        spare_block = None if design.method == SIMPLE else block_offset
        for arm in _block(design, spares, stream):
            rows.append(
                ListRow(
                    bottle_number=len(rows) + 1,
                    arm_code=arm,
                    block=spare_block,
                    stratum="",
                    is_spare=True,
                )
            )
    return rows
