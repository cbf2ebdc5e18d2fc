"""The trial as a CDISC ODM 1.3.2 file: study metadata and clinical data with the audit
trail and the investigators' signatures.

Everything is derived from the declarations (diary.declarations) through the
casebook's registry (diary.selectors.casebook), so a record declared and stored later
is exported without any change here:

- **Study events**: "Screening and enrolment" (the records a participant has one of:
  screening log, participant), one per protocol week (screening diary weeks 1..n,
  intervention weeks 1..n; the weekly records), and one repeating event per record
  kind of which a participant may have any number (adverse events, nights).
- **Forms and item groups**: one of each per record kind (`F.DIARY`, `IG.DIARY`).
- **Items**: one per declared value (`I.DIARY.SEVERITY`), with its data type (text,
  integer, float with its digits and decimal places, date, boolean), its label as
  the question, its unit (MeasurementUnit) and its range (RangeCheck), and for a
  value with answers its code list (`CL.SEX`: codes with their labels).
- **Clinical data**: per participant (SubjectKey: the study id, SiteRef: the site),
  transactional: every value as first entered (Insert) and every later change
  (Update), each with its AuditRecord (user, site, date and time, the reason for a
  correction), from the records' history; a value whose history is missing is
  written as it is now. The casebook's valid signature is the subject's Signature
  (user, site, SignatureDef with the meaning, date and time, and the SHA-256 of the
  content signed as its CryptoBindingManifest).

Minimum necessary: no file holds a direct identifier (the participant's phone number,
`Value.direct_identifier`), whoever asked for it: every role with exports may
download the files.

Blinding: a blinded file holds no allocation; only an unblinded one (the unblinded
statistician's) adds the form "Allocation" with each participant's arm.

Every OID a file refers to is defined in it: `odm_reference_problems` lists any that
is not (the export refuses to write such a file); tests validate the files against
the ODM 1.3.2 schema.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - builds our own XML, parses nothing
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from diary.declarations import Phase, Value
from diary.exports.data import ExportData
from diary.models import ListEntry, Participant, ProtocolWeek, Trial
from diary.selectors.casebook import (
    ENROLMENT,
    REPEATING,
    WEEKLY,
    ClinicalRecord,
    clinical_records,
)
from diary.services.casebooks import SIGNATURE_MEANING

NS = "http://www.cdisc.org/ns/odm/v1.3"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ODM_FILE = "trial.odm.xml"
MDV_OID = "MDV.1"
SIGNATURE_DEF_OID = "SD.INVESTIGATOR"
SYSTEM_USER_OID = "USR.SYSTEM"
ENROLMENT_EVENT = "SE.ENROLMENT"
ALLOCATION = "ALLOCATION"
EMPTY = (None, "")

ET.register_namespace("", NS)


class OdmError(Exception):
    """The file would refer to an OID it does not define."""


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _el(parent, name: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), {k: str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _translated(parent, name: str, text: str) -> ET.Element:
    element = _el(parent, name)
    _el(element, "TranslatedText", text, **{XML_LANG: "en"})
    return element


def oid_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(text)).strip("_").upper() or "X"


def _timestamp(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def odm_value(value) -> str:
    """A value as ODM writes it: ISO dates, plain decimals, true/false."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


# -- metadata ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    oid: str
    name: str
    repeating: bool
    type: str
    kinds: tuple[ClinicalRecord, ...]


def form_oid(kind: ClinicalRecord) -> str:
    return f"F.{oid_part(kind.name)}"


def group_oid(kind: ClinicalRecord) -> str:
    return f"IG.{oid_part(kind.name)}"


def item_oid(kind: ClinicalRecord, value: Value) -> str:
    return f"I.{oid_part(kind.name)}.{oid_part(value.name)}"


def codelist_oid(kind: ClinicalRecord, value: Value) -> str:
    return f"CL.{oid_part(kind.name)}.{oid_part(value.name)}"


def unit_oid(unit: str) -> str:
    return f"MU.{oid_part(unit)}"


