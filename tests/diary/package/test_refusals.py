"""Bad packages are refused whole: every problem named by file, line and column,
and not one row written."""

from datetime import timedelta

import pytest

from diary.package.problems import PackageRefused
from diary.services.package_import import package_import
from tests.diary.package.builders import row_counts

pytestmark = pytest.mark.django_db


def _diary_row(b, pid="C1-001", phase="intervention", week="2"):
    return b.row("diary.csv", participant_id=pid, phase=phase, week=week)


def _set(b, name, match, **cells):
    row = b.row(name, **match)
    row.update(cells)
    return b.line_of(name, row)


def out_of_range_severity(b):
    row = _diary_row(b)
    row["severity"] = "11"
    return "diary.csv", b.line_of("diary.csv", row), "severity", "11 is outside 1-10"


def non_numeric_count(b):
    row = _diary_row(b)
    row["cramps"] = "two"
    return "diary.csv", b.line_of("diary.csv", row), "cramps", "'two' is not a number"


def fractional_count(b):
    row = _diary_row(b)
    row["cramps"] = "2.5"
    return "diary.csv", b.line_of("diary.csv", row), "cramps", "'2.5' is not a whole number"


def negative_count(b):
    row = _diary_row(b)
    row["cramps"] = "-1"
    return "diary.csv", b.line_of("diary.csv", row), "cramps", "-1 is negative"


def negative_duration(b):
    row = _diary_row(b)
    row["duration_min"] = "-2"
    return "diary.csv", b.line_of("diary.csv", row), "duration_min", "not more than 0"


def impossible_date(b):
    line = _set(b, "participants.csv", {"participant_id": "C1-001"}, consented_on="2023-02-30")
    return "participants.csv", line, "consented_on", "2023-02-30 is not a date that exists"


def non_iso_date(b):
    line = _set(b, "screening.csv", {"screening_id": "S004"}, screened_on="02/01/2023")
    return "screening.csv", line, "screened_on", "not an ISO date"


def unknown_bottle(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, bottle_number="99")
    return "participants.csv", line, "bottle_number", "unknown bottle_number 99"


def unknown_site(b):
    line = _set(b, "screening.csv", {"screening_id": "S005"}, site_code="C9")
    return "screening.csv", line, "site_code", "unknown site_code 'C9'"


def unknown_participant(b):
    row = _diary_row(b)
    row["participant_id"] = "C9-999"
    return "diary.csv", b.line_of("diary.csv", row), "participant_id", "unknown participant_id"


def unknown_screening(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, screening_id="S999")
    return "participants.csv", line, "screening_id", "unknown screening_id 'S999'"


def unknown_arm(b):
    line = _set(b, "allocation.csv", {"bottle_number": "4"}, arm_code="vitamin_d")
    return "allocation.csv", line, "arm_code", "unknown arm_code 'vitamin_d'"


def screening_not_enrolled(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, screening_id="S004")
    return "participants.csv", line, "screening_id", "has outcome 'declined'"


def duplicate_participant_week(b):
    row = _diary_row(b)
    b.rows["diary.csv"].append(dict(row))
    first = b.line_of("diary.csv", row)
    last = len(b.rows["diary.csv"]) + 1
    return (
        "diary.csv",
        last,
        "week",
        f"duplicate participant-week (C1-001, intervention week 2; first on line {first})",
    )


def duplicate_participant(b):
    row = dict(b.row("participants.csv", participant_id="C1-001"))
    row.update(screening_id="S006", bottle_number="4")
    b.rows["participants.csv"].append(row)
    return "participants.csv", 5, "participant_id", "duplicate participant_id 'C1-001'"


def duplicate_bottle_on_the_list(b):
    b.rows["allocation.csv"].append({"bottle_number": "2", "arm_code": "placebo", "block": "1"})
    return "allocation.csv", 6, "bottle_number", "duplicate bottle_number 2"


def duplicate_bottle_among_participants(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, bottle_number="1")
    return "participants.csv", line, "bottle_number", "duplicate bottle_number 1"


