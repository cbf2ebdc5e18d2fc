"""Faults on the real stack: a worker killed in the middle of a report job, Redis down,
PostgreSQL restarted, a request killed in the middle of a save. Nothing entered may be
lost or half-saved, and no half-made report may ever be shown."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.stack.flows import (
    FILE_LINK,
    call_values,
    diary_week_row,
    download_files,
    queue_links,
    report_json,
    report_status,
    request_report,
    wait_report_done,
)
from tests.stack.harness import (
    ROOT,
    PostgresCluster,
    StackClient,
    pg_binaries,
    pg_create_database,
    pg_fetch,
    pg_url,
    wait_for,
)

pytestmark = pytest.mark.stack

FAULTS_PATH = str(ROOT / "tests" / "stack" / "faults")


def _fault_env(fault_dir: Path, faults: str) -> dict[str, str]:
    fault_dir.mkdir(parents=True, exist_ok=True)
    return {"PYTHONPATH": FAULTS_PATH, "STACK_FAULTS": faults, "STACK_FAULT_DIR": str(fault_dir)}


def _marker(fault_dir: Path, name: str, *, timeout: float) -> int:
    """Wait until the fault `name` is reached; return the pid of the process there."""
    path = fault_dir / name
    wait_for(path.exists, timeout=timeout, what=f"the fault point {name}", every=0.2)
    return int(path.read_text())


def _login(stack, username: str) -> StackClient:
    client = StackClient(stack.base_url)
    client.login(username)
    return client


# -- the worker dies in the middle of a report job -----------------------------------------


def test_worker_killed_mid_report_restarts_and_finishes_with_no_partial_report_shown(
    make_stack, stack_db, redis_server, seed, tmp_path
):
    faults = tmp_path / "faults"
    stack = make_stack(
        database_url=stack_db,
        redis_url=redis_server.url,
        # The job is handed out again 10 s after the worker took it (default 30 min).
        CELERY_VISIBILITY_TIMEOUT=10,
        **_fault_env(faults, "report_attach_delay=300"),
    )
    stack.start()
    statistician = _login(stack, seed["staff"]["statistician"])
    report_id, _ = request_report(statistician)

    # The first attempt has rendered every file into its staging folder and is about to
    # attach them: kill the whole worker (its main process and its pool) right there.
    job_pid = _marker(faults, f"attach-{report_id}", timeout=180)
    worker = stack.pid("worker")
    assert job_pid in [worker, *stack.children(worker)]
    staging = Path(stack.env["APP_MEDIA_ROOT"]) / "reports" / ".staging"
    assert any(staging.iterdir()), "the job had not written its files yet"
    killed = stack.kill("worker")
    assert job_pid in killed

    def nothing_partial(page: str, status: str) -> None:
        if status != "done":
            assert FILE_LINK.search(page) is None, "a file of an unfinished report is offered"
            assert report_status(stack_db, report_id)[1] in (0, None)
            api = statistician.get(f"/api/reports/{report_id}/")
            assert api.status_code == 200
            assert api.json()["files"] == []

    status, files, _ = report_status(stack_db, report_id)
    assert (status, files) == ("running", 0)
    nothing_partial(statistician.get(f"/reports/{report_id}/").text, status)

    # bin/stack starts the worker again; the job comes back to it and completes.
    stack.wait_restarted("worker", worker, timeout=120)
    page = wait_report_done(statistician, stack_db, report_id, timeout=240, watch=nothing_partial)
    ((attempts,),) = pg_fetch(
        stack_db, "SELECT attempts FROM analysis_report WHERE id = %s", (report_id,)
    )
    assert attempts == 2
    files = download_files(statistician, stack_db, page)
    assert len(files) == 6  # json, html, xlsx, csv zip, two figures
    assert report_json(files)["consort"]["randomized"] == seed["participants"]
    assert list(staging.iterdir()) == []  # the killed attempt's files were cleared away


# -- Redis is down ---------------------------------------------------------------------------


def test_redis_down_keeps_data_entry_working_and_report_requests_fail_clearly(
    make_stack, stack_db, redis_server, seed
):
    stack = make_stack(database_url=stack_db, redis_url=redis_server.url)
    stack.start()
    ra = _login(stack, seed["research_assistants"][0])
    statistician = _login(stack, seed["staff"]["statistician"])
    links = queue_links(ra)
    assert len(links) >= 2

    redis_server.stop()

    for cramps, (url, pid, phase, week) in zip((0, 5), links[:2], strict=True):
        saved = ra.submit(url, call_values(cramps))
        assert saved.status_code == 200, saved.text[:2000]
        assert saved.url.endswith(url + "saved/")
        row = diary_week_row(stack_db, pid, phase, week)
        assert (row["reached"], row["cramps"]) == (True, cramps)

    started = time.monotonic()
    report_id, page = request_report(statistician)
    assert time.monotonic() - started < 30, "the request hung on the dead broker"
    assert "The job queue is unavailable, so the report was not started; retry later." in page
    status, files, error = report_status(stack_db, report_id)
    assert (status, files) == ("failed", 0)
    assert "job queue is unavailable" in error

    # Redis back: the same report is retried from its page and made by the worker.
    redis_server.start()

    def worker_reconnected() -> bool:
        return "Connected to redis" in stack.log().rsplit("Cannot connect to redis", 1)[-1]

    wait_for(worker_reconnected, timeout=120, what="the worker to reconnect to Redis", every=1)
    retry_page = statistician.get(f"/reports/{report_id}/")
    retried = statistician.post(
        f"/reports/{report_id}/retry/",
        {"csrfmiddlewaretoken": statistician.csrf_token(retry_page.text)},
    )
    assert retried.status_code == 200
    page = wait_report_done(statistician, stack_db, report_id, timeout=180)
    assert len(download_files(statistician, stack_db, page)) == 6


# -- PostgreSQL restarts ----------------------------------------------------------------------


@pytest.fixture
def pg_cluster(pg_server, stack_template):
    """A throwaway PostgreSQL cluster holding a copy of the seeded database."""
    if pg_binaries() is None:
        pytest.skip("the PostgreSQL server programs (initdb, pg_ctl) are not installed")
    cluster = PostgresCluster()
    try:
        cluster.init()
        cluster.start()
        url = pg_create_database(cluster.server_url, "trial")
        dump = subprocess.run(
            [str(cluster.bin / "pg_dump"), "--no-owner", "--dbname",
             pg_url(pg_server, stack_template["name"])],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        subprocess.run(
            [str(cluster.bin / "psql"), "--quiet", "--set", "ON_ERROR_STOP=1", "--dbname", url],
            input=dump.stdout,
            check=True,
            capture_output=True,
            timeout=300,
        )
        cluster.url = url
        yield cluster
    finally:
        cluster.destroy()


def test_postgres_restart_is_survived_without_restarting_the_app(
    make_stack, pg_cluster, redis_server, seed
):
    stack = make_stack(database_url=pg_cluster.url, redis_url=redis_server.url)
    stack.start()
    web, worker = stack.pid("web"), stack.pid("worker")
    gunicorn_workers = sorted(stack.children(web))
    ra = _login(stack, seed["research_assistants"][0])
    statistician = _login(stack, seed["staff"]["statistician"])
    links = queue_links(ra)  # every gunicorn worker now holds a persistent connection
    for _ in range(4):
        assert ra.get("/calls/").status_code == 200

    # Down: pages fail (they cannot be served without the database) ...
    pg_cluster.stop()
    down = ra.get("/calls/")
    assert down.status_code == 500
    # ... and back: the very next requests work, on fresh connections.
    pg_cluster.start()
    for _ in range(4):
        assert ra.get("/calls/").status_code == 200
    url, pid, phase, week = links[0]
    saved = ra.submit(url, call_values(2))
    assert saved.url.endswith(url + "saved/")
    assert diary_week_row(pg_cluster.url, pid, phase, week)["cramps"] == 2

    # A restart while connections are open, then a report: the worker recovers too.
    pg_cluster.restart()
    report_id, _ = request_report(statistician)
    page = wait_report_done(statistician, pg_cluster.url, report_id, timeout=180)
    assert download_files(statistician, pg_cluster.url, page)

    # Nothing was restarted to get there.
    assert (stack.pid("web"), stack.pid("worker")) == (web, worker)
    assert sorted(stack.children(web)) == gunicorn_workers
    assert "starting it again" not in stack.log()


# -- a request dies in the middle of a save ----------------------------------------------


def test_a_save_killed_or_failing_midway_leaves_no_half_saved_call(
    make_stack, stack_db, redis_server, seed, tmp_path
):
    faults = tmp_path / "faults"
    stack = make_stack(
        database_url=stack_db,
        redis_url=redis_server.url,
        **_fault_env(faults, "save_delay_cramps=77,save_fail_cramps=66"),
    )
    stack.start()
    ra = _login(stack, seed["research_assistants"][0])
    url, pid, phase, week = queue_links(ra)[0]
    before = diary_week_row(stack_db, pid, phase, week)
    assert before["reached"] is None

    # 1. The gunicorn worker is killed while the save's transaction is open: the diary
    #    week and its history row are written but not committed.
    token = ra.csrf_token(ra.get(url).text)
    outcome: dict = {}

    def post() -> None:
        try:
            outcome["response"] = ra.post(url, {**call_values(77), "csrfmiddlewaretoken": token})
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=post)
    thread.start()
    victim = _marker(faults, f"save-{before['id']}", timeout=60)
    assert victim in stack.children(stack.pid("web"))
    os.kill(victim, signal.SIGKILL)
    thread.join(timeout=60)
    assert "response" not in outcome or outcome["response"].status_code >= 500
    assert diary_week_row(stack_db, pid, phase, week) == before

    # 2. The save fails at the same point (as a database error would): a 500, nothing kept.
    failed = ra.post(url, {**call_values(66), "csrfmiddlewaretoken": token})
    assert failed.status_code == 500
    assert diary_week_row(stack_db, pid, phase, week) == before

    # The row is not left locked and the app goes on: the call is then saved, once.
    saved = ra.submit(url, call_values(4))
    assert saved.url.endswith(url + "saved/")
    after = diary_week_row(stack_db, pid, phase, week)
    assert (after["reached"], after["cramps"], after["attempts"]) == (True, 4, 1)
    assert after["history_rows"] == before["history_rows"] + 1
    (held,) = pg_fetch(
        stack_db,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND state = 'idle in transaction'",
    )
    assert held == (0,)
