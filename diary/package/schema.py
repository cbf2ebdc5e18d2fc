"""The data package's files and columns (see the data-package contract).

Each CSV file has its columns in the contract's order, which is also the order
an export writes them in. A column's kind says how a cell is read and written;
`required` means the cell may never be empty (other rules that make a cell
required, such as `cramps` when `reached` is 1, live in the validator).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from diary.models import Grade, Phase, Relatedness, ScreeningOutcome, Sex

TRIAL_JSON = "trial.json"
SITES = "sites.csv"
SCREENING = "screening.csv"
PARTICIPANTS = "participants.csv"
ALLOCATION = "allocation.csv"
DIARY = "diary.csv"
ADVERSE_EVENTS = "adverse_events.csv"

# Largest values the database columns hold.
SMALLINT_MAX = 32767
INT_MAX = 2147483647


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text | code | int | decimal | date | bool | enum
    required: bool = False
    max_length: int | None = None  # text and code
    choices: tuple[str, ...] = ()  # enum
    minimum: object = None  # int and decimal, inclusive
    maximum: object = None
    places: int | None = None  # decimal: decimal places stored


@dataclass(frozen=True)
class FileSpec:
    name: str
    columns: tuple[Column, ...]
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


def _text(name, max_length, *, required=False):
    return Column(name, "text", required=required, max_length=max_length)


def _int(name, *, required=False, minimum=0, maximum=SMALLINT_MAX):
    return Column(name, "int", required=required, minimum=minimum, maximum=maximum)


def _decimal(name, places, *, minimum=None, maximum=None):
    return Column(name, "decimal", places=places, minimum=minimum, maximum=maximum)


def _enum(name, choices, *, required=True):
    return Column(name, "enum", required=required, choices=tuple(choices))


def _date(name, *, required=False):
    return Column(name, "date", required=required)


def _bool(name, *, required=False):
    return Column(name, "bool", required=required)


SITE_CODE = Column("site_code", "code", required=True, max_length=40)

FILES: dict[str, FileSpec] = {
    SITES: FileSpec(SITES, (SITE_CODE, _text("name", 200, required=True))),
    SCREENING: FileSpec(
        SCREENING,
        (
            _text("screening_id", 40, required=True),
            SITE_CODE,
            _date("screened_on", required=True),
            _enum("sex", Sex.values),
            _int("age", required=True, minimum=18, maximum=120),
            _enum("outcome", ScreeningOutcome.values),
            _text("reason", 300),
        ),
    ),
    PARTICIPANTS: FileSpec(
        PARTICIPANTS,
        (
            _text("participant_id", 40, required=True),
            _text("screening_id", 40, required=True),
            SITE_CODE,
            _date("consented_on", required=True),
            _date("randomized_on", required=True),
            _int("bottle_number", required=True, minimum=1, maximum=INT_MAX),
            _enum("sex", Sex.values),
            _int("age", required=True, minimum=18, maximum=120),
            _decimal("height_cm", 1, minimum=100, maximum=230),
            _decimal("weight_kg", 1, minimum=25, maximum=250),
            _bool("hypertension"),
            _bool("diabetes"),
            _decimal("creatinine_mg_dl", 2, minimum=Decimal("0.1"), maximum=20),
            _date("withdrawn_on"),
            _text("withdrawal_reason", 300),
        ),
    ),
    ALLOCATION: FileSpec(
        ALLOCATION,
        (
            _int("bottle_number", required=True, minimum=1, maximum=INT_MAX),
            Column("arm_code", "text", required=True, max_length=40),
            _int("block", minimum=0, maximum=INT_MAX),
            _text("stratum", 60),
            # A spare bottle (kept for replacements); the column is written only
            # for a list that has spares, as in the list's canonical file.
            _bool("is_spare"),
        ),
        optional_columns=frozenset({"block", "stratum", "is_spare"}),
        extension_columns=frozenset({"is_spare"}),
    ),
    DIARY: FileSpec(
        DIARY,
        (
            _text("participant_id", 40, required=True),
            _enum("phase", Phase.values),
            _int("week", required=True, minimum=1),
            _date("call_date"),
            _bool("reached", required=True),
            _int("cramps"),
            # Ranges that depend on the row (duration > 0, severity 1-10 when there
            # was a cramp) are the validator's; these are the column's storage limits.
            _decimal("duration_min", 2, maximum=Decimal("9999.99")),
            _decimal("severity", 2, maximum=Decimal("99.99")),
            _int("capsules_missed", maximum=7),
        ),
    ),
    ADVERSE_EVENTS: FileSpec(
        ADVERSE_EVENTS,
        (
            _text("participant_id", 40, required=True),
            _date("onset_on", required=True),
            _text("term", 200, required=True),
            _bool("serious", required=True),
            _enum("grade", Grade.values),
            _enum("relatedness", Relatedness.values),
            _text("outcome", 100),
            _date("resolved_on"),
        ),
    ),
}

# The order files are checked, written and imported in (references point backwards).
CSV_FILES = (SITES, SCREENING, PARTICIPANTS, ALLOCATION, DIARY, ADVERSE_EVENTS)
REQUIRED_FILES = (SITES, SCREENING, PARTICIPANTS, DIARY, ADVERSE_EVENTS)

# trial.json: the contract's keys, then optional protocol settings the app keeps.
TRIAL_KEYS = ("code", "title", "arms", "screening_weeks", "intervention_weeks")
TRIAL_OPTIONAL_KEYS = (
    "call_window_days",
    "min_age",
    "min_screening_cramps",
    "target_enrolment",
    "criteria",
)
