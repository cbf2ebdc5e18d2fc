"""The default schedules after migrate, the coordinators' rights over them in the
admin, "run now", and the scheduled export stored once per period."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from diary.models import ExportRun
from diary.tasks import scheduled_data_export
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "Nightly data export (blinded)": ("diary.scheduled_data_export", "0 2 * * *"),
    "Weekly progress report (blinded)": ("diary.weekly_progress_report", "0 7 * * 1"),
    "Daily overdue-call digest": ("diary.overdue_call_digest", "0 7 * * *"),
    "Alerts and notices (catch-up)": ("diary.sae_alert_sweep", None),
    "Remove old exports": ("diary.prune_exports", "30 3 * * *"),
    "Remove old reports": ("analysis.prune_reports", "45 3 * * *"),
}


def _cron(task: PeriodicTask) -> str | None:
    c = task.crontab
    return f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}" if c else None


def test_the_default_schedules_are_installed_by_migrate():
    tasks = {t.name: t for t in PeriodicTask.objects.select_related("crontab", "interval")}
    assert set(DEFAULTS) <= set(tasks)
    for name, (task_name, cron) in DEFAULTS.items():
        task = tasks[name]
        assert task.enabled and task.task == task_name
        assert _cron(task) == cron
    sweep = tasks["Alerts and notices (catch-up)"].interval
    assert (sweep.every, sweep.period) == (1, "minutes")
    nightly = json.loads(tasks["Nightly data export (blinded)"].kwargs)
    assert nightly == {"formats": ["package", "xlsx", "spss", "stata", "codebook"]}


def test_every_default_schedule_names_a_registered_task():
    celery_app.loader.import_default_modules()
    for task_name, _ in DEFAULTS.values():
        assert task_name in celery_app.tasks


def test_coordinators_may_manage_schedules_and_nobody_else():
    codenames = set(
        Group.objects.get(name="coordinator")
        .permissions.filter(content_type__app_label="django_celery_beat")
        .values_list("codename", flat=True)
    )
    for model in ("periodictask", "crontabschedule", "intervalschedule", "clockedschedule"):
        assert {f"{a}_{model}" for a in ("view", "add", "change", "delete")} <= codenames
    for role in ("research_assistant", "statistician", "unblinded_statistician", "investigator"):
        assert not (
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="django_celery_beat")
            .exists()
        )


def test_a_coordinator_pauses_and_changes_a_schedule_in_the_admin(trial):
    client = Client()
    client.force_login(staff("coordinator"))
    task = PeriodicTask.objects.get(name="Daily overdue-call digest")
    listing = client.get("/admin/django_celery_beat/periodictask/")
    assert listing.status_code == 200 and "Daily overdue-call digest" in listing.content.decode()
    response = client.post(
        "/admin/django_celery_beat/periodictask/",
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert not task.enabled
    page = client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert page.status_code == 200


def test_a_statistician_has_no_schedule_admin(trial):
    client = Client()
    user = staff("statistician")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 403


def test_run_now_in_the_admin_makes_a_run_of_its_own(data_trial):
    coordinator = staff("coordinator")
    client = Client()
    client.force_login(coordinator)
    task = PeriodicTask.objects.get(name="Nightly data export (blinded)")
    task.kwargs = json.dumps({"formats": ["codebook"]})
    task.save()
    scheduled_data_export.apply_async(
        kwargs={"formats": ["codebook"]}, headers={"periodic_task_name": task.name}
    )
    for _ in range(2):
        response = client.post(
            "/admin/django_celery_beat/periodictask/",
            {"action": "run_selected_now", "_selected_action": [task.pk]},
        )
        assert response.status_code == 302
    runs = list(ExportRun.objects.order_by("created_at"))
    assert len(runs) == 3  # the day's run, then one per "run now"
    assert [r.status for r in runs] == ["done"] * 3
    assert runs[0].requester == f"schedule:{task.name}"
    assert runs[1].requester == f"schedule:{task.name} (run now by {coordinator.username})"
    assert all(r.schedule == task.name and not r.unblinded for r in runs)


def test_the_scheduled_export_run_twice_stores_one_export(data_trial):
    headers = {"periodic_task_name": "Nightly data export (blinded)"}
    kwargs = {"formats": ["package", "codebook"]}
    first = scheduled_data_export.apply_async(kwargs=kwargs, headers=headers).get()
    second = scheduled_data_export.apply_async(kwargs=kwargs, headers=headers).get()
    assert first == second == "done"
    run = ExportRun.objects.get()
    assert run.run_key == (f"data:Nightly data export (blinded)@{timezone.localdate().isoformat()}")
    assert run.attempts == 1 and run.files.count() == 3
    assert not run.unblinded and run.requested_by is None


def test_a_schedule_cannot_make_an_unblinded_export(data_trial):
    with pytest.raises(TypeError):
        scheduled_data_export.apply_async(kwargs={"unblinded": True}).get()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ExportRun.objects.create(
            trial=data_trial, unblinded=True, schedule="Nightly", requested_by_name="schedule:x"
        )
    assert not ExportRun.objects.exists()


def test_schedules_wait_quietly_for_a_trial(db):
    """A fresh database has the schedules but no trial yet: nothing fails, nothing is made."""
    from diary.tasks import overdue_call_digest, weekly_progress_report

    assert scheduled_data_export.delay().get() == "no trial"
    assert weekly_progress_report.delay().get() == "no trial"
    assert overdue_call_digest.delay().get() == 0
    assert not ExportRun.objects.exists()
