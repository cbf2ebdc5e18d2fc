"""A real Celery worker (a separate process, Redis as broker, the test PostgreSQL
database) builds a report requested through the service."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
from django.conf import settings
from django.db import connection

from analysis.dataset import canonical_sha256
from analysis.loader import itt_dataset
from analysis.models import Report
from analysis.services.reports import report_request
from analysis.tasks import generate_itt_report
from config.celery import app as celery_app
from tests.analysis.stored_trial import stored_trial
from tests.factories import make_user

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
WAIT_SECONDS = 180


def _skip_reason() -> str | None:
    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL (DATABASE_URL=postgres://...) so that the worker process "
            "can read the test database"
        )
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        return f"Redis is not reachable at {REDIS_URL}: {exc}"
    return None


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, settings):
    reason = _skip_reason()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"reports-test-{uuid.uuid4().hex[:12]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "APP_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ALLOCATION_KEY": settings.ALLOCATION_KEY,
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--loglevel=INFO",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield queue, process, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _publish_to(queue: str):
    """Send the task to the test's own queue on Redis (not in-process)."""

    def delay(report_id: int):
        with celery_app.connection_for_write(REDIS_URL) as conn:
            return generate_itt_report.apply_async((report_id,), connection=conn, queue=queue)

    return delay


def test_a_real_worker_builds_the_requested_report(worker, monkeypatch):
    queue, process, log = worker
    trial = stored_trial(randomized=12, seed=9)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr("analysis.tasks.generate_itt_report.delay", _publish_to(queue))

    report = report_request(by_user=make_user("statistician"), formats=["json", "html"])

    deadline = time.monotonic() + WAIT_SECONDS
    seen = set()
    while time.monotonic() < deadline:
        report.refresh_from_db()
        seen.add(report.status)
        if report.is_finished or process.poll() is not None:
            break
        time.sleep(0.5)
    output = log.read_text(errors="replace")
    assert report.status == Report.Status.DONE, f"{report.status}: {report.error}\n{output[-4000:]}"
    assert "analysis.generate_itt_report" in output  # it ran in the worker, not here
    assert report.attempts == 1
    names = sorted(f.name for f in report.files.all())
    assert names == [f"itt-report-{report.pk}.html", f"itt-report-{report.pk}.json"]
    json_file = report.files.get(kind="json")
    path = Path(settings.MEDIA_ROOT) / json_file.file.name
    data = json.loads(path.read_bytes())
    assert data["blinded"] is True
    # A blinded report hashes the data without the allocation.
    dataset = itt_dataset(trial=trial)
    blinded_data = replace(dataset, participants=dataset.participants.assign(arm_code=pd.NA))
    assert data["data_sha256"] == report.data_sha256 == canonical_sha256(blinded_data)
