"""Importing a valid package: what is created, and how the package may be laid out."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from diary.crypto import open_arm
from diary.models import (
    AdverseEvent,
    Allocation,
    DiaryWeek,
    ListEntry,
    Participant,
    RandomizationList,
    ScreeningRecord,
    Trial,
)
from diary.package.problems import PackageRefused
from diary.services.package_import import package_import
from tests.diary.package.builders import row_counts
from tests.factories import enrol, make_user

pytestmark = pytest.mark.django_db


def test_trial_json_creates_the_trial_in_an_empty_database(builder, tmp_path):
    result = package_import(path=builder.write(tmp_path / "pkg"))

    trial = Trial.objects.get()
    assert result.trial_created and result.trial == trial
    assert (trial.code, trial.title) == ("VITK2-NLC", "Vitamin K2 for nocturnal leg cramps")
    assert (trial.screening_weeks, trial.intervention_weeks) == (2, 8)
    assert (trial.min_age, trial.min_screening_cramps) == (65, 2)
    arms = {(a.code, a.role, a.ratio) for a in trial.arms.all()}
    assert arms == {("vitamin_k2", "experimental", 1), ("placebo", "comparator", 1)}
    assert set(trial.sites.values_list("code", "name")) == {("C1", "Centre 1"), ("C2", "Centre 2")}
    assert trial.protocol_weeks.count() == 10


def test_import_creates_every_row_of_the_package(builder, tmp_path):
    result = package_import(path=builder.write(tmp_path / "pkg"))

    assert result.rows == {
        "sites.csv": 2,
        "screening.csv": 6,
        "participants.csv": 3,
        "allocation.csv": 4,
        "diary.csv": 24,
        "adverse_events.csv": 2,
    }
    assert ScreeningRecord.objects.count() == 6
    declined = ScreeningRecord.objects.get(screening_id="S004")
    assert (declined.outcome, declined.reason, declined.eligible) == (
        "declined",
        'Did not want to, "busy"',
        None,
    )
    p = Participant.objects.get(participant_id="C1-001")
    assert (p.screening.screening_id, p.site.code, p.bottle_number) == ("S001", "C1", 1)
    assert (p.height_cm, p.weight_kg, p.creatinine_mg_dl) == (
        Decimal("165.5"),
        Decimal("70"),
        Decimal("0.85"),
    )
    assert (p.hypertension, p.diabetes, p.randomized_on) == (True, False, date(2023, 1, 17))
    withdrawn = Participant.objects.get(participant_id="C1-002")
    assert (withdrawn.withdrawn_on, withdrawn.withdrawal_reason) == (date(2023, 2, 2), "Moved away")
    week = DiaryWeek.objects.get(
        participant=p, protocol_week__phase="intervention", protocol_week__week=1
    )
    assert (week.reached, week.cramps, week.duration_min, week.severity) == (
        True,
        1,
        Decimal("3"),
        Decimal("4"),
    )
    # Due at the end of the week counted from randomization.
    assert (week.call_date, week.due_date, week.attempts) == (
        date(2023, 1, 24),
        date(2023, 1, 24),
        1,
    )
    missed = DiaryWeek.objects.get(
        participant=withdrawn, protocol_week__phase="screening", protocol_week__week=2
    )
    assert (missed.reached, missed.cramps, missed.call_date) == (False, None, date(2023, 1, 17))
    sae = AdverseEvent.objects.get(serious=True)
    assert (sae.term, sae.grade, sae.resolved_on, sae.outcome) == (
        "Fall, hip fracture",
        "severe",
        None,
        "",
    )


def test_allocation_is_sealed_fingerprinted_frozen_and_bottles_recorded(builder, tmp_path):
    result = package_import(path=builder.write(tmp_path / "pkg"))

    rlist = RandomizationList.objects.get()
    assert rlist.source == "imported" and rlist.frozen_at is not None
    entries = ListEntry.objects.order_by("bottle_number")
    assert all("vitamin" not in e.arm_sealed and "placebo" not in e.arm_sealed for e in entries)
    assert [open_arm(e.arm_sealed) for e in entries] == [
        "vitamin_k2",
        "placebo",
        "placebo",
        "vitamin_k2",
    ]
    # The fingerprint is the SHA-256 of the canonical allocation.csv (the test
    # package writes it in that form).
    canonical = builder.csv_text("allocation.csv").encode()
    assert rlist.sha256 == result.list_sha256 == hashlib.sha256(canonical).hexdigest()
    given = set(
        Allocation.objects.values_list("participant__participant_id", "list_entry__bottle_number")
    )
    assert given == {("C1-001", 1), ("C1-002", 2), ("C2-001", 3)}


def test_remaining_protocol_weeks_are_scheduled_empty_but_not_after_withdrawal(builder, tmp_path):
    result = package_import(path=builder.write(tmp_path / "pkg"))

    # C1-002 withdrew on day 16 after randomization: intervention week 3 (starting
    # on day 14) is still scheduled, weeks 4-8 are not.
    assert result.scheduled_weeks == 1
    empty = DiaryWeek.objects.get(reached__isnull=True)
    assert (empty.participant.participant_id, empty.protocol_week.week) == ("C1-002", 3)
    assert empty.due_date == date(2023, 2, 7)


def test_history_records_every_imported_row_with_user_and_reason(builder, tmp_path):
    user = make_user("coordinator")
    package_import(path=builder.write(tmp_path / "pkg"), by_user=user)

    for model in (ScreeningRecord, Participant, DiaryWeek, AdverseEvent):
        history = model.history.all()
        assert history.count() == model.objects.count() > 0
        assert set(
            history.values_list("history_type", "history_user", "history_change_reason")
        ) == {("+", user.pk, "Imported from data package pkg")}
    record = DiaryWeek.history.filter(cramps=3).first()
    assert record.instance.duration_min == Decimal("2.5")


def test_package_without_trial_json_is_for_the_configured_trial(trial, builder, tmp_path):
    builder.trial_json = None
    result = package_import(path=builder.write(tmp_path / "pkg"))

    assert not result.trial_created and result.trial == trial
    assert Trial.objects.count() == 1
    assert Participant.objects.filter(trial=trial).count() == 3


def test_import_into_a_trial_that_holds_data_is_refused(trial, site_c1, builder, tmp_path):
    enrol(trial, site_c1)
    before = row_counts()

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    assert "already holds data" in str(refused.value.problems[0])
    assert row_counts() == before


def test_importing_twice_is_refused(builder, tmp_path):
    path = builder.write(tmp_path / "pkg")
    package_import(path=path)
    before = row_counts()

    with pytest.raises(PackageRefused, match="refused"):
        package_import(path=path)

    assert row_counts() == before


def test_trial_json_for_another_trial_is_refused(trial, builder, tmp_path):
    builder.trial_json["code"] = "OTHER"
    builder.trial_json["intervention_weeks"] = 6

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    messages = [str(p) for p in refused.value.problems]
    assert any(m.startswith("trial.json:code:") and "'OTHER'" in m for m in messages)
    assert any(m.startswith("trial.json:intervention_weeks:") for m in messages)
    assert Participant.objects.count() == 0


def test_protocol_deviations_are_imported_with_warnings(builder, tmp_path):
    builder.row("participants.csv", participant_id="C2-001")["age"] = "63"
    builder.row("screening.csv", screening_id="S003")["age"] = "63"
    # C2-001: one screening cramp in all (1 + 0).
    screening_2 = builder.row("diary.csv", participant_id="C2-001", phase="screening", week="2")
    screening_2.update(cramps="0", duration_min="", severity="")

    result = package_import(path=builder.write(tmp_path / "pkg"))

    warnings = [str(w) for w in result.warnings]
    assert result.warnings_total == len(warnings) == 3
    assert any(
        w.startswith("participants.csv:4:age:") and "aged 63" in w and "65" in w for w in warnings
    )
    assert any(
        w.startswith("participants.csv:4:randomized_on:") and "1 cramp " in w for w in warnings
    )
    # And the withdrawn participant's unobserved screening week.
    assert any(
        w.startswith("participants.csv:3:") and "1 of 2 screening weeks" in w for w in warnings
    )
    assert Participant.objects.get(participant_id="C2-001").age == 63


def test_byte_order_mark_is_allowed(builder, tmp_path):
    package_import(path=builder.write(tmp_path / "pkg", bom=True))

    assert set(Participant.objects.values_list("participant_id", flat=True)) == {
        "C1-001",
        "C1-002",
        "C2-001",
    }


def test_extra_columns_are_ignored_and_columns_may_come_in_any_order(builder, tmp_path):
    for name, columns in builder.columns.items():
        builder.columns[name] = [*reversed(columns), "remarks"]
    for rows in builder.rows.values():
        for row in rows:
            row["remarks"] = "not part of the package"

    result = package_import(path=builder.write(tmp_path / "pkg"))

    assert result.rows["diary.csv"] == 24
    assert Participant.objects.get(participant_id="C1-001").creatinine_mg_dl == Decimal("0.85")


def test_zip_with_files_at_its_root(builder, tmp_path):
    result = package_import(path=builder.write_zip(tmp_path / "pkg.zip"))

    assert result.rows["participants.csv"] == 3


def test_zip_with_the_files_inside_one_folder(builder, tmp_path):
    result = package_import(path=builder.write_zip(tmp_path / "pkg.zip", folder="vitk2-export"))

    assert result.rows["participants.csv"] == 3
    assert result.rows["diary.csv"] == 24


def test_allocation_is_optional(builder, tmp_path):
    del builder.rows["allocation.csv"]

    result = package_import(path=builder.write(tmp_path / "pkg"))

    assert result.list_sha256 is None and result.rows["allocation.csv"] == 0
    assert not RandomizationList.objects.exists()
    assert Participant.objects.get(participant_id="C2-001").bottle_number == 3


def test_diary_and_adverse_events_may_hold_only_their_header(builder, tmp_path):
    builder.rows["diary.csv"] = []
    builder.rows["adverse_events.csv"] = []

    result = package_import(path=builder.write(tmp_path / "pkg"))

    assert result.rows["diary.csv"] == result.rows["adverse_events.csv"] == 0
    # Every protocol week is scheduled, empty (C1-002's up to the withdrawal).
    assert DiaryWeek.objects.filter(reached__isnull=True).count() == 10 + 10 + 5


def test_imported_list_passes_the_fingerprint_check_of_the_randomization_list(builder, tmp_path):
    from diary.selectors.allocation import participant_arm_codes, randomization_list_check

    package_import(path=builder.write(tmp_path / "pkg"))

    check = randomization_list_check(randomization_list=RandomizationList.objects.get())
    assert check.intact
    assert participant_arm_codes(trial=Trial.objects.get()) == {
        "C1-001": "vitamin_k2",
        "C1-002": "placebo",
        "C2-001": "placebo",
    }


def _with_spares(builder):
    """Two spare bottles, one of each arm, in a block of their own (as lists are made)."""
    builder.columns["allocation.csv"].append("is_spare")
    for row in builder.rows["allocation.csv"]:
        row["is_spare"] = "0"
    for bottle, arm in ((5, "placebo"), (6, "vitamin_k2")):
        builder.rows["allocation.csv"].append(
            {
                "bottle_number": str(bottle),
                "arm_code": arm,
                "block": "2",
                "stratum": "",
                "is_spare": "1",
            }
        )


def test_spare_bottles_keep_their_flag(builder, tmp_path):
    _with_spares(builder)

    result = package_import(path=builder.write(tmp_path / "pkg"))

    spares = ListEntry.objects.filter(is_spare=True).values_list("bottle_number", flat=True)
    assert sorted(spares) == [5, 6]
    canonical = builder.csv_text("allocation.csv").encode()
    assert result.list_sha256 == hashlib.sha256(canonical).hexdigest()


def test_whatever_the_import_accepts_the_report_can_analyse(builder, tmp_path):
    """Values at the edges of what entry and import accept still give a report."""
    from analysis.services.reports import report_build, report_request_operator

    builder.row("screening.csv", screening_id="S004")["screened_on"] = "1900-01-01"
    week = builder.row("diary.csv", participant_id="C2-001", phase="intervention", week="3")
    week.update(cramps="32767", duration_min="9999.99", severity="10", capsules_missed="7")
    package_import(path=builder.write(tmp_path / "pkg"))

    for view in ("open", "unblinded"):
        report = report_request_operator(os_user="test", view=view)
        assert report_build(report=report).status == "done", report.error


def test_a_list_the_list_import_refuses_is_refused(builder, tmp_path):
    """Blocks out of the ratio: the web's list import refuses the list, so does this."""
    for row in builder.rows["allocation.csv"]:
        row["arm_code"] = "vitamin_k2"

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    assert any(
        p.file == "allocation.csv" and "ratio" in p.message for p in refused.value.problems
    ), [str(p) for p in refused.value.problems]