def duplicate_screening_id(b):
    b.rows["screening.csv"].append(dict(b.row("screening.csv", screening_id="S004")))
    return "screening.csv", 8, "screening_id", "duplicate screening_id 'S004'"


def missing_column(b):
    b.columns["diary.csv"].remove("severity")
    return "diary.csv", 1, "severity", "required column is missing"


def missing_file(b):
    del b.rows["sites.csv"]
    return "sites.csv", None, None, "the file is missing"


def missing_trial_json_without_a_configured_trial(b):
    b.trial_json = None
    return "trial.json", None, None, "no trial is configured yet"


def bad_enum(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, grade="Mild")
    return "adverse_events.csv", line, "grade", "'Mild' is not one of mild, moderate, severe"


def bad_sex(b):
    line = _set(b, "screening.csv", {"screening_id": "S005"}, sex="f")
    return "screening.csv", line, "sex", "'f' is not one of F, M"


def bad_phase(b):
    row = _diary_row(b)
    row["phase"] = "treatment"
    return "diary.csv", b.line_of("diary.csv", row), "phase", "'treatment' is not one of"


def bad_boolean(b):
    row = _diary_row(b)
    row["reached"] = "yes"
    return "diary.csv", b.line_of("diary.csv", row), "reached", "'yes' is not a boolean (0 or 1)"


def bad_boolean_true(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, serious="true")
    return "adverse_events.csv", line, "serious", "'true' is not a boolean"


def randomized_before_consent(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, randomized_on="2023-01-02")
    return "participants.csv", line, "randomized_on", "before consent 2023-01-03"


def consent_before_screening(b):
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, consented_on="2023-01-01")
    return "participants.csv", line, "consented_on", "before screening S003 on 2023-01-02"


def withdrawn_before_randomization(b):
    match = {"participant_id": "C1-002"}
    line = _set(b, "participants.csv", match, withdrawn_on="2023-01-10")
    return "participants.csv", line, "withdrawn_on", "before randomization 2023-01-17"


def resolved_before_onset(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, resolved_on="2023-01-19")
    return "adverse_events.csv", line, "resolved_on", "before onset 2023-01-20"


def call_date_before_its_week_start(b):
    # Intervention week 3 begins on randomized_on + 14 days = 2023-01-31.
    row = _diary_row(b, week="3")
    row["call_date"] = "2023-01-30"
    expected = "before intervention week 3 began (2023-01-31 = randomized_on + 14 days)"
    return "diary.csv", b.line_of("diary.csv", row), "call_date", expected


def intervention_week_outside_protocol(b):
    row = _diary_row(b, week="8")
    row["week"] = "9"
    return (
        "diary.csv",
        b.line_of("diary.csv", row),
        "week",
        "week 9 is outside the intervention weeks 1-8",
    )


def screening_week_outside_protocol(b):
    row = _diary_row(b, phase="screening", week="2")
    row["week"] = "3"
    return (
        "diary.csv",
        b.line_of("diary.csv", row),
        "week",
        "week 3 is outside the screening weeks 1-2",
    )


def cramps_missing_when_reached(b):
    row = _diary_row(b, week="3")  # 0 cramps: no duration or severity to clear
    row["cramps"] = ""
    return "diary.csv", b.line_of("diary.csv", row), "cramps", "missing value (reached is 1)"


def values_when_not_reached(b):
    row = _diary_row(b)
    row["reached"] = "0"
    return "diary.csv", b.line_of("diary.csv", row), "cramps", "must be empty when reached is 0"


def severity_when_no_cramps(b):
    row = _diary_row(b, week="3")
    row["severity"] = "5"
    return "diary.csv", b.line_of("diary.csv", row), "severity", "must be empty when cramps is 0"


def duration_missing_with_cramps(b):
    row = _diary_row(b)
    row["duration_min"] = ""
    return "diary.csv", b.line_of("diary.csv", row), "duration_min", "missing value (cramps > 0)"


def capsules_out_of_range(b):
    row = _diary_row(b)
    row["capsules_missed"] = "8"
    return "diary.csv", b.line_of("diary.csv", row), "capsules_missed", "8 is outside 0-7"


