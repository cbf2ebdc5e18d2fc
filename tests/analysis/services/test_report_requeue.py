"""Reports whose job the broker lost are queued again by a scheduled sweep."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from analysis.models import Report
from analysis.services.reports import report_request_operator, reports_requeue_stale
from analysis.tasks import generate_itt_report, requeue_stale_reports

QUEUED_FOR = timedelta(minutes=10)
RUNNING_FOR = timedelta(minutes=30)


def _report(status: str, *, age: timedelta) -> Report:
    report = report_request_operator(os_user="ops", formats=["json"])
    then = timezone.now() - age
    Report.objects.filter(pk=report.pk).update(status=status, created_at=then, started_at=then)
    return report


def test_only_reports_stuck_longer_than_the_limits_are_queued_again(stored, media, monkeypatch):
    lost_queued = _report("queued", age=timedelta(minutes=11))
    fresh_queued = _report("queued", age=timedelta(minutes=2))
    dead_running = _report("running", age=timedelta(minutes=31))
    busy_running = _report("running", age=timedelta(minutes=5))
    old_done = _report("done", age=timedelta(days=2))
    queued = []
    monkeypatch.setattr(generate_itt_report, "delay", queued.append)
    again = reports_requeue_stale(queued_for=QUEUED_FOR, running_for=RUNNING_FOR)
    assert sorted(again) == sorted(queued) == sorted([lost_queued.pk, dead_running.pk])
    assert fresh_queued.pk not in again and busy_running.pk not in again
    assert old_done.pk not in again


def test_a_lost_queued_report_is_built_by_the_sweep(stored, media):
    lost = _report("queued", age=timedelta(minutes=30))
    assert requeue_stale_reports.delay().get() == 1
    lost.refresh_from_db()
    assert lost.status == Report.Status.DONE
    assert lost.files.filter(kind="json").exists()


@pytest.mark.django_db
def test_the_sweep_is_scheduled_every_ten_minutes():
    task = PeriodicTask.objects.get(task="analysis.requeue_stale_reports")
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (10, "minutes")
