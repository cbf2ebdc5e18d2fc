"""The differential blinding test for reports: what a blinded role learns by comparing two
honest reports.

Before the database lock, each blinded role that may ask for or read reports signs in,
asks for a report with every file (JSON, HTML, XLSX, CSV tables, PNG figures) on the
report pages, and downloads them. Then one participant changes through the services
(an adverse event, a withdrawal, a corrected diary value), the role asks for the report
again, and every value that differs between the two is located (JSON path, table row
and column, figure). Nothing that changed may belong to a group or compare groups:
the report must pool everyone, or the change would tell which group the participant
is in. It runs for a participant of each arm.

The last test puts back the report a blinded role could have before (groups A and B
before the lock) and shows the comparison finds the participant's group.
"""

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from analysis.models import Report
from analysis.render.figures import FIGURE_FORMATS, consort, figure2, figure_bytes, tipping
from analysis.services.reports import report_build, report_request_operator
from diary.models import DiaryWeek, Participant
from diary.selectors.allocation import participant_arm_codes
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.participants import participant_withdraw
from tests.blinding.outputs import changed, file_cells, json_cells, split_by_group
from tests.factories import make_user

ARMS = [
    {"code": "zq_active_7k", "label": "Quokkazine 40 mg", "role": "experimental", "ratio": 1},
    {"code": "wv_control_3p", "label": "Wombatrol dummy tablets", "role": "comparator", "ratio": 1},
]
CODES = {"A", "B", *(arm["code"] for arm in ARMS)}
LABELS = {"Group A", "Group B", *(arm["label"] for arm in ARMS)}
RANDOMIZED_ON = date(2023, 2, 1)
WEEKS_CALLED = 4
# Blinded roles that ask for or read reports; the others may open no report at all.
REPORT_ROLES = ["coordinator", "statistician"]
NO_REPORT_ROLES = ["research_assistant", "investigator"]
CHANGES = ["adverse_event", "withdrawal", "diary_value"]


def _one_of_each_arm(trial) -> dict[str, Participant]:
    arms = participant_arm_codes(trial=trial)
    chosen = {}
    for pid in sorted(arms):
        chosen.setdefault(arms[pid], Participant.objects.get(participant_id=pid))
    assert set(chosen) == {a["code"] for a in ARMS}
    return chosen


def _change(kind: str, participant: Participant, users: dict) -> None:
    """One participant changes, through the services, as staff would change them."""
    assistant = users["research_assistant"]
    if kind == "adverse_event":
        adverse_event_record(
            participant=participant,
            onset_on=RANDOMIZED_ON + timedelta(days=9),
            term="Fall at home",
            serious=True,
            grade="severe",
            relatedness="possible",
            outcome="Admitted to hospital",
            by_user=assistant,
        )
    elif kind == "withdrawal":
        participant_withdraw(
            participant=participant,
            withdrawn_on=RANDOMIZED_ON + timedelta(days=30),
            reason="Moved away",
            by_user=assistant,
        )
    else:
        week = DiaryWeek.objects.get(
            participant=participant, protocol_week__phase="intervention", protocol_week__week=1
        )
        cramps = (week.cramps or 0) + 6
        weekly_call_record(
            diary_week=week,
            reached=True,
            call_date=week.call_date,
            cramps=cramps,
            duration_min="4.5",
            severity="8",
            capsules_missed=week.capsules_missed,
            by_user=assistant,
            reason="the participant re-read their diary",
        )


def _report_as(role: str, users: dict, capture) -> dict[str, bytes]:
    """The role asks for a report on the report pages and downloads every file it made."""
    client = Client()
    client.force_login(users[role])
    with capture(execute=True):
        response = client.post(
            reverse("analysis:report_new"),
            {
                "imputation": "arm_week_mean",
                "formats": ["json", "html", "xlsx", "csv", "png", "svg", "pdf"],
            },
        )
    assert response.status_code == 302, response.content.decode()[:500]
    report_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]  # /reports/<id>/
    report = Report.objects.get(pk=report_id, requested_by=users[role])
    assert report.status == Report.Status.DONE, report.error
    return _download(client, report)


KIND_NAMES = {
    "json": "report.json",
    "html": "report.html",
    "xlsx": "report.xlsx",
    "csv": "report.zip",
}
FIGURES = {"figure2": figure2, "consort": consort, "point": tipping}


