"""Who is in which group: the report's view of the allocation, its group names and order.

A report has one of three views (report-json.md):

- `open`: every randomized participant in one group, `all`. The allocation is
  dropped before anything is computed, so no figure of an open report can depend
  on it, and an open report needs no randomization list at all.
- `coded`: the groups are named only by the codes 'A' and 'B' (from a mapping kept
  secret by the caller), A first; nothing else about an arm is kept.
- `unblinded`: a group is named by its arm code, the experimental arm first.

Differences are always first group minus second.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.dataset import TrialDataset
from analysis.errors import ArmsUnknown, InvalidArms, InvalidParameters

OPEN, CODED, UNBLINDED = "open", "coded", "unblinded"
VIEWS = (OPEN, CODED, UNBLINDED)
POOLED = "all"
GROUP_CODES = ("A", "B")
# Keys that sit beside the arm keys in the report's objects.
RESERVED_KEYS = frozenset(
    {
        POOLED,
        "total",
        "difference",
        "ci95",
        "p",
        "t",
        "df",
        "week",
        "phase",
        "n",
        "mean",
        "sd",
        "pct",
    }
)


@dataclass(frozen=True, eq=False)
class Cohort:
    participants: pd.DataFrame  # the dataset's participants plus `arm` (categorical, in order)
    order: tuple[str, ...]  # ("all",) when pooled; else difference = order[0] - order[1]
    arms: list[dict]  # the report's arms[] entries, in `order`
    view: str

    @property
    def pooled(self) -> bool:
        return len(self.order) == 1

    @property
    def blinded(self) -> bool:
        return self.view != UNBLINDED


def check_view(view: str) -> str:
    if view not in VIEWS:
        raise InvalidParameters(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return view


def without_allocation(dataset: TrialDataset) -> TrialDataset:
    """The same data with every participant's arm unknown."""
    return TrialDataset(
        trial=dataset.trial,
        arms=dataset.arms,
        sites=dataset.sites,
        screening=dataset.screening,
        participants=dataset.participants.assign(arm_code=pd.NA),
        diary=dataset.diary,
        adverse_events=dataset.adverse_events,
    )


def cohort(
    dataset: TrialDataset, *, view: str, group_codes: dict[str, str] | None = None
) -> Cohort:
    """The participants with their report group, for the given view.

    Raises InvalidArms (not one experimental and one comparator arm), ArmsUnknown
    (a group-split view of participants without a known arm) or InvalidParameters
    (a coded view without a valid {arm code: "A" | "B"} mapping).
    """
    check_view(view)
    participants = dataset.participants
    if view == OPEN:
        arm = pd.Categorical([POOLED] * len(participants), categories=[POOLED])
        entry = {"code": POOLED, "label": "All randomized participants", "n": len(participants)}
        return Cohort(
            participants=participants.assign(arm_code=pd.NA, arm=arm),
            order=(POOLED,),
            arms=[entry],
            view=view,
        )

    arms = dataset.arms
    roles = sorted(arms["role"].tolist())
    if len(arms) != 2 or roles != ["comparator", "experimental"] or arms["code"].duplicated().any():
        raise InvalidArms("the trial must have exactly one experimental and one comparator arm")
    if view == UNBLINDED and set(arms["code"]) & RESERVED_KEYS:
        raise InvalidArms(f"arm codes must not be any of {', '.join(sorted(RESERVED_KEYS))}")
    allocated = participants["arm_code"]
    if allocated.isna().any():
        raise ArmsUnknown(
            f"{int(allocated.isna().sum())} of {len(participants)} participants have no known "
            "arm: import the randomization list first"
        )
    if not set(allocated).issubset(set(arms["code"])):
        raise InvalidArms("participants are allocated to an arm the trial does not define")

    counts = allocated.value_counts()
    if view == CODED:
        if (
            group_codes is None
            or set(group_codes) != set(arms["code"])
            or sorted(group_codes.values()) != list(GROUP_CODES)
        ):
            raise InvalidParameters(
                "a coded report needs a mapping of the trial's two arms to the codes A and B"
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
    return Cohort(participants=grouped, order=order, arms=entries, view=view)
