"""Stratification factors: which baseline characteristics a list may be stratified
by, the strata they make, and the stratum a participant belongs to.

A stratum is named by its factors' values joined with "/" in the order the factors
were chosen, e.g. "C1/F" for site and sex; an unstratified list has one stratum, "".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product


def _yes_no(value) -> str | None:
    return None if value is None else ("yes" if value else "no")


@dataclass(frozen=True)
class Factor:
    name: str
    label: str

    def values(self, trial) -> list[str]:
        if self.name == "site":
            return list(trial.sites.order_by("code").values_list("code", flat=True))
        if self.name == "sex":
            return ["F", "M"]
        return ["yes", "no"]

    def value_of(self, participant) -> str | None:
        if self.name == "site":
            return participant.site.code
        if self.name == "sex":
            return participant.sex or None
        return _yes_no(getattr(participant, self.name))


FACTORS = {
    f.name: f
    for f in (
        Factor("site", "Site"),
        Factor("sex", "Sex"),
        Factor("hypertension", "Hypertension"),
        Factor("diabetes", "Diabetes"),
    )
}
SEPARATOR = "/"


def check_factors(names: Sequence[str]) -> list[str]:
    """Problems with a choice of factors (unknown or repeated names)."""
    unknown = [n for n in names if n not in FACTORS]
    if unknown:
        return [
            f"Unknown stratification factor: {', '.join(unknown)} (choose from "
            f"{', '.join(FACTORS)})."
        ]
    if len(set(names)) != len(names):
        return ["A stratification factor is listed twice."]
    return []


def strata_of(trial, names: Sequence[str]) -> list[str]:
    """Every stratum the factors make, in a fixed order; [""] without factors."""
    if not names:
        return [""]
    levels = [FACTORS[n].values(trial) for n in names]
    return [SEPARATOR.join(combo) for combo in product(*levels)]


def stratum_of(participant, names: Sequence[str]) -> tuple[str, list[str]]:
    """(the participant's stratum, the names of factors not recorded for them)."""
    values, missing = [], []
    for name in names:
        value = FACTORS[name].value_of(participant)
        if value is None:
            missing.append(name)
        values.append(value or "")
    return SEPARATOR.join(values), missing
