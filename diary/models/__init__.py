"""The trial's records, one module per domain."""

from .adverse_events import AdverseEvent, Grade, Relatedness
from .allocation import Allocation, EmergencyUnblinding, ListEntry, RandomizationList, TrialEvent
from .calls import DiaryWeek
from .datamgmt import (
    Casebook,
    CasebookEvent,
    Query,
    QueryStep,
    SdvMark,
    Signature,
    TrialLockWaiver,
)
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
    "Casebook",
    "CasebookEvent",
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
    "Query",
    "QueryStep",
    "RandomizationList",
    "Relatedness",
    "ScheduleRunRequest",
    "ScreeningOutcome",
    "ScreeningRecord",
    "SdvMark",
    "Signature",
    "Sex",
    "Site",
    "SiteAssignment",
    "StaffAccessChange",
    "Trial",
    "TrialEvent",
    "TrialLockWaiver",
]
