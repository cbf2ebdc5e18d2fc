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
from diary.declarations.choices import (
    Grade,
    NightSource,
    Phase,
    Relatedness,
    ScreeningOutcome,
    Sex,
    WeekSource,
)
from diary.declarations.records import (
    ADVERSE_EVENT,
    CRAMP_EVENT,
    DIARY_WEEK,
    NIGHT,
    PARTICIPANT,
    PROTOCOL_WEEK,
    SCREENING,
    SITE,
)

__all__ = [
    "ADVERSE_EVENT",
    "CRAMP_EVENT",
    "DIARY_WEEK",
    "EARLIEST_DATE",
    "IDENTIFIER",
    "LATEST_DATE",
    "NIGHT",
    "NightSource",
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
    "WeekSource",
    "control_characters",
]
