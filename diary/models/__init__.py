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
from .diary_links import DiaryLink, DiaryPreferences, Language, ReminderChannel, StaffLanguage
from .exports import ExportDownload, ExportFile, ExportRun
from .nights import CrampEvent, Night
from .notifications import OutboxMessage
from .participants import Participant
from .schedules import ScheduleRunRequest
from .screening import EligibilityCriterion, ScreeningOutcome, ScreeningRecord, Sex
from .staff import SiteAssignment, StaffAccessChange
from .submissions import FormSubmission
from .trial import Arm, ArmRole, Phase, ProtocolWeek, Site, Trial

__all__ = [
    "AdverseEvent",
    "Allocation",
    "Arm",
    "CrampEvent",
    "ArmRole",
    "Casebook",
    "CasebookEvent",
    "DiaryLink",
    "DiaryPreferences",
    "DiaryWeek",
    "EligibilityCriterion",
    "EmergencyUnblinding",
    "ExportDownload",
    "ExportFile",
    "ExportRun",
    "Grade",
    "Language",
    "ListEntry",
    "Night",
    "OutboxMessage",
    "Participant",
    "Phase",
    "ProtocolWeek",
    "Query",
    "QueryStep",
    "RandomizationList",
    "Relatedness",
    "ReminderChannel",
    "ScheduleRunRequest",
    "FormSubmission",
    "ScreeningOutcome",
    "ScreeningRecord",
    "SdvMark",
    "Signature",
    "Sex",
    "Site",
    "SiteAssignment",
    "StaffAccessChange",
    "StaffLanguage",
    "Trial",
    "TrialEvent",
    "TrialLockWaiver",
]