def too_many_decimals(b):
    row = _diary_row(b)
    row["severity"] = "5.125"
    return "diary.csv", b.line_of("diary.csv", row), "severity", "more than 2 decimal places"


def withdrawal_without_reason(b):
    line = _set(b, "participants.csv", {"participant_id": "C1-002"}, withdrawal_reason="")
    return "participants.csv", line, "withdrawal_reason", "missing value"


def creatinine_in_the_wrong_unit(b):
    line = _set(b, "participants.csv", {"participant_id": "C1-001"}, creatinine_mg_dl="75")
    return "participants.csv", line, "creatinine_mg_dl", "75 is outside 0.1-20"


def text_too_long(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, outcome="x" * 101)
    return "adverse_events.csv", line, "outcome", "longer than 100 characters"


# -- entry's rules, applied on import as entry applies them ------------------------------


def reached_week_after_withdrawal(b):
    # C1-002 withdrew on randomized_on + 16 days; intervention week 4 began on day 21.
    b.rows["diary.csv"].append(
        {
            "participant_id": "C1-002",
            "phase": "intervention",
            "week": "4",
            "call_date": "2023-02-14",
            "reached": "1",
            "cramps": "0",
            "capsules_missed": "0",
        }
    )
    line = len(b.rows["diary.csv"]) + 1
    return "diary.csv", line, "reached", "after the withdrawal on 2023-02-02"


def date_in_the_year_2571(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, resolved_on="2571-01-01")
    return "adverse_events.csv", line, "resolved_on", "outside 1900-01-01 to 2100-12-31"


def date_in_the_future(b):
    from django.utils import timezone

    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, resolved_on=later)
    return "adverse_events.csv", line, "resolved_on", "is in the future"


def identifier_with_a_slash(b):
    line = _set(b, "screening.csv", {"screening_id": "S005"}, screening_id="S/../../admin")
    return "screening.csv", line, "screening_id", "is not valid"


def site_code_with_a_space(b):
    b.rows["sites.csv"].append({"site_code": "C 3", "name": "Centre 3"})
    return "sites.csv", len(b.rows["sites.csv"]) + 1, "site_code", "is not valid"


def control_character_in_a_term(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, term="Head\x0bache")
    return "adverse_events.csv", line, "term", "control characters (U+000B)"


def study_id_of_another_site(b):
    b.trial_json["site_prefixed_ids"] = True
    line = _set(b, "participants.csv", {"participant_id": "C2-001"}, site_code="C1")
    return "participants.csv", line, "participant_id", "does not start with its site's code C1-"


def screening_call_before_its_week_start(b):
    # Screening week 2 of C1-001 begins on consented_on + 7 days = 2023-01-10.
    row = b.row("diary.csv", participant_id="C1-001", phase="screening", week="2")
    row["call_date"] = "2023-01-09"
    expected = "before screening week 2 began (2023-01-10 = consented_on + 7 days)"
    return "diary.csv", b.line_of("diary.csv", row), "call_date", expected


def adverse_event_before_consent(b):
    line = _set(b, "adverse_events.csv", {"term": "Nausea"}, onset_on="2023-01-01")
    return "adverse_events.csv", line, "onset_on", "before the participant's consent"


def treatment_stopped_before_randomization(b):
    line = _set(
        b,
        "participants.csv",
        {"participant_id": "C2-001"},
        treatment_stopped_on="2023-01-10",
        treatment_stop_reason="Nausea",
    )
    return "participants.csv", line, "treatment_stopped_on", "before randomization"


def treatment_stopped_without_a_reason(b):
    line = _set(
        b, "participants.csv", {"participant_id": "C2-001"}, treatment_stopped_on="2023-02-01"
    )
    return "participants.csv", line, "treatment_stop_reason", "missing value"


def treatment_stopped_after_withdrawal(b):
    match = {"participant_id": "C1-002"}
    line = _set(
        b, "participants.csv", match, treatment_stopped_on="2023-02-10", treatment_stop_reason="x"
    )
    return "participants.csv", line, "treatment_stopped_on", "after the withdrawal"


