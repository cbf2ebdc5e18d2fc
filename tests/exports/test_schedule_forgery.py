"""Schedules cannot forge the audit trail: who ran a task is recorded by the app
("Run now" in the admin records the user, keyed by the task's id), never read from
message headers a coordinator can set on a periodic task; and headers cannot bypass
the once-per-period rule."""

import json

import pytest
from celery import current_app
from django.test import Client
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from django_celery_beat.schedulers import ModelEntry

from diary.models import ExportRun, ScheduleRunRequest
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db

FORGED = {"run_now_by": "unblinded-statistician", "periodic_task_name": "Nightly"}


def _beat_sends(task: PeriodicTask):
    """What celery beat does when the schedule is due (celery.beat.Scheduler.apply_async):
    load the entry from the database and send the task with its options (run
    in-process here)."""
    current_app.loader.import_default_modules()
    entry = ModelEntry(PeriodicTask.objects.get(pk=task.pk), app=current_app)
    options = entry.options.copy()
    options.setdefault("headers", {})["celery_beat_task"] = True
    return current_app.tasks[entry.task].apply_async(entry.args, entry.kwargs, **options)


def _admin_creates_a_schedule(client) -> PeriodicTask:
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    response = client.post(
        "/admin/django_celery_beat/periodictask/add/",
        {
            "name": "Export every minute",
            "regtask": "diary.scheduled_data_export",
            "task": "",
            "enabled": "on",
            "description": "",
            "interval": every_minute.pk,
            "args": "[]",
            "kwargs": json.dumps({"formats": ["codebook"]}),
            "headers": json.dumps(FORGED),
            "expire_seconds": "",
            "queue": "",
            "exchange": "",
            "routing_key": "",
            "priority": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:4000]
    return PeriodicTask.objects.get(name="Export every minute")


def test_a_schedule_created_with_forged_headers_forges_no_run_and_no_period(data_trial):
    client = Client()
    client.force_login(staff("coordinator"))
    task = _admin_creates_a_schedule(client)
    assert json.loads(task.headers or "{}") == {}  # the admin does not take headers
    # Even a schedule holding such headers (stored before, or by another door) ...
    PeriodicTask.objects.filter(pk=task.pk).update(headers=json.dumps(FORGED))
    for _ in range(3):  # ... due every minute, all on the same day
        _beat_sends(task)
    [run] = ExportRun.objects.all()  # stored once per period
    assert run.requester == "schedule:Export every minute"
    assert "unblinded-statistician" not in run.requester
    assert run.schedule == "Export every minute"
    assert not ScheduleRunRequest.objects.exists()


def test_run_now_records_the_user_server_side(data_trial):
    coordinator = staff("coordinator", username="cora")
    client = Client()
    client.force_login(coordinator)
    task = PeriodicTask.objects.get(name="Nightly data export (blinded)")
    task.kwargs = json.dumps({"formats": ["codebook"]})
    task.headers = json.dumps(FORGED)
    task.save()
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "run_selected_now", "_selected_action": [task.pk]},
    )
    assert response.status_code == 302
    [request] = ScheduleRunRequest.objects.all()
    assert request.requested_by == coordinator and request.schedule == task.name
    [run] = ExportRun.objects.all()
    assert run.requester == f"schedule:{task.name} (run now by cora)"
    assert run.run_key.endswith(f"@run-now:{request.task_id}")


def test_a_run_now_header_sent_without_the_admin_is_ignored(data_trial):
    from diary.tasks import scheduled_data_export

    headers = {"periodic_task_name": "Nightly data export (blinded)", **FORGED}
    headers["periodic_task_name"] = "Nightly data export (blinded)"
    for _ in range(2):
        scheduled_data_export.apply_async(kwargs={"formats": ["codebook"]}, headers=headers).get()
    [run] = ExportRun.objects.all()
    assert run.requester == "schedule:Nightly data export (blinded)"


@pytest.mark.parametrize(
    ("task_name", "args", "kwargs"),
    [
        ("diary.build_export", "[]", "{}"),  # a required argument missing
        ("diary.overdue_call_digest", "[]", '{"bogus": 1}'),  # an unknown keyword
    ],
)
def test_a_schedule_whose_arguments_do_not_fit_its_task_is_refused(
    data_trial, task_name, args, kwargs
):
    client = Client()
    client.force_login(staff("coordinator"))
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    form = {
        "name": "Misfit",
        "regtask": task_name,
        "task": "",
        "enabled": "on",
        "interval": every_minute.pk,
        "args": args,
        "kwargs": kwargs,
        "expire_seconds": "",
        "priority": "",
    }
    page = client.post("/admin/django_celery_beat/periodictask/add/", form)
    assert page.status_code == 200
    assert "do not fit the task" in page.content.decode()
    assert not PeriodicTask.objects.filter(name="Misfit").exists()
    # One stored by another door is refused by "Run now" with a message, not a 500.
    task = PeriodicTask.objects.create(
        name="Misfit", task=task_name, args=args, kwargs=kwargs, interval=every_minute
    )
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "run_selected_now", "_selected_action": [task.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "do not fit the task" in response.content.decode()
    assert not ScheduleRunRequest.objects.exists()
