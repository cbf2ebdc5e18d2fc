"""The trial's records, one module per domain."""

from .adverse_events import AdverseEvent, Grade, Relatedness
from .allocation import Allocation, EmergencyUnblinding, ListEntry, RandomizationList, TrialEvent
from .calls import DiaryWeek
from .exports import ExportDownload, ExportFile, ExportRun
from .notifications import OutboxMessage
from .participants import Participant
from .schedules import ScheduleRunRequest
from .screening import EligibilityCriterion, ScreeningOutcome, ScreeningRecord, Sex
from .staff import SiteAssignment, StaffAccessChange
from .trial import Arm, ArmRole, Phase, ProtocolWeek, Site, Trial

__all__ = [
    "AdverseEvent",
    "Allocation",
    "Arm",
    "ArmRole",
    "DiaryWeek",
    "EligibilityCriterion",
    "EmergencyUnblinding",
    "ExportDownload",
    "ExportFile",
    "ExportRun",
    "Grade",
    "ListEntry",
    "OutboxMessage",
    "Participant",
    "Phase",
    "ProtocolWeek",
    "RandomizationList",
    "Relatedness",
    "ScheduleRunRequest",
    "ScreeningOutcome",
    "ScreeningRecord",
    "Sex",
    "Site",
    "SiteAssignment",
    "StaffAccessChange",
    "Trial",
    "TrialEvent",
]
