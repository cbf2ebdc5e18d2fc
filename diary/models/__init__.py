"""The trial's records, one module per domain."""

from .adverse_events import AdverseEvent, Grade, Relatedness
from .allocation import ListEntry, RandomizationList
from .calls import DiaryWeek
from .participants import Participant
from .screening import EligibilityCriterion, ScreeningOutcome, ScreeningRecord, Sex
from .staff import SiteAssignment
from .trial import Arm, ArmRole, Phase, ProtocolWeek, Site, Trial

__all__ = [
    "AdverseEvent",
    "Arm",
    "ArmRole",
    "DiaryWeek",
    "EligibilityCriterion",
    "Grade",
    "ListEntry",
    "Participant",
    "Phase",
    "ProtocolWeek",
    "RandomizationList",
    "Relatedness",
    "ScreeningOutcome",
    "ScreeningRecord",
    "Sex",
    "Site",
    "SiteAssignment",
    "Trial",
]
