"""The real stack on loopback: bin/stack starts gunicorn, a Celery worker and beat
against PostgreSQL and Redis; a research assistant logs in and records a weekly call,
a statistician asks for an ITT report and downloads it once the worker has made it."""

import re
import subprocess
import uuid

import pytest
import requests
from cryptography.fernet import Fernet

from tests.stack.flows import (
    call_values,
    diary_week_row,
    download_files,
    queue_links,
    report_json,
    request_report,
    wait_report_done,
)
from tests.stack.harness import (
    ROOT,
    RedisServer,
    StackClient,
    build_stack,
    manage,
    pg_create_database,
    pg_drop_database,
    pg_fetch,
    wait_for,
)

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack_db(pg_server, stack_template):
    name = f"stack_{uuid.uuid4().hex[:10]}"
    yield pg_create_database(pg_server, name, template=stack_template["name"])
    pg_drop_database(pg_server, name)


@pytest.fixture(scope="module")
def stack(stack_template, stack_db, tmp_path_factory):
    """One stack for the module, started the full way: bin/stack migrates and collects
    static files itself."""
    workdir = tmp_path_factory.mktemp("happy")
    redis_server = RedisServer(workdir / "redis")
    redis_server.start()
    stack = build_stack(
        stack_template,
        workdir,
        database_url=stack_db,
        redis_url=redis_server.url,
        skip_setup=False,
    )
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        redis_server.stop()
        print(f"--- {stack.log_path} (last lines) ---\n{stack.log()[-4000:]}")


def test_health_static_files_and_https_headers_through_gunicorn(stack):
    client = StackClient(stack.base_url)
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    css = client.get("/static/diary/app.css")
    assert css.status_code == 200
    assert css.headers["Content-Type"].startswith("text/css")
    login = client.get("/accounts/login/")
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in login.headers["Content-Security-Policy"]
    assert "Secure" in login.headers["Set-Cookie"]
    # Plain HTTP that did not come through the TLS proxy is sent to HTTPS.
    plain = requests.get(stack.base_url + "/accounts/login/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://")


def test_enter_a_weekly_call_then_get_the_itt_report(stack, stack_db, seed):
    ra = StackClient(stack.base_url)
    ra.login(seed["research_assistants"][0])
    links = queue_links(ra)
    assert links, "the call queue is empty"
    url, pid, phase, week = links[0]
    before = diary_week_row(stack_db, pid, phase, week)
    assert before["reached"] is None

    saved = ra.submit(url, call_values(3))
    assert saved.status_code == 200
    assert saved.url.endswith(url + "saved/")
    after = diary_week_row(stack_db, pid, phase, week)
    assert (after["reached"], after["cramps"], after["capsules_missed"]) == (True, 3, 1)
    assert (str(after["duration_min"]), str(after["severity"])) == ("2.50", "6.50")
    assert after["history_rows"] == before["history_rows"] + 1
    ((who,),) = pg_fetch(
        stack_db,
        "SELECT u.username FROM diary_historicaldiaryweek h JOIN auth_user u"
        " ON u.id = h.history_user_id WHERE h.id = %s ORDER BY h.history_id DESC LIMIT 1",
        (after["id"],),
    )
    assert who == seed["research_assistants"][0]

    statistician = StackClient(stack.base_url)
    statistician.login(seed["staff"]["statistician"])
    report_id, _ = request_report(statistician)
    page = wait_report_done(statistician, stack_db, report_id, timeout=180)
    files = download_files(statistician, stack_db, page)
    assert {name.rsplit(".", 1)[-1] for name in files} == {"json", "html", "xlsx", "zip", "png"}
    report = report_json(files)
    assert report["schema"] == "itt-report/1"
    assert (report["view"], report["blinded"]) == ("open", True)  # before the lock
    assert report["consort"]["randomized"] == seed["participants"]
    assert [arm["code"] for arm in report["arms"]] == ["all"]
    # Blinded: no arm code or label anywhere in what the statistician downloaded.
    arms = pg_fetch(stack_db, "SELECT code, label FROM diary_arm")
    for content in files.values():
        for code, label in arms:
            assert code.encode() not in content
            assert label.encode() not in content


def test_the_stack_refuses_to_start_with_another_allocation_key(stack_template, stack_db, tmp_path):
    """The database restored on a server given another key: the deployment check stops
    bin/stack before it starts anything."""
    redis_server = RedisServer(tmp_path / "redis")
    redis_server.start()
    try:
        other = build_stack(
            stack_template,
            tmp_path,
            database_url=stack_db,
            redis_url=redis_server.url,
            skip_setup=False,
            ALLOCATION_KEY=Fernet.generate_key().decode(),
        )
        result = subprocess.run(
            [str(ROOT / "bin" / "stack")],
            env=other.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        redis_server.stop()
    assert result.returncode != 0
    assert "(diary.E002) The randomization list cannot be read with this ALLOCATION_KEY" in (
        result.stderr + result.stdout
    )
    assert "stack: error: the deployment check failed" in result.stderr
    assert "web started" not in result.stdout


# A one-off schedule due now, for Celery's own housekeeping task: nothing else in the
# app sends it, so the worker's log line names this schedule's run alone.
ONE_OFF = """
from django.utils import timezone
from django_celery_beat.models import ClockedSchedule, PeriodicTask
PeriodicTask.objects.create(
    name="stack test: one-off",
    task="celery.backend_cleanup",
    clocked=ClockedSchedule.objects.create(clocked_time=timezone.now()),
    one_off=True,
)
"""


def test_beat_sends_a_due_schedule_from_the_database_and_the_worker_runs_it(stack):
    assert "celery.backend_cleanup" not in stack.log()
    manage(stack.env, "shell", "--no-imports", "-c", ONE_OFF)
    wait_for(
        lambda: "Sending due task stack test: one-off (celery.backend_cleanup)" in stack.log(),
        timeout=60,
        what="beat to send the schedule",
    )
    wait_for(
        lambda: re.search(r"Task celery\.backend_cleanup\[[^\]]+\] succeeded", stack.log()),
        timeout=60,
        what="the worker to run the scheduled task",
    )