BAD_PACKAGES = [
    reached_week_after_withdrawal,
    date_in_the_year_2571,
    date_in_the_future,
    identifier_with_a_slash,
    site_code_with_a_space,
    control_character_in_a_term,
    study_id_of_another_site,
    screening_call_before_its_week_start,
    adverse_event_before_consent,
    treatment_stopped_before_randomization,
    treatment_stopped_without_a_reason,
    treatment_stopped_after_withdrawal,
    out_of_range_severity,
    non_numeric_count,
    fractional_count,
    negative_count,
    negative_duration,
    impossible_date,
    non_iso_date,
    unknown_bottle,
    unknown_site,
    unknown_participant,
    unknown_screening,
    unknown_arm,
    screening_not_enrolled,
    duplicate_participant_week,
    duplicate_participant,
    duplicate_bottle_on_the_list,
    duplicate_bottle_among_participants,
    duplicate_screening_id,
    missing_column,
    missing_file,
    missing_trial_json_without_a_configured_trial,
    bad_enum,
    bad_sex,
    bad_phase,
    bad_boolean,
    bad_boolean_true,
    randomized_before_consent,
    consent_before_screening,
    withdrawn_before_randomization,
    resolved_before_onset,
    call_date_before_its_week_start,
    intervention_week_outside_protocol,
    screening_week_outside_protocol,
    cramps_missing_when_reached,
    values_when_not_reached,
    severity_when_no_cramps,
    duration_missing_with_cramps,
    capsules_out_of_range,
    too_many_decimals,
    withdrawal_without_reason,
    creatinine_in_the_wrong_unit,
    text_too_long,
]


@pytest.mark.parametrize("spoil", BAD_PACKAGES, ids=lambda f: f.__name__)
def test_bad_package_is_refused_with_file_line_and_column(spoil, builder, tmp_path):
    file, line, column, fragment = spoil(builder)

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    places = {(p.file, p.line, p.column): p.message for p in refused.value.problems}
    assert (file, line, column) in places, [str(p) for p in refused.value.problems]
    assert fragment in places[(file, line, column)]
    assert set(row_counts().values()) == {0}


def test_problem_reads_file_line_column_message(builder, tmp_path):
    out_of_range_severity(builder)

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    assert [str(p) for p in refused.value.problems] == ["diary.csv:5:severity: 11 is outside 1-10"]


def test_every_problem_is_listed_not_only_the_first(builder, tmp_path):
    for row in builder.rows["diary.csv"]:
        row["reached"] = "2"  # 24 rows
    for row in builder.rows["screening.csv"]:
        row["screened_on"] = "2023-13-01"  # 6 rows
        row["age"] = "old"  # 6 rows
    builder.rows["adverse_events.csv"] *= 15
    for row in builder.rows["adverse_events.csv"]:
        row["relatedness"] = "maybe"  # 30 rows

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    problems = refused.value.problems
    assert refused.value.total == len(problems) >= 66
    assert sum(p.file == "diary.csv" and p.column == "reached" for p in problems) == 24
    assert sum(p.column == "relatedness" for p in problems) == 30
    assert ("screening.csv", 7, "age") in {(p.file, p.line, p.column) for p in problems}
    assert set(row_counts().values()) == {0}


def test_lines_are_physical_lines_when_a_cell_spans_several(builder, tmp_path):
    builder.row("screening.csv", screening_id="S004")["reason"] = "Declined:\nbusy\nfar away"
    # S005 is written after the three-line cell: on line 5 + 2.
    builder.row("screening.csv", screening_id="S005")["sex"] = "X"

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    assert [str(p) for p in refused.value.problems] == [
        "screening.csv:8:sex: 'X' is not one of F, M"
    ]


def test_a_second_randomization_list_is_refused(trial, builder, tmp_path):
    from diary.crypto import seal_arm
    from diary.models import ListEntry, RandomizationList

    rlist = RandomizationList.objects.create(trial=trial, source="generated", sha256="0" * 64)
    ListEntry.objects.create(
        randomization_list=rlist, bottle_number=1, arm_sealed=seal_arm("placebo")
    )
    builder.trial_json = None
    before = row_counts()

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    messages = [str(p) for p in refused.value.problems]
    assert "allocation.csv: the trial already has a randomization list" in messages[0]
    assert row_counts() == before


