"""The audit trail export: every history record of the clinical models."""

import csv
import io

import pytest
from django.core.management import call_command

from diary.selectors.audit_trail import AUDIT_COLUMNS, audit_trail_rows
from diary.services.calls import weekly_call_record
from tests.factories import enrol, make_user

pytestmark = pytest.mark.django_db


def _week(participant, week):
    return participant.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=week)


def test_audit_trail_shows_a_correction_with_user_reason_and_old_and_new_values(trial, site_c1):
    ra = make_user("research_assistant", site_c1)
    participant = enrol(trial, site_c1, by_user=ra)
    week = _week(participant, 1)
    weekly_call_record(
        diary_week=week,
        reached=True,
        cramps=3,
        duration_min="2.5",
        severity="6",
        call_date=week.due_date,
        by_user=ra,
    )
    weekly_call_record(
        diary_week=week,
        reached=True,
        cramps=4,
        duration_min="2.5",
        severity="7",
        by_user=ra,
        reason="participant remembered one more",
    )

    rows = [r for r in audit_trail_rows() if r[0] == "diary.diaryweek" and r[1] == str(week.pk)]

    # Weeks are scheduled in bulk: their trail starts at the first call.
    assert [r[5] for r in rows] == ["changed", "changed"]
    correction = dict(zip(AUDIT_COLUMNS, rows[-1], strict=True))
    assert correction["user"] == ra.username
    assert correction["change_reason"] == "participant remembered one more"
    assert correction["changes"] == "cramps: 3 -> 4; severity: 6 -> 7"
    entered = dict(zip(AUDIT_COLUMNS, rows[0], strict=True))
    assert "reached: 1" in entered["changes"] and "cramps: 3" in entered["changes"]
    assert "duration_min: 2.5" in entered["changes"]


def test_audit_trail_covers_the_clinical_models_and_never_the_arms(trial, site_c1):
    week = _week(enrol(trial, site_c1), 1)
    weekly_call_record(diary_week=week, reached=False, call_date=week.due_date, by_user=None)

    models = {row[0] for row in audit_trail_rows()}

    assert {
        "diary.trial",
        "diary.site",
        "diary.screeningrecord",
        "diary.participant",
        "diary.diaryweek",
    } <= models
    assert "diary.arm" not in models
    text = "\n".join(",".join(r) for r in audit_trail_rows())
    assert "Vitamin K2 (MK-7)" not in text and "Placebo" not in text


def test_export_history_command_writes_the_csv(trial, site_c1, tmp_path):
    participant = enrol(trial, site_c1)
    path = tmp_path / "audit" / "history.csv"

    out = io.StringIO()
    call_command("export_history", str(path), stdout=out)

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert tuple(rows[0]) == AUDIT_COLUMNS
    created = [r for r in rows if r["model"] == "diary.participant"]
    assert len(created) == 1 and created[0]["type"] == "created"
    assert created[0]["object_id"] == str(participant.pk)
    assert f"participant_id: {participant.participant_id}" in created[0]["changes"]
    assert f"Wrote {len(rows)} history records" in out.getvalue()