def _download(client: Client, report: Report) -> dict[str, bytes]:
    """{report.json, report.html, report.xlsx, report.zip, <figure>.<png|svg|pdf>,
    api.json: bytes}."""
    files = {}
    for stored in report.files.all():
        response = client.get(reverse("analysis:report_file", args=[report.pk, stored.pk]))
        assert response.status_code == 200
        name = KIND_NAMES.get(stored.kind) or stored.name.rsplit("-", 1)[-1]
        files[name] = b"".join(response.streaming_content)
    detail = client.get(f"/api/reports/{report.pk}/")
    assert detail.status_code == 200
    body = detail.json()  # the API's view of the report (ids, dates and hashes aside)
    body = {k: v for k, v in body.items() if k not in ("id", "files") and not k.endswith("_at")}
    files["api.json"] = json.dumps(body).encode()
    return files


def _figure(name: str) -> tuple[str, str] | None:
    """(figure, format) of a figure's file name ("consort.svg"), else None."""
    stem, _, fmt = name.rpartition(".")
    return (stem, fmt) if fmt in FIGURE_FORMATS and stem in FIGURES else None


def _figures_come_from_the_json(files: dict[str, bytes]) -> None:
    """The figures (PNG, SVG, PDF) are drawn from the report's JSON alone, so what the
    JSON check finds holds for them: redrawing them from the downloaded JSON gives the
    same bytes."""
    report = json.loads(files["report.json"])
    for name, data in files.items():
        if figure := _figure(name):
            stem, fmt = figure
            assert data == figure_bytes(FIGURES[stem](report), fmt), name


def _split_changes(before: dict[str, bytes], after: dict[str, bytes]) -> list[tuple]:
    """Every changed value, in every file, that belongs to a group or compares groups."""
    assert before.keys() == after.keys()
    found = []
    for name in sorted(before):
        if _figure(name):
            continue  # checked through the JSON they are drawn from
        cells_before, cells_after = file_cells(name, before[name]), file_cells(name, after[name])
        found += [
            (name, key)
            for key in changed(cells_before, cells_after)
            if split_by_group(key, CODES, LABELS)
        ]
    return found


@pytest.mark.parametrize("role", REPORT_ROLES)
def test_no_change_of_one_participant_shows_in_a_group_before_the_lock(
    trial_with_data, django_capture_on_commit_callbacks, role
):
    trial, users = trial_with_data
    chosen = _one_of_each_arm(trial)
    before = _report_as(role, users, django_capture_on_commit_callbacks)
    problems = []
    for arm, participant in chosen.items():
        for kind in CHANGES:
            _change(kind, participant, users)
            after = _report_as(role, users, django_capture_on_commit_callbacks)
            assert [a["code"] for a in json.loads(after["report.json"])["arms"]] == ["all"]
            _figures_come_from_the_json(after)
            moved = changed(json_cells(before["report.json"]), json_cells(after["report.json"]))
            assert moved, f"{kind} of a participant of {arm} changed nothing"
            problems += [(arm, kind, *p) for p in _split_changes(before, after)]
            before = after
    assert problems == [], "\n".join(map(str, problems[:30]))


@pytest.mark.parametrize("role", NO_REPORT_ROLES)
def test_roles_without_reports_reach_no_report(trial_with_data, role):
    trial, users = trial_with_data
    report = report_build(report=report_request_operator(os_user="ops", formats=["json"]))
    client = Client()
    client.force_login(users[role])
    for url in (
        reverse("analysis:reports"),
        reverse("analysis:report", args=[report.pk]),
        reverse("analysis:report_file", args=[report.pk, report.files.get().pk]),
        "/api/reports/",
    ):
        assert client.get(url).status_code == 403, url


def test_the_comparison_finds_the_group_in_a_report_by_group_before_the_lock(trial_with_data):
    """The control: the groups A and B that blinded roles were given before the lock
    (today a closed report) betray the group of the participant who changed."""
    trial, users = trial_with_data
    participant = next(iter(_one_of_each_arm(trial).values()))
    client = Client()
    client.force_login(make_user("unblinded_statistician"))

    def coded() -> dict[str, bytes]:
        report = report_build(report=report_request_operator(os_user="ops", view="coded"))
        return _download(client, report)

    before = coded()
    _change("adverse_event", participant, users)
    found = _split_changes(before, coded())
    assert {name for name, _ in found} == {
        "report.json",
        "report.html",
        "report.xlsx",
        "report.zip",
    }
