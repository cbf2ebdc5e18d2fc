"""A real `celery beat` (django-celery-beat's database scheduler) and a real `celery
worker`, separate processes against the test PostgreSQL database and Redis, run a
schedule that is due now: the export appears, stored once although the schedule fires
again and again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks

from diary.models import ExportRun
from tests.analysis.stored_trial import stored_trial
from tests.integration.test_celery_worker import REDIS_URL, _database_url, _skip_reason

pytestmark = [pytest.mark.stack, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 120
SCHEDULE = "Test export every two seconds"


def _start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture
def celery_processes(transactional_db, tmp_path, settings):
    """Start a worker on a queue of its own and beat, with every schedule paused but one
    (due every two seconds, sent to that queue). Yields (queue, logs)."""
    reason = _skip_reason()
    if reason:
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)
    settings.MEDIA_ROOT = tmp_path / "media"
    queue = f"exports-test-{uuid.uuid4().hex[:12]}"
    PeriodicTask.objects.update(enabled=False)  # the defaults stay out of this test
    PeriodicTask.objects.create(
        name=SCHEDULE,
        task="diary.scheduled_data_export",
        interval=IntervalSchedule.objects.create(every=2, period=IntervalSchedule.SECONDS),
        kwargs=json.dumps({"formats": ["package", "codebook"]}),
        queue=queue,
        enabled=True,
    )
    PeriodicTasks.update_changed()
    # Local settings (not the test settings, which run every task in-process): with
    # REDIS_URL set, tasks go to Redis.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "APP_VAR_DIR": str(tmp_path / "var"),
        "APP_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "ALLOCATION_KEY": settings.ALLOCATION_KEY,
        "DJANGO_DEBUG": "false",
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    logs = {"worker": tmp_path / "worker.log", "beat": tmp_path / "beat.log"}
    processes = [
        _start(
            [
                *celery,
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
            ],
            env,
            logs["worker"],
        ),
        _start(
            [
                *celery,
                "beat",
                "--loglevel=INFO",
                "--scheduler=django_celery_beat.schedulers:DatabaseScheduler",
                "--max-interval=1",
                f"--pidfile={tmp_path / 'beat.pid'}",
            ],
            env,
            logs["beat"],
        ),
    ]
    try:
        yield queue, logs, processes
    finally:
        for process in processes:
            _stop(process)


def _log(logs: dict) -> str:
    return "\n".join(
        f"--- {name}\n{path.read_text(errors='replace')[-3000:]}" for name, path in logs.items()
    )


def test_beat_and_a_worker_run_a_due_schedule_and_store_the_export_once(celery_processes):
    queue, logs, processes = celery_processes
    stored_trial(randomized=4, seed=3)
    deadline = time.monotonic() + WAIT_SECONDS
    run = None
    while time.monotonic() < deadline:
        run = ExportRun.objects.filter(schedule=SCHEDULE, status=ExportRun.Status.DONE).first()
        if run is not None or any(p.poll() is not None for p in processes):
            break
        time.sleep(0.5)
    assert run is not None, f"no export appeared\n{_log(logs)}"
    assert run.requester == f"schedule:{SCHEDULE}" and not run.unblinded
    assert run.run_key == f"data:{SCHEDULE}@{timezone.localdate().isoformat()}"
    names = sorted(f.name for f in run.files.all())
    assert names == sorted(
        [f"export-{run.pk}-package.zip", f"export-{run.pk}-codebook.csv"]
        + [f"export-{run.pk}-codebook.html"]
    )
    for stored in run.files.all():
        assert (Path(settings.MEDIA_ROOT) / stored.file.name).stat().st_size == stored.size

    # The schedule keeps firing; the worker runs it again, and nothing more is stored.
    def runs_in_worker() -> int:
        text = logs["worker"].read_text(errors="replace")
        return sum(
            1
            for line in text.splitlines()
            if "Task diary.scheduled_data_export[" in line and "succeeded" in line
        )

    while time.monotonic() < deadline and runs_in_worker() < 3:
        time.sleep(0.5)
    beat_log = logs["beat"].read_text(errors="replace")
    assert runs_in_worker() >= 3, _log(logs)
    assert "Sending due task" in beat_log and SCHEDULE in beat_log
    assert ExportRun.objects.count() == 1
    run.refresh_from_db()
    assert run.attempts == 1 and run.files.count() == 3