def week_event_oid(phase: str, week: int) -> str:
    return f"SE.{oid_part(phase)}.W{week}"


def repeating_event_oid(kind: ClinicalRecord) -> str:
    return f"SE.{oid_part(kind.name)}"


def study_events(trial: Trial, kinds) -> list[Event]:
    enrolment = tuple(k for k in kinds if k.placement == ENROLMENT)
    weekly = tuple(k for k in kinds if k.placement == WEEKLY)
    events = [Event(ENROLMENT_EVENT, "Screening and enrolment", False, "Scheduled", enrolment)]
    weeks = ProtocolWeek.objects.filter(trial=trial).order_by("-phase", "week")
    for week in weeks:
        events.append(
            Event(
                week_event_oid(week.phase, week.week),
                f"{Phase(week.phase).label} week {week.week}",
                False,
                "Scheduled",
                weekly,
            )
        )
    for kind in kinds:
        if kind.placement == REPEATING:
            events.append(Event(repeating_event_oid(kind), kind.label, True, "Common", (kind,)))
    return events


def _data_type(value: Value) -> dict:
    kind = value.kind
    if value.is_text:
        return {"DataType": "text", "Length": value.max_length or 200}
    if kind == "enum":
        return {"DataType": "text", "Length": max(len(c) for c in value.choice_values)}
    if kind == "int":
        return {"DataType": "integer"}
    if kind == "decimal":
        attrs = {"DataType": "float"}
        if value.digits:
            attrs["Length"] = value.digits
        if value.places is not None:
            attrs["SignificantDigits"] = value.places
        return attrs
    if kind == "date":
        return {"DataType": "date"}
    return {"DataType": "boolean"}


def _unit(value: Value) -> str:
    return value.unit if value.unit and value.unit != "date" else ""


def _item_def(mdv, kind: ClinicalRecord, value: Value) -> None:
    item = _el(mdv, "ItemDef", OID=item_oid(kind, value), Name=value.name, **_data_type(value))
    if value.help:
        _translated(item, "Description", value.help)
    _translated(item, "Question", value.label)
    if _unit(value):
        _el(item, "MeasurementUnitRef", MeasurementUnitOID=unit_oid(_unit(value)))
    if value.kind in ("int", "decimal"):
        for comparator, bound in (
            ("GT" if value.above else "GE", value.minimum),
            ("LE", value.maximum),
        ):
            if bound is not None:
                check = _el(item, "RangeCheck", Comparator=comparator, SoftHard="Hard")
                _el(check, "CheckValue", odm_value(bound))
    if value.kind == "enum":
        _el(item, "CodeListRef", CodeListOID=codelist_oid(kind, value))


