"""Each clinical record declared once; see base.py for what derives from it."""

from diary.declarations.base import (
    EARLIEST_DATE,
    IDENTIFIER,
    LATEST_DATE,
    CellError,
    Context,
    Record,
    Rule,
    Value,
    control_characters,
)
from diary.declarations.choices import Grade, Phase, Relatedness, ScreeningOutcome, Sex
from diary.declarations.records import (
    ADVERSE_EVENT,
    DIARY_WEEK,
    PARTICIPANT,
    PROTOCOL_WEEK,
    SCREENING,
    SITE,
)

__all__ = [
    "ADVERSE_EVENT",
    "DIARY_WEEK",
    "EARLIEST_DATE",
    "IDENTIFIER",
    "LATEST_DATE",
    "PARTICIPANT",
    "PROTOCOL_WEEK",
    "SCREENING",
    "SITE",
    "CellError",
    "Context",
    "Grade",
    "Phase",
    "Record",
    "Relatedness",
    "Rule",
    "ScreeningOutcome",
    "Sex",
    "Value",
    "control_characters",
]