def test_bottles_are_checked_against_the_list_held_when_the_package_has_none(
    trial, builder, tmp_path
):
    from diary.crypto import seal_arm
    from diary.models import ListEntry, RandomizationList

    rlist = RandomizationList.objects.create(trial=trial, source="generated", sha256="0" * 64)
    for bottle in (1, 2):
        ListEntry.objects.create(
            randomization_list=rlist, bottle_number=bottle, arm_sealed=seal_arm("placebo")
        )
    builder.trial_json = None
    del builder.rows["allocation.csv"]

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    assert [str(p) for p in refused.value.problems] == [
        "participants.csv:4:bottle_number: unknown bottle_number 3 (not on the randomization list)"
    ]


def test_a_zip_with_package_files_in_two_folders_is_refused(builder, tmp_path):
    import zipfile

    path = tmp_path / "pkg.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in builder.files().items():
            archive.writestr(f"a/{name}", data)
        archive.writestr("b/sites.csv", builder.files()["sites.csv"])

    with pytest.raises(PackageRefused, match="refused") as refused:
        package_import(path=path)

    assert "several places (a/, b/)" in str(refused.value.problems[0])


def test_a_path_that_is_neither_folder_nor_zip_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)

    assert str(refused.value.problems[0]).endswith("notes.txt: not a folder or a zip file")


def test_a_file_that_is_not_utf8_is_refused(builder, tmp_path):
    builder.row("screening.csv", screening_id="S005")["reason"] = "Gef\u00e4\u00dfe"
    path = builder.write(tmp_path / "pkg")
    (path / "screening.csv").write_bytes(builder.csv_text("screening.csv").encode("latin-1"))

    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)

    assert [str(p) for p in refused.value.problems] == [
        "screening.csv:6: the file is not UTF-8 text"
    ]


def test_a_bad_trial_json_is_refused(builder, tmp_path):
    builder.trial_json["arms"][1]["role"] = "experimental"
    builder.trial_json["screening_weeks"] = 0

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    messages = [str(p) for p in refused.value.problems]
    assert "trial.json:screening_weeks: 0 is outside 1-8" in messages
    assert "trial.json:arms: one arm must be experimental and the other comparator" in messages
    assert set(row_counts().values()) == {0}


def test_trial_json_text_with_control_characters_is_refused(builder, tmp_path):
    builder.trial_json["title"] = "Vit\u0007amin K2"
    builder.trial_json["arms"][0]["label"] = "Vitamin\u001b K2"

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    messages = [str(p) for p in refused.value.problems]
    assert any(
        m.startswith("trial.json:title: holds control characters (U+0007)") for m in messages
    )
    assert any(m.startswith("trial.json:arms[0].label: holds control characters") for m in messages)
    assert set(row_counts().values()) == {0}


def test_an_analysis_plan_the_report_cannot_use_is_refused(builder, tmp_path):
    """Whatever the import accepts, the report can analyse."""
    builder.trial_json["analysis_plan"] = {"imputation": "bogus"}

    with pytest.raises(PackageRefused) as refused:
        package_import(path=builder.write(tmp_path / "pkg"))

    messages = [str(p) for p in refused.value.problems]
    assert "trial.json:analysis_plan: the analysis plan has unknown keys: imputation" in messages
    assert set(row_counts().values()) == {0}


def test_a_row_with_more_cells_than_the_header_is_refused(builder, tmp_path):
    path = builder.write(tmp_path / "pkg")
    with (path / "sites.csv").open("a") as sites:
        sites.write("C3,Centre 3,\n")  # an empty trailing cell is harmless
        sites.write("C4,Centre 4,Mr Smith\n")

    with pytest.raises(PackageRefused) as refused:
        package_import(path=path)

    assert [str(p) for p in refused.value.problems] == [
        "sites.csv:5: the row has 3 cells; the header has 2"
    ]
