"""The CDISC ODM 1.3.2 export: derived from the declarations, valid against the ODM
schema (shipped by odmlib, read offline), every OID it refers to defined in it, the
audit trail and signatures with the data, and no allocation in a blinded file."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command

from diary.exports.odm import (
    NS,
    OdmError,
    odm_bytes,
    odm_document,
    odm_reference_problems,
)
from diary.models import Participant
from diary.selectors.casebook import clinical_records
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.casebooks import casebook_sign
from tests.datamgmt.conftest import PASSWORD, call
from tests.datamgmt.odm_schema import schema_errors

N = {"odm": NS}


@pytest.fixture
def trial_with_history(participant, investigator, ra_c1):
    diary_week = call(participant, 1, by_user=ra_c1)
    weekly_call_record(
        diary_week=diary_week,
        reached=True,
        call_date=diary_week.call_date,
        cramps=3,
        duration_min="1.5",
        severity="5",
        capsules_missed=0,
        reason="participant recounted",
        by_user=ra_c1,
    )
    adverse_event_record(
        participant=participant,
        onset_on=participant.randomized_on + timedelta(days=2),
        term="Headache",
        serious=False,
        grade="mild",
        relatedness="unlikely",
        outcome="resolved",
        by_user=ra_c1,
    )
    casebook_sign(participant=participant, password=PASSWORD, by_user=investigator)
    return participant.trial


def _parse(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 - our own file


def test_the_export_validates_against_the_odm_schema(trial_with_history):
    content = odm_bytes(trial=trial_with_history, unblinded=False)
    assert schema_errors(content) == []
    assert odm_reference_problems(_parse(content)) == []


def test_the_metadata_comes_from_the_declarations(trial_with_history):
    root = _parse(odm_bytes(trial=trial_with_history, unblinded=False))
    items = {e.get("OID") for e in root.iterfind(".//odm:ItemDef", N)}
    declared = {
        f"I.{k.name.upper()}.{v.name.upper()}"
        for k in clinical_records()
        for v in k.values
        if not v.direct_identifier
    }
    assert items == declared
    assert "I.PARTICIPANT.PHONE" not in items and "I.PARTICIPANT.PARTICIPANT_ID" in items
    events = [e.get("OID") for e in root.iterfind(".//odm:StudyEventDef", N)]
    assert events[:3] == ["SE.ENROLMENT", "SE.SCREENING.W1", "SE.SCREENING.W2"]
    assert "SE.INTERVENTION.W8" in events and "SE.AE" in events
    severity = root.find(".//odm:ItemDef[@OID='I.DIARY.SEVERITY']", N)
    assert (severity.get("DataType"), severity.get("SignificantDigits")) == ("float", "2")
    assert severity.find("odm:MeasurementUnitRef", N).get("MeasurementUnitOID") == "MU.SCORE_1_10"
    ranges = [
        (r.get("Comparator"), r.find("odm:CheckValue", N).text)
        for r in severity.iterfind("odm:RangeCheck", N)
    ]
    assert ranges == [("GE", "1"), ("LE", "10")]
    sex = root.find(".//odm:CodeList[@OID='CL.PARTICIPANT.SEX']", N)
    assert [i.get("CodedValue") for i in sex.iterfind("odm:CodeListItem", N)] == ["F", "M"]


def test_the_data_carry_the_audit_trail_and_the_signature(trial_with_history, ra_c1):
    root = _parse(odm_bytes(trial=trial_with_history, unblinded=False))
    subject = root.find(".//odm:SubjectData[@SubjectKey='C1-101']", N)
    week = subject.find("odm:StudyEventData[@StudyEventOID='SE.INTERVENTION.W1']", N)
    cramps = week.findall(".//odm:ItemData[@ItemOID='I.DIARY.CRAMPS']", N)
    assert [(c.get("TransactionType"), c.get("Value")) for c in cramps] == [
        ("Insert", "2"),
        ("Update", "3"),
    ]
    audit = cramps[1].find("odm:AuditRecord", N)
    assert audit.find("odm:ReasonForChange", N).text == "participant recounted"
    user = audit.find("odm:UserRef", N).get("UserOID")
    assert user == f"USR.{ra_c1.pk}"
    signature = subject.find("odm:Signature", N)
    assert signature.find("odm:SignatureRef", N).get("SignatureOID") == "SD.INVESTIGATOR"
    assert signature.find("odm:CryptoBindingManifest", N).text.startswith("SHA-256:")
    event = subject.find("odm:StudyEventData[@StudyEventOID='SE.AE']", N)
    assert event.get("StudyEventRepeatKey")


def test_a_broken_oid_is_found(trial_with_history):
    root = odm_document(trial=trial_with_history, unblinded=False)
    assert odm_reference_problems(root) == []
    item_ref = root.find(".//odm:ItemRef[@ItemOID='I.DIARY.SEVERITY']", N)
    item_ref.set("ItemOID", "I.DIARY.SEVERTY")
    problems = odm_reference_problems(root)
    assert any("I.DIARY.SEVERTY" in p for p in problems)
    assert any(
        "ItemData I.DIARY.SEVERITY is not listed by ItemGroupDef IG.DIARY" in p for p in problems
    )
    root = odm_document(trial=trial_with_history, unblinded=False)
    root.find(".//odm:SiteRef", N).set("LocationOID", "LOC.NOWHERE")
    assert odm_reference_problems(root) == [
        "SiteRef refers to Location LOC.NOWHERE, which is not defined"
    ]


def test_a_broken_document_is_not_written(trial_with_history, monkeypatch):
    from diary.exports import odm

    monkeypatch.setattr(odm, "form_oid", lambda kind: "F.SAME")
    with pytest.raises(OdmError):
        odm_bytes(trial=trial_with_history, unblinded=False)


def test_a_blinded_export_carries_no_allocation_and_an_unblinded_one_does(trial_with_history):
    arms = list(trial_with_history.arms.values_list("code", "label"))
    blinded = odm_bytes(trial=trial_with_history, unblinded=False).decode()
    assert "ALLOCATION" not in blinded
    for code, label in arms:
        assert code not in blinded and label not in blinded
    unblinded = odm_bytes(trial=trial_with_history, unblinded=True)
    assert schema_errors(unblinded) == []
    root = _parse(unblinded)
    arm = root.find(".//odm:ItemData[@ItemOID='I.ALLOCATION.ARM']", N).get("Value")
    assert arm in {code for code, _ in arms}


def test_no_file_holds_a_phone_number(trial_with_history):
    """Every role with exports may download every export: the phone number, which only
    the roles making the calls see, is in neither the metadata nor the data."""
    participant = trial_with_history.participants.get()
    Participant.objects.filter(pk=participant.pk).update(phone="+44 7700 900123")
    for unblinded in (False, True):
        content = odm_bytes(trial=trial_with_history, unblinded=unblinded).decode()
        assert "7700" not in content and "PHONE" not in content
        assert schema_errors(content.encode()) == []


def test_the_command_writes_the_odm_file(trial_with_history, tmp_path):
    path = tmp_path / "out.xml"
    call_command("export_trial", str(path), "--format", "odm")
    assert schema_errors(path.read_bytes()) == []


@pytest.fixture
def reference_trial(db, settings):
    settings.DEBUG = True
    call_command("simulate_trial", "--preset", "vitk2-nlc-2024")
    from diary.selectors.trial import current_trial

    return current_trial()


def test_the_odm_export_of_the_simulated_reference_trial_validates(reference_trial):
    content = odm_bytes(trial=reference_trial, unblinded=False)
    root = _parse(content)
    assert len(root.findall(".//odm:SubjectData", N)) == 199
    assert odm_reference_problems(root) == []
    assert schema_errors(content) == []
