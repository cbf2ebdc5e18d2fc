"""What a research assistant and a statistician do over HTTP, shared by the stack tests."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from tests.stack.harness import StackClient, pg_fetch, wait_for

WEEK_LINK = re.compile(r'href="(/participants/([^/"]+)/weeks/(screening|intervention)/(\d+)/)"')
FILE_LINK = re.compile(r'href="(/reports/([0-9a-z]+)/files/([0-9a-z]+)/)"')
REPORT_URL = re.compile(r"/reports/([0-9a-z]+)/$")


def queue_links(client: StackClient) -> list[tuple[str, str, str, int]]:
    """The weekly calls offered on the call queue: (url, participant id, phase, week)."""
    page = client.get("/calls/")
    page.raise_for_status()
    seen, links = set(), []
    for url, pid, phase, week in WEEK_LINK.findall(page.text):
        if url not in seen:
            seen.add(url)
            links.append((url, pid, phase, int(week)))
    return links


def call_values(cramps: int, *, call_date: date | None = None) -> dict:
    values = {
        "reached": "yes",
        "call_date": (call_date or date.today()).isoformat(),
        "cramps": str(cramps),
        "capsules_missed": "1",
        "new_health_problem": "no",
    }
    if cramps:
        values.update(duration_min="2.5", severity="6.5")
    return values


def diary_week_row(database_url: str, participant_id: str, phase: str, week: int) -> dict:
    rows = pg_fetch(
        database_url,
        """
        SELECT w.id, w.reached, w.cramps, w.duration_min, w.severity, w.capsules_missed,
               w.attempts, (SELECT count(*) FROM diary_historicaldiaryweek h WHERE h.id = w.id)
        FROM diary_diaryweek w
        JOIN diary_participant p ON p.id = w.participant_id
        JOIN diary_protocolweek pw ON pw.id = w.protocol_week_id
        WHERE p.participant_id = %s AND pw.phase = %s AND pw.week = %s
        """,
        (participant_id, phase, week),
    )
    assert len(rows) == 1
    keys = ("id", "reached", "cramps", "duration_min", "severity", "capsules_missed",
            "attempts", "history_rows")  # fmt: skip
    return dict(zip(keys, rows[0], strict=True))


def request_report(client: StackClient) -> tuple[str, str]:
    """Ask for an ITT report (the user's default view) in every format; return its id and
    the page shown."""
    response = client.submit(
        "/reports/new/",
        {"imputation": "arm_week_mean", "formats": ["json", "html", "xlsx", "csv", "png"]},
    )
    response.raise_for_status()
    match = REPORT_URL.search(response.url)
    if not match:
        raise AssertionError(f"no report page after asking for a report:\n{response.text[:3000]}")
    return match.group(1), response.text


def report_status(database_url: str, report_id: str) -> tuple[str, int, str]:
    ((status, files, error),) = pg_fetch(
        database_url,
        "SELECT r.status, (SELECT count(*) FROM analysis_reportfile f WHERE f.report_id = r.id),"
        " r.error FROM analysis_report r WHERE r.id = %s",
        (report_id,),
    )
    return status, files, error


def wait_report_done(
    client: StackClient, database_url: str, report_id: str, *, timeout: float, watch=None
) -> str:
    """Poll the report's page until it is done; `watch(page, status)` sees every poll."""

    def done() -> str | None:
        page = client.get(f"/reports/{report_id}/")
        page.raise_for_status()
        status, _, error = report_status(database_url, report_id)
        if watch:
            watch(page.text, status)
        if status == "failed":
            raise AssertionError(f"report {report_id} failed: {error}")
        return page.text if status == "done" else None

    return wait_for(done, timeout=timeout, what=f"report {report_id} done", every=1)


def download_files(client: StackClient, database_url: str, page: str) -> dict[str, bytes]:
    """Download every file linked from a report page; check each against its recorded
    SHA-256 and size. Returns {file name: content}."""
    contents = {}
    for url, report_id, file_id in FILE_LINK.findall(page):
        response = client.get(url)
        assert response.status_code == 200, url
        ((name, sha256, size),) = pg_fetch(
            database_url,
            "SELECT file, sha256, size FROM analysis_reportfile WHERE id = %s AND report_id = %s",
            (file_id, report_id),
        )
        assert hashlib.sha256(response.content).hexdigest() == sha256, name
        assert len(response.content) == size, name
        contents[name.rsplit("/", 1)[-1]] = response.content
    return contents


def report_json(files: dict[str, bytes]) -> dict:
    (name,) = [n for n in files if n.endswith(".json")]
    return json.loads(files[name])
