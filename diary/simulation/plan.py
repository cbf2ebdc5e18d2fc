"""The simulated trial plan: every row a trial's data package holds, before any of
it is entered through the app."""

from dataclasses import dataclass, field

import pandas as pd

REFERENCE_TRIAL = {
    "code": "VITK2-NLC",
    "title": "Vitamin K2 for nocturnal leg cramps",
    "screening_weeks": 2,
    "intervention_weeks": 8,
}

REFERENCE_ARMS = pd.DataFrame(
    [
        {
            "code": "vitamin_k2",
            "label": "Vitamin K2 (MK-7) 180 µg",
            "role": "experimental",
            "ratio": 1,
        },
        {"code": "placebo", "label": "Placebo", "role": "comparator", "ratio": 1},
    ]
)

REFERENCE_SITES = pd.DataFrame(
    [{"site_code": "C1", "name": "Centre 1"}, {"site_code": "C2", "name": "Centre 2"}]
)

SCREENING_COLUMNS = ["screening_id", "site_code", "screened_on", "sex", "age", "outcome", "reason"]
PARTICIPANT_COLUMNS = [
    "participant_id",
    "screening_id",
    "site_code",
    "consented_on",
    "randomized_on",
    "bottle_number",
    "arm_code",
    "sex",
    "age",
    "height_cm",
    "weight_kg",
    "hypertension",
    "diabetes",
    "creatinine_mg_dl",
    "withdrawn_on",
    "withdrawal_reason",
]
ALLOCATION_COLUMNS = ["bottle_number", "arm_code"]
DIARY_COLUMNS = [
    "participant_id",
    "phase",
    "week",
    "call_date",
    "reached",
    "cramps",
    "duration_min",
    "severity",
    "capsules_missed",
]
ADVERSE_EVENT_COLUMNS = [
    "participant_id",
    "onset_on",
    "term",
    "serious",
    "grade",
    "relatedness",
    "outcome",
    "resolved_on",
]


@dataclass(frozen=True)
class TrialPlan:
    """All the data of a simulated trial, in the data package's columns.

    `participants` is sorted by randomization order: row k is the k-th participant
    randomized and holds bottle number k; `allocation` is the randomization list
    (bottle number -> arm code) in the same order. Dates are datetime64[ns] (NaT
    when absent); integer-valued measures (age, cramps, capsules missed) are
    floats with integral values, as the analysis dataset holds them.
    """

    preset: str
    seed: int
    trial: dict
    arms: pd.DataFrame
    sites: pd.DataFrame
    screening: pd.DataFrame
    participants: pd.DataFrame
    allocation: pd.DataFrame
    diary: pd.DataFrame
    adverse_events: pd.DataFrame
    notes: dict = field(default_factory=dict)

    @property
    def randomization_order(self) -> list[str]:
        """Participant ids in the order they are randomized (bottle 1 first)."""
        return self.participants["participant_id"].tolist()

    @property
    def arm_sequence(self) -> list[str]:
        """Arm codes of bottles 1..N, the list the participants are randomized against."""
        return self.allocation.sort_values("bottle_number")["arm_code"].tolist()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The package's CSV tables by file stem."""
        return {
            "sites": self.sites,
            "screening": self.screening,
            "participants": self.participants.drop(columns=["arm_code"]),
            "allocation": self.allocation,
            "diary": self.diary,
            "adverse_events": self.adverse_events,
        }