def _metadata(study, trial: Trial, kinds, events: list[Event], *, unblinded: bool) -> None:
    globals_ = _el(study, "GlobalVariables")
    _el(globals_, "StudyName", trial.title)
    _el(globals_, "StudyDescription", f"{trial.title} ({trial.code})")
    _el(globals_, "ProtocolName", trial.code)
    units = sorted({_unit(v) for k in kinds for v in k.values if _unit(v)})
    if units:
        basic = _el(study, "BasicDefinitions")
        for unit in units:
            measurement = _el(basic, "MeasurementUnit", OID=unit_oid(unit), Name=unit)
            _translated(measurement, "Symbol", unit)
    mdv = _el(study, "MetaDataVersion", OID=MDV_OID, Name=f"{trial.code} as declared")
    protocol = _el(mdv, "Protocol")
    for order, event in enumerate(events, start=1):
        _el(
            protocol,
            "StudyEventRef",
            StudyEventOID=event.oid,
            OrderNumber=order,
            Mandatory="No" if event.type == "Common" else "Yes",
        )
    for event in events:
        definition = _el(
            mdv,
            "StudyEventDef",
            OID=event.oid,
            Name=event.name,
            Repeating="Yes" if event.repeating else "No",
            Type=event.type,
        )
        for order, kind in enumerate(event.kinds, start=1):
            _el(definition, "FormRef", FormOID=form_oid(kind), OrderNumber=order, Mandatory="No")
        if unblinded and event.oid == ENROLMENT_EVENT:
            _el(definition, "FormRef", FormOID=f"F.{ALLOCATION}", Mandatory="No")
    for kind in kinds:
        form = _el(mdv, "FormDef", OID=form_oid(kind), Name=kind.label, Repeating="No")
        _el(form, "ItemGroupRef", ItemGroupOID=group_oid(kind), Mandatory="Yes")
    if unblinded:
        form = _el(mdv, "FormDef", OID=f"F.{ALLOCATION}", Name="Allocation", Repeating="No")
        _el(form, "ItemGroupRef", ItemGroupOID=f"IG.{ALLOCATION}", Mandatory="Yes")
    for kind in kinds:
        group = _el(mdv, "ItemGroupDef", OID=group_oid(kind), Name=kind.label, Repeating="No")
        for order, value in enumerate(kind.values, start=1):
            _el(
                group,
                "ItemRef",
                ItemOID=item_oid(kind, value),
                OrderNumber=order,
                Mandatory="Yes" if value.required else "No",
            )
    if unblinded:
        group = _el(mdv, "ItemGroupDef", OID=f"IG.{ALLOCATION}", Name="Allocation", Repeating="No")
        _el(group, "ItemRef", ItemOID=f"I.{ALLOCATION}.ARM", Mandatory="Yes")
    for kind in kinds:
        for value in kind.values:
            _item_def(mdv, kind, value)
    if unblinded:
        arms = list(trial.arms.order_by("code"))
        item = _el(
            mdv,
            "ItemDef",
            OID=f"I.{ALLOCATION}.ARM",
            Name="arm_code",
            DataType="text",
            Length=max([len(a.code) for a in arms] or [1]),
        )
        _translated(item, "Question", "Arm allocated (the randomization list)")
        _el(item, "CodeListRef", CodeListOID=f"CL.{ALLOCATION}.ARM")
    for kind in kinds:
        for value in kind.values:
            if value.kind != "enum":
                continue
            codes = _el(
                mdv, "CodeList", OID=codelist_oid(kind, value), Name=value.label, DataType="text"
            )
            for code, label in value.choices.choices:
                _translated(_el(codes, "CodeListItem", CodedValue=code), "Decode", str(label))
    if unblinded:
        codes = _el(mdv, "CodeList", OID=f"CL.{ALLOCATION}.ARM", Name="Arm", DataType="text")
        for arm in trial.arms.order_by("code"):
            _translated(_el(codes, "CodeListItem", CodedValue=arm.code), "Decode", arm.label)


# -- clinical data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Transaction:
    item: str
    value: object
    insert: bool
    when: datetime | None
    user_id: int | None
    reason: str
    source: str


def _transactions(kind: ClinicalRecord, pk: int, history, current: dict) -> list[Transaction]:
    """Each value as first entered and each later change, from the record's history;
    what the history does not hold (rows written in bulk) as the value is now."""
    out: list[Transaction] = []
    state: dict = {}
    for row in history:
        for value in kind.values:
            new = getattr(row, value.name)
            old = state.get(value.name)
            if value.name not in state and new in EMPTY:
                continue
            if value.name in state and new == old:
                continue
            out.append(
                Transaction(
                    item=value.name,
                    value=new,
                    insert=value.name not in state,
                    when=row.history_date,
                    user_id=row.history_user_id,
                    reason=row.history_change_reason or "",
                    source=f"history {row.history_id}",
                )
            )
            state[value.name] = new
    for value in kind.values:
        now = current[value.name]
        if (value.name in state and state[value.name] != now) or (
            value.name not in state and now not in EMPTY
        ):
            out.append(Transaction(value.name, now, value.name not in state, None, None, "", ""))
    return out


