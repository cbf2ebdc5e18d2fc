"""The data package's files and columns (see the data-package contract).

Each column is a value declared once with its record (diary.declarations), under
the file's column name: how a cell is read, its limits and its rules are the same
at entry and on import. Each CSV file has its columns in the contract's order,
which is also the order an export writes them in. `required` means the cell may
never be empty (other rules that make a cell required, such as `cramps` when
`reached` is 1, are the record's rules).
"""

from dataclasses import dataclass, field, replace

from diary.declarations import (
    ADVERSE_EVENT,
    CRAMP_EVENT,
    DIARY_WEEK,
    NIGHT,
    PARTICIPANT,
    PROTOCOL_WEEK,
    SITE,
    Record,
    Value,
)
from diary.declarations import SCREENING as SCREENING_RECORD
from diary.declarations.base import INT_MAX

TRIAL_JSON = "trial.json"
SITES = "sites.csv"
SCREENING = "screening.csv"
PARTICIPANTS = "participants.csv"
ALLOCATION = "allocation.csv"
DIARY = "diary.csv"
ADVERSE_EVENTS = "adverse_events.csv"
NIGHTS = "nights.csv"
CRAMP_EVENTS = "cramp_events.csv"

# A column is a declared value, named as the file names it.
Column = Value


def column(value: Value, name: str | None = None, **changes) -> Value:
    """`value` as a column of a file: renamed, or required where the file needs it."""
    if name is not None:
        changes["name"] = name
    return replace(value, **changes) if changes else value


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Value, ...]
    # The record whose rules the rows must meet, and the file's name for each of
    # the record's values that it renames.
    record: Record | None = None
    optional_columns: frozenset[str] = field(default_factory=frozenset)
    # Beyond the contract: written only when the table has them (readers that do
    # not know them ignore them, as they ignore any extra column).
    extension_columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.name not in self.optional_columns]


SITE_CODE = column(SITE["code"], "site_code")
PARTICIPANT_ID = PARTICIPANT["participant_id"]

FILES: dict[str, FileSpec] = {
    SITES: FileSpec(SITES, (SITE_CODE, SITE["name"])),
    SCREENING: FileSpec(
        SCREENING,
        (
            SCREENING_RECORD["screening_id"],
            SITE_CODE,
            SCREENING_RECORD["screened_on"],
            SCREENING_RECORD["sex"],
            SCREENING_RECORD["age"],
            SCREENING_RECORD["outcome"],
            SCREENING_RECORD["reason"],
        ),
        record=SCREENING_RECORD,
    ),
    PARTICIPANTS: FileSpec(
        PARTICIPANTS,
        (
            PARTICIPANT_ID,
            SCREENING_RECORD["screening_id"],
            SITE_CODE,
            PARTICIPANT["consented_on"],
            column(PARTICIPANT["randomized_on"], required=True),
            column(PARTICIPANT["bottle_number"], required=True),
            PARTICIPANT["sex"],
            PARTICIPANT["age"],
            PARTICIPANT["height_cm"],
            PARTICIPANT["weight_kg"],
            PARTICIPANT["hypertension"],
            PARTICIPANT["diabetes"],
            PARTICIPANT["creatinine_mg_dl"],
            PARTICIPANT["withdrawn_on"],
            PARTICIPANT["withdrawal_reason"],
            PARTICIPANT["treatment_stopped_on"],
            PARTICIPANT["treatment_stop_reason"],
        ),
        record=PARTICIPANT,
        optional_columns=frozenset({"treatment_stopped_on", "treatment_stop_reason"}),
    ),
    ALLOCATION: FileSpec(
        ALLOCATION,
        (
            column(PARTICIPANT["bottle_number"], required=True, label="Bottle number"),
            Value(
                "arm_code",
                "Arm the bottle belongs to (code in trial.json)",
                "text",
                required=True,
                max_length=40,
            ),
            Value("block", "Randomization block", "int", minimum=0, maximum=INT_MAX),
            Value("stratum", "Randomization stratum", "text", max_length=60),
            # A spare bottle (kept for replacements); the column is written only for
            # a list that has spares, as in the list's canonical file.
            Value("is_spare", "Spare bottle kept for replacements", "bool"),
        ),
        optional_columns=frozenset({"block", "stratum", "is_spare"}),
        extension_columns=frozenset({"is_spare"}),
    ),
    DIARY: FileSpec(
        DIARY,
        (
            PARTICIPANT_ID,
            PROTOCOL_WEEK["phase"],
            PROTOCOL_WEEK["week"],
            DIARY_WEEK["call_date"],
            column(DIARY_WEEK["reached"], required=True),
            DIARY_WEEK["cramps"],
            DIARY_WEEK["duration_min"],
            DIARY_WEEK["severity"],
            DIARY_WEEK["capsules_missed"],
            # Where a reached week's values come from (phone, diary, corrected): written
            # only for a trial whose weeks are not all told by phone.
            DIARY_WEEK["source"],
        ),
        record=DIARY_WEEK,
        optional_columns=frozenset({"source"}),
        extension_columns=frozenset({"source"}),
    ),
    NIGHTS: FileSpec(
        NIGHTS,
        (
            PARTICIPANT_ID,
            NIGHT["night"],
            NIGHT["reported"],
            NIGHT["cramps"],
            NIGHT["source"],
        ),
        record=NIGHT,
    ),
    CRAMP_EVENTS: FileSpec(
        CRAMP_EVENTS,
        (
            PARTICIPANT_ID,
            column(NIGHT["night"], label="Night of the cramp (the date it began)"),
            CRAMP_EVENT["duration_min"],
            CRAMP_EVENT["severity"],
        ),
        record=CRAMP_EVENT,
    ),
    ADVERSE_EVENTS: FileSpec(
        ADVERSE_EVENTS,
        (PARTICIPANT_ID, *ADVERSE_EVENT.values),
        record=ADVERSE_EVENT,
    ),
}

# The order files are checked, written and imported in (references point backwards).
CSV_FILES = (
    SITES,
    SCREENING,
    PARTICIPANTS,
    ALLOCATION,
    DIARY,
    NIGHTS,
    CRAMP_EVENTS,
    ADVERSE_EVENTS,
)
REQUIRED_FILES = (SITES, SCREENING, PARTICIPANTS, DIARY, ADVERSE_EVENTS)
# The electronic diary: optional on import, always written on export.
OPTIONAL_FILES = (NIGHTS, CRAMP_EVENTS)

# trial.json: the contract's keys, then optional protocol settings the app keeps.
TRIAL_KEYS = ("code", "title", "arms", "screening_weeks", "intervention_weeks")
TRIAL_OPTIONAL_KEYS = (
    "call_window_days",
    "min_age",
    "min_screening_cramps",
    "target_enrolment",
    "site_prefixed_ids",
    "criteria",
)
