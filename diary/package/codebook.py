"""The data dictionary of the package: every variable of every file with its label,
type, unit, allowed values and value labels.

One source for the codebook files (CSV and HTML), the Excel workbook and the SPSS
and Stata labels. Columns, kinds and ranges come from diary.package.schema; this
module adds what a reader of the data needs to know about each of them. In the
SPSS and Stata files a category is stored as a numeric code (1, 2, ... in the order
listed here) and a flag as 0/1, each with its value label.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from diary.models import Grade, Phase, Relatedness, ScreeningOutcome, Sex
from diary.package.schema import (
    ADVERSE_EVENTS,
    ALLOCATION,
    DIARY,
    FILES,
    PARTICIPANTS,
    SCREENING,
    SITES,
    Column,
)

# (file, column) -> (label, unit). Labels are at most 80 characters (Stata's limit).
LABELS: dict[tuple[str, str], tuple[str, str]] = {
    (SITES, "site_code"): ("Site code", ""),
    (SITES, "name"): ("Site name", ""),
    (SCREENING, "screening_id"): ("Screening number", ""),
    (SCREENING, "site_code"): ("Site code", ""),
    (SCREENING, "screened_on"): ("Date of screening", "date"),
    (SCREENING, "sex"): ("Sex", ""),
    (SCREENING, "age"): ("Age at screening", "years"),
    (SCREENING, "outcome"): ("Screening outcome", ""),
    (SCREENING, "reason"): ("Reason the candidate was not enrolled", ""),
    (PARTICIPANTS, "participant_id"): ("Participant ID", ""),
    (PARTICIPANTS, "screening_id"): ("Screening number", ""),
    (PARTICIPANTS, "site_code"): ("Site code", ""),
    (PARTICIPANTS, "consented_on"): ("Date of consent", "date"),
    (PARTICIPANTS, "randomized_on"): ("Date of randomization", "date"),
    (PARTICIPANTS, "bottle_number"): ("Bottle number given at randomization", ""),
    (PARTICIPANTS, "sex"): ("Sex", ""),
    (PARTICIPANTS, "age"): ("Age at enrolment", "years"),
    (PARTICIPANTS, "height_cm"): ("Height", "cm"),
    (PARTICIPANTS, "weight_kg"): ("Weight", "kg"),
    (PARTICIPANTS, "hypertension"): ("Hypertension", ""),
    (PARTICIPANTS, "diabetes"): ("Diabetes mellitus", ""),
    (PARTICIPANTS, "creatinine_mg_dl"): ("Serum creatinine", "mg/dL"),
    (PARTICIPANTS, "withdrawn_on"): ("Date of withdrawal", "date"),
    (PARTICIPANTS, "withdrawal_reason"): ("Reason for withdrawal", ""),
    (ALLOCATION, "bottle_number"): ("Bottle number", ""),
    (ALLOCATION, "arm_code"): ("Arm the bottle belongs to (code in trial.json)", ""),
    (ALLOCATION, "block"): ("Randomization block", ""),
    (ALLOCATION, "stratum"): ("Randomization stratum", ""),
    (ALLOCATION, "is_spare"): ("Spare bottle kept for replacements", ""),
    (DIARY, "participant_id"): ("Participant ID", ""),
    (DIARY, "phase"): ("Diary phase", ""),
    (DIARY, "week"): ("Week of the phase", "week"),
    (DIARY, "call_date"): ("Date of the weekly call", "date"),
    (DIARY, "reached"): ("Participant reached by the weekly call", ""),
    (DIARY, "cramps"): ("Number of cramps in the week", "cramps per week"),
    (DIARY, "duration_min"): ("Mean duration of the week's cramps", "minutes"),
    (DIARY, "severity"): ("Mean severity of the week's cramps", "score 1-10"),
    (DIARY, "capsules_missed"): ("Capsules missed in the week", "capsules"),
    (ADVERSE_EVENTS, "participant_id"): ("Participant ID", ""),
    (ADVERSE_EVENTS, "onset_on"): ("Date of onset", "date"),
    (ADVERSE_EVENTS, "term"): ("Adverse event (term as reported)", ""),
    (ADVERSE_EVENTS, "serious"): ("Serious adverse event", ""),
    (ADVERSE_EVENTS, "grade"): ("Severity grade", ""),
    (ADVERSE_EVENTS, "relatedness"): ("Relatedness to the study product", ""),
    (ADVERSE_EVENTS, "outcome"): ("Outcome of the adverse event", ""),
    (ADVERSE_EVENTS, "resolved_on"): ("Date resolved", "date"),
}

# Categories: the package's values and their labels, in code order (1, 2, ...).
CATEGORIES: dict[tuple[str, str], type[models.TextChoices]] = {
    (SCREENING, "sex"): Sex,
    (SCREENING, "outcome"): ScreeningOutcome,
    (PARTICIPANTS, "sex"): Sex,
    (DIARY, "phase"): Phase,
    (ADVERSE_EVENTS, "grade"): Grade,
    (ADVERSE_EVENTS, "relatedness"): Relatedness,
}

NO_YES = (("0", "No"), ("1", "Yes"))
FLAG_LABELS: dict[tuple[str, str], tuple[tuple[str, str], tuple[str, str]]] = {
    (DIARY, "reached"): (("0", "Not reached"), ("1", "Reached")),
}

TYPE_NAMES = {
    "text": "text",
    "code": "code (text)",
    "int": "integer",
    "decimal": "decimal",
    "date": "date (ISO 8601)",
    "bool": "flag (0/1)",
    "enum": "category",
}


@dataclass(frozen=True)
class Variable:
    """One column of one file, as the codebook describes it."""

    file: str
    column: Column
    label: str
    unit: str

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def kind(self) -> str:
        return self.column.kind

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.kind]

    @property
    def required(self) -> bool:
        return self.column.required

    @property
    def value_labels(self) -> tuple[tuple[str, str], ...]:
        """(value as written in the CSV, label) for a category or a flag."""
        if self.kind == "enum":
            choices = CATEGORIES[(self.file, self.name)]
            return tuple((str(value), str(label)) for value, label in choices.choices)
        if self.kind == "bool":
            return FLAG_LABELS.get((self.file, self.name), NO_YES)
        return ()

    @property
    def codes(self) -> dict[str, int]:
        """The numeric code of each value in the SPSS and Stata files."""
        if self.kind == "enum":
            return {value: i for i, (value, _) in enumerate(self.value_labels, start=1)}
        if self.kind == "bool":
            return {"0": 0, "1": 1}
        return {}

    @property
    def code_labels(self) -> dict[int, str]:
        """{numeric code: label}: the SPSS and Stata value labels."""
        codes = self.codes
        return {codes[value]: label for value, label in self.value_labels}

    @property
    def allowed(self) -> str:
        column = self.column
        if self.kind == "enum":
            return ", ".join(value for value, _ in self.value_labels)
        if self.kind == "bool":
            return "0, 1"
        if self.kind in ("int", "decimal"):
            text = _range(column.minimum, column.maximum)
            if self.kind == "decimal" and column.places is not None:
                places = "place" if column.places == 1 else "places"
                text = f"{text}, {column.places} decimal {places}".lstrip(", ")
            return text
        if self.kind == "date":
            return "a calendar date, YYYY-MM-DD"
        if column.max_length:
            return f"at most {column.max_length} characters"
        return ""

    @property
    def coding(self) -> str:
        """How the SPSS and Stata files store the variable's values."""
        if self.code_labels:
            return "; ".join(f"{code} = {label}" for code, label in self.code_labels.items())
        return ""


def _number(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _range(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f"{_number(minimum)} to {_number(maximum)}"
    if minimum is not None:
        return f"at least {_number(minimum)}"
    if maximum is not None:
        return f"at most {_number(maximum)}"
    return ""


def variable(file: str, name: str) -> Variable:
    column = next(c for c in FILES[file].columns if c.name == name)
    label, unit = LABELS[(file, name)]
    return Variable(file=file, column=column, label=label, unit=unit)


def file_variables(file: str, columns) -> list[Variable]:
    """The variables of `file` for the columns a table holds, in the contract's order."""
    present = set(columns)
    return [variable(file, c.name) for c in FILES[file].columns if c.name in present]


def codebook(tables: Mapping[str, object]) -> list[Variable]:
    """Every variable of every table (a mapping of file name to DataFrame), file by
    file in the package's order."""
    return [v for name, frame in tables.items() for v in file_variables(name, frame.columns)]