def _histories(kind: ClinicalRecord, pks: list[int]) -> dict[int, list]:
    history = getattr(kind.model, "history", None)
    if history is None:
        return {}
    pk_name = kind.model._meta.pk.attname
    rows: dict[int, list] = defaultdict(list)
    for row in (
        history.filter(**{f"{pk_name}__in": pks})
        .order_by("history_date", "history_id")
        .iterator(chunk_size=5000)
    ):
        rows[getattr(row, pk_name)].append(row)
    return rows


def _user_ref(user_id) -> str:
    return f"USR.{user_id}" if user_id is not None else SYSTEM_USER_OID


def _location(site_code: str) -> str:
    return f"LOC.{oid_part(site_code)}"


def _item_data(group, kind: ClinicalRecord, tx: Transaction, location: str, users: set) -> None:
    attrs = {"ItemOID": item_oid(kind, kind.value(tx.item))}
    attrs["TransactionType"] = "Insert" if tx.insert else "Update"
    if tx.value in EMPTY:
        attrs["IsNull"] = "Yes"
    else:
        attrs["Value"] = odm_value(tx.value)
    item = _el(group, "ItemData", **attrs)
    if tx.when is not None:
        users.add(tx.user_id)
        audit = _el(item, "AuditRecord")
        _el(audit, "UserRef", UserOID=_user_ref(tx.user_id))
        _el(audit, "LocationRef", LocationOID=location)
        _el(audit, "DateTimeStamp", _timestamp(tx.when))
        if tx.reason:
            _el(audit, "ReasonForChange", tx.reason)
        _el(audit, "SourceID", tx.source)


def _clinical_data(clinical, trial: Trial, kinds, *, unblinded: bool, users: set) -> None:
    from diary.models import Signature
    from diary.selectors.datamgmt import signature_states

    participants = list(
        Participant.objects.filter(trial=trial).select_related("site").order_by("participant_id")
    )
    ids = [p.pk for p in participants]
    rows_of: dict[int, list] = defaultdict(list)  # participant -> [(kind, instance, txs)]
    for kind in kinds:
        rows = kind.of_participants(ids).order_by("pk")
        if kind.week_path:
            rows = rows.select_related(kind.week_path)
        rows = list(rows)
        histories = _histories(kind, [r.pk for r in rows])
        owner_path = kind.participant_id_path()
        owners = dict(kind.of_participants(ids).values_list("pk", owner_path))
        for instance in rows:
            current = {v.name: getattr(instance, v.name) for v in kind.values}
            txs = _transactions(kind, instance.pk, histories.get(instance.pk, []), current)
            rows_of[owners[instance.pk]].append((kind, instance, txs))
    valid = signature_states(ids)
    signatures = {}
    for signature in Signature.objects.filter(participant_id__in=ids).order_by("signed_at", "pk"):
        signatures[signature.participant_id] = signature
    arms = _arms(trial) if unblinded else {}
    for participant in participants:
        location = _location(participant.site.code)
        subject = _el(clinical, "SubjectData", SubjectKey=participant.participant_id)
        signature = signatures.get(participant.pk)
        if signature is not None and valid[participant.pk]:
            users.add(signature.signed_by_id)
            signed = _el(subject, "Signature")
            _el(signed, "UserRef", UserOID=_user_ref(signature.signed_by_id))
            _el(signed, "LocationRef", LocationOID=location)
            _el(signed, "SignatureRef", SignatureOID=SIGNATURE_DEF_OID)
            _el(signed, "DateTimeStamp", _timestamp(signature.signed_at))
            _el(signed, "CryptoBindingManifest", f"SHA-256:{signature.content_sha256}")
        _el(subject, "SiteRef", LocationOID=location)
        event_of = _EventData(subject)

        for kind, instance, txs in rows_of[participant.pk]:
            if not txs:
                continue
            if kind.placement == WEEKLY:
                phase, week = kind.week_of(instance)
                event = event_of(week_event_oid(phase, week))
            elif kind.placement == REPEATING:
                event = event_of(repeating_event_oid(kind), str(instance.pk))
            else:
                event = event_of(ENROLMENT_EVENT)
            form = _el(event, "FormData", FormOID=form_oid(kind))
            group = _el(form, "ItemGroupData", ItemGroupOID=group_oid(kind))
            for tx in txs:
                _item_data(group, kind, tx, location, users)
        arm = arms.get(participant.bottle_number)
        if arm:
            form = _el(event_of(ENROLMENT_EVENT), "FormData", FormOID=f"F.{ALLOCATION}")
            group = _el(form, "ItemGroupData", ItemGroupOID=f"IG.{ALLOCATION}")
            _el(group, "ItemData", ItemOID=f"I.{ALLOCATION}.ARM", Value=arm)


