"""Who is in which group: the report's names for the two arms, and their order.

Unblinded, a group is named by its arm code and the experimental arm comes
first. Blinded, a group is named only by its code 'A' or 'B' (from a mapping
kept secret by the caller), A first, and nothing else about the arm is kept.
Differences are always first group minus second.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.dataset import TrialDataset
from analysis.errors import ArmsUnknown, InvalidArms, InvalidParameters

GROUP_CODES = ("A", "B")
# Keys that sit beside the arm keys in the report's objects.
RESERVED_KEYS = frozenset(
    {"total", "difference", "ci95", "p", "t", "df", "week", "phase", "n", "mean", "sd", "pct"}
)


@dataclass(frozen=True, eq=False)
class Cohort:
    participants: pd.DataFrame  # the dataset's participants plus `arm` (categorical, in order)
    order: tuple[str, str]  # difference = order[0] - order[1]
    arms: list[dict]  # the report's arms[] entries, in `order`
    blinded: bool


def cohort(
    dataset: TrialDataset, *, blinded: bool, group_codes: dict[str, str] | None = None
) -> Cohort:
    arms = dataset.arms
    roles = sorted(arms["role"].tolist())
    if len(arms) != 2 or roles != ["comparator", "experimental"] or arms["code"].duplicated().any():
        raise InvalidArms("the trial must have exactly one experimental and one comparator arm")
    if not blinded and set(arms["code"]) & RESERVED_KEYS:
        raise InvalidArms(f"arm codes must not be any of {', '.join(sorted(RESERVED_KEYS))}")
    participants = dataset.participants
    allocated = participants["arm_code"]
    if allocated.isna().any():
        raise ArmsUnknown(
            f"{int(allocated.isna().sum())} of {len(participants)} participants have no known "
            "arm: import the randomization list first"
        )
    if not set(allocated).issubset(set(arms["code"])):
        raise InvalidArms("participants are allocated to an arm the trial does not define")

    counts = allocated.value_counts()
    if blinded:
        if (
            group_codes is None
            or set(group_codes) != set(arms["code"])
            or sorted(group_codes.values()) != list(GROUP_CODES)
        ):
            raise InvalidParameters(
                "a blinded report needs a mapping of the trial's two arms to the codes A and B"
            )
        key_of = dict(group_codes)
        by_group = {key_of[code]: code for code in arms["code"]}
        order = GROUP_CODES
        entries = [
            {"code": g, "label": f"Group {g}", "n": int(counts.get(by_group[g], 0))} for g in order
        ]
    else:
        arms = arms.sort_values("role", key=lambda r: r.ne("experimental"))
        key_of = {code: code for code in arms["code"]}
        order = tuple(arms["code"])
        entries = [
            {"code": a.code, "label": a.label, "role": a.role, "n": int(counts.get(a.code, 0))}
            for a in arms.itertuples()
        ]
    arm = pd.Categorical(allocated.map(key_of), categories=list(order))
    grouped = participants.assign(arm=arm)
    return Cohort(participants=grouped, order=order, arms=entries, blinded=blinded)