class _EventData:
    """A subject's StudyEventData elements, each made the first time it is needed."""

    def __init__(self, subject: ET.Element):
        self.subject = subject
        self.events: dict[tuple[str, str], ET.Element] = {}

    def __call__(self, oid: str, repeat: str = "") -> ET.Element:
        key = (oid, repeat)
        if key not in self.events:
            attrs = {"StudyEventOID": oid}
            if repeat:
                attrs["StudyEventRepeatKey"] = repeat
            self.events[key] = _el(self.subject, "StudyEventData", **attrs)
        return self.events[key]


def _arms(trial: Trial) -> dict[int, str]:
    from diary.crypto import open_arm

    return {
        bottle: open_arm(sealed)
        for bottle, sealed in ListEntry.objects.filter(randomization_list__trial=trial).values_list(
            "bottle_number", "arm_sealed"
        )
    }


def _admin_data(admin, trial: Trial, users: set) -> None:
    User = get_user_model()
    known = User.objects.filter(pk__in=[u for u in users if u is not None]).order_by("pk")
    for user in known:
        element = _el(admin, "User", OID=_user_ref(user.pk))
        _el(element, "LoginName", user.get_username())
        _el(element, "FullName", user.get_full_name() or user.get_username())
    if None in users:
        element = _el(admin, "User", OID=SYSTEM_USER_OID)
        _el(element, "LoginName", "system")
        _el(element, "FullName", "The application (imports, scheduled checks)")
    for site in trial.sites.order_by("code"):
        location = _el(
            admin, "Location", OID=_location(site.code), Name=site.name, LocationType="Site"
        )
        _el(
            location,
            "MetaDataVersionRef",
            StudyOID=_study_oid(trial),
            MetaDataVersionOID=MDV_OID,
            EffectiveDate=trial.created_at.date().isoformat(),
        )
    signature_def = _el(admin, "SignatureDef", OID=SIGNATURE_DEF_OID, Methodology="Electronic")
    _el(signature_def, "Meaning", SIGNATURE_MEANING)
    _el(
        signature_def,
        "LegalReason",
        "Electronic signature of the investigator's review of the participant's casebook "
        "(21 CFR Part 11: 11.50, 11.70, 11.200).",
    )


def exported_records() -> tuple[ClinicalRecord, ...]:
    """The clinical records as the file holds them: without direct identifiers (a
    participant's phone number), which no export carries."""
    return tuple(
        replace(kind, values=tuple(v for v in kind.values if not v.direct_identifier))
        for kind in clinical_records()
    )


def _study_oid(trial: Trial) -> str:
    return f"ST.{oid_part(trial.code)}"


def odm_document(*, trial: Trial, unblinded: bool, now: datetime | None = None) -> ET.Element:
    """The trial as an ODM 1.3.2 document (an ElementTree element)."""
    now = now or timezone.now()
    kinds = exported_records()
    events = study_events(trial, kinds)
    root = ET.Element(
        _tag("ODM"),
        {
            "FileType": "Transactional",
            "Granularity": "All",
            "FileOID": f"F.{oid_part(trial.code)}.{now:%Y%m%dT%H%M%S}",
            "CreationDateTime": _timestamp(now),
            "ODMVersion": "1.3.2",
            "Originator": "Cramp trials",
            "SourceSystem": "cramp-trials",
            "Description": (
                f"{trial.code}: "
                + ("unblinded (with the allocation)" if unblinded else "blinded (no allocation)")
            ),
        },
    )
    study = _el(root, "Study", OID=_study_oid(trial))
    _metadata(study, trial, kinds, events, unblinded=unblinded)
    users: set = set()
    admin = _el(root, "AdminData", StudyOID=_study_oid(trial))
    clinical = _el(root, "ClinicalData", StudyOID=_study_oid(trial), MetaDataVersionOID=MDV_OID)
    _clinical_data(clinical, trial, kinds, unblinded=unblinded, users=users)
    _admin_data(admin, trial, users)
    return root


# -- OID references ---------------------------------------------------------------------

# Reference attribute -> the element that defines it.
REFERENCES = {
    "StudyEventOID": "StudyEventDef",
    "FormOID": "FormDef",
    "ItemGroupOID": "ItemGroupDef",
    "ItemOID": "ItemDef",
    "CodeListOID": "CodeList",
    "MeasurementUnitOID": "MeasurementUnit",
    "UserOID": "User",
    "LocationOID": "Location",
    "SignatureOID": "SignatureDef",
    "MetaDataVersionOID": "MetaDataVersion",
    "StudyOID": "Study",
}
# Where a reference must point inside its parent's definition (data to metadata).
NESTED = {
    "StudyEventData": ("StudyEventOID", None, None),
    "FormData": ("FormOID", "StudyEventDef", "FormRef"),
    "ItemGroupData": ("ItemGroupOID", "FormDef", "ItemGroupRef"),
    "ItemData": ("ItemOID", "ItemGroupDef", "ItemRef"),
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def odm_reference_problems(root: ET.Element) -> list[str]:
    """Every OID the document refers to that it does not define (of the right kind),
    and every clinical datum placed where its definition does not allow it (a form in
    an event that does not list it, an item in a group that does not list it)."""
    defined: dict[str, set[str]] = defaultdict(set)
    children: dict[tuple[str, str], set[str]] = defaultdict(set)
    for element in root.iter():
        name = _local(element.tag)
        oid = element.get("OID")
        if oid is not None:
            if oid in defined[name]:
                return [f"{name} {oid} is defined twice"]
            defined[name].add(oid)
            for child in element:
                for attr in ("FormOID", "ItemGroupOID", "ItemOID"):
                    if child.get(attr):
                        children[(name, oid)].add(child.get(attr))
    problems = []
    for element in root.iter():
        name = _local(element.tag)
        for attr, target in REFERENCES.items():
            ref = element.get(attr)
            if ref is not None and ref not in defined[target]:
                problems.append(f"{name} refers to {target} {ref}, which is not defined")

    def walk(element: ET.Element, parent_def: tuple[str, str] | None) -> None:
        name = _local(element.tag)
        here = parent_def
        if name in NESTED:
            attr, parent_kind, _ = NESTED[name]
            oid = element.get(attr)
            if parent_def is not None and oid not in children[parent_def]:
                problems.append(f"{name} {oid} is not listed by {parent_def[0]} {parent_def[1]}")
            here = (_local(REFERENCES[attr]), oid)
        for child in element:
            walk(child, here)

    for clinical in root.iter(_tag("ClinicalData")):
        walk(clinical, None)
    return problems


def odm_bytes(*, trial: Trial, unblinded: bool, now: datetime | None = None) -> bytes:
    """The ODM file's bytes (UTF-8); refuses a document with an OID that is not
    defined."""
    root = odm_document(trial=trial, unblinded=unblinded, now=now)
    problems = odm_reference_problems(root)
    if problems:
        raise OdmError("; ".join(problems[:20]))
    ET.indent(root, space=" ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def odm_files(data: ExportData) -> dict[str, bytes]:
    """The ODM file of an export (the format registry's entry)."""
    trial = Trial.objects.get(code=data.trial_code)
    return {ODM_FILE: odm_bytes(trial=trial, unblinded=data.unblinded)}
