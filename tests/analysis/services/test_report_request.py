"""Who may ask for which report (open, coded, unblinded; closed for the DSMB), and what
the request records."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analysis.models import Report
from analysis.services.reports import (
    report_request,
    report_request_operator,
    report_request_scheduled,
    report_retry,
)
from diary.errors import AccessDenied, InvalidValue
from diary.models import Trial
from tests.factories import UserFactory, make_user

READERS = ["coordinator", "statistician", "unblinded_statistician"]


def _lock(trial, *, unblind=False):
    now = timezone.now()
    Trial.objects.filter(pk=trial.pk).update(
        locked_at=now, unblinded_at=now + timedelta(minutes=5) if unblind else None
    )
    trial.refresh_from_db()


@pytest.mark.parametrize("role", READERS)
def test_before_the_lock_every_reporting_role_gets_an_open_report_by_default(trial, role):
    user = make_user(role)
    report = report_request(by_user=user, imputation="participant_mean", table1_pvalues=True)
    assert report.status == Report.Status.QUEUED
    assert report.requested_by == user
    assert report.parameters == {
        "view": "open",
        "imputation": "participant_mean",
        "blinded": True,
        "table1_pvalues": False,  # no p-value in a report without groups
        "formats": ["json", "html", "xlsx", "csv", "png", "svg", "pdf"],
    }
    assert not report.closed


@pytest.mark.parametrize(("role", "view"), [("coordinator", "open"), ("statistician", "coded")])
def test_after_the_lock_the_statistician_gets_coded_and_the_coordinator_open(trial, role, view):
    _lock(trial)
    report = report_request(by_user=make_user(role))
    assert report.view == view
    assert not report.closed


@pytest.mark.parametrize("role", ["research_assistant", "investigator", "dsmb_member", None])
def test_report_request_refuses_roles_without_reports(trial, role):
    if role is None:
        user = UserFactory()
    elif role == "dsmb_member":
        user = make_user(role)
    else:
        user = make_user(role, "C1")
    with pytest.raises(AccessDenied):
        report_request(by_user=user)
    assert not Report.objects.exists()


def test_the_blinded_statistician_gets_no_coded_report_before_the_lock(trial):
    with pytest.raises(AccessDenied, match="open"):
        report_request(by_user=make_user("statistician"), view="coded")
    with pytest.raises(AccessDenied):  # a DSMB reference changes nothing for them
        report_request(by_user=make_user("statistician"), view="coded", dsmb_reference="DSMB 1")
    assert not Report.objects.exists()


def test_coordinators_never_get_a_coded_report(trial):
    _lock(trial, unblind=True)
    with pytest.raises(AccessDenied, match="Coordinators"):
        report_request(by_user=make_user("coordinator"), view="coded")
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "statistician"])
def test_report_request_refuses_unblinded_to_a_blinded_role_even_after_unblinding(trial, role):
    _lock(trial, unblind=True)
    with pytest.raises(AccessDenied, match="Only the unblinded statistician"):
        report_request(by_user=make_user(role), view="unblinded", dsmb_reference="DSMB 2024-03")
    assert not Report.objects.exists()


@pytest.mark.parametrize("view", ["coded", "unblinded"])
def test_a_report_by_group_before_the_lock_needs_the_dsmb_request(trial, view):
    with pytest.raises(AccessDenied, match="DSMB"):
        report_request(by_user=make_user("unblinded_statistician"), view=view)
    assert not Report.objects.exists()


@pytest.mark.parametrize("view", ["coded", "unblinded"])
def test_a_report_by_group_before_the_lock_is_closed_and_records_the_request(trial, view):
    user = make_user("unblinded_statistician")
    report = report_request(
        by_user=user, view=view, dsmb_reference="  DSMB meeting 2 (letter 2024-03-01) "
    )
    report.refresh_from_db()
    assert (report.view, report.closed) == (view, True)
    assert report.dsmb_reference == "DSMB meeting 2 (letter 2024-03-01)"
    assert report.requested_by == user


def test_a_coded_report_after_the_lock_is_not_closed(trial):
    _lock(trial)
    report = report_request(by_user=make_user("unblinded_statistician"), view="coded")
    assert (report.view, report.closed, report.dsmb_reference) == ("coded", False, "")


def test_report_request_refuses_unblinded_when_locked_but_not_unblinded(trial):
    _lock(trial)
    with pytest.raises(AccessDenied):
        report_request(by_user=make_user("unblinded_statistician"), view="unblinded")


def test_report_request_refuses_unblinded_when_unblinded_without_a_lock(trial):
    Trial.objects.filter(pk=trial.pk).update(unblinded_at=timezone.now())
    with pytest.raises(AccessDenied):
        report_request(by_user=make_user("unblinded_statistician"), view="unblinded")


def test_report_request_gives_unblinded_to_the_unblinded_statistician_after_unblinding(trial):
    _lock(trial, unblind=True)
    report = report_request(by_user=make_user("unblinded_statistician"), view="unblinded")
    assert report.parameters["view"] == "unblinded"
    assert report.parameters["blinded"] is False
    assert not report.closed
    assert report.dsmb_reference == ""


def test_report_request_refuses_an_unknown_imputation_view_or_format(trial):
    user = make_user("statistician")
    with pytest.raises(InvalidValue, match="imputation"):
        report_request(by_user=user, imputation="last_value_carried")
    with pytest.raises(InvalidValue, match="format"):
        report_request(by_user=user, formats=["docx"])
    with pytest.raises(AccessDenied, match="view"):
        report_request(by_user=user, view="blinded")
    assert not Report.objects.exists()


def test_report_request_always_includes_json(trial):
    report = report_request(by_user=make_user("statistician"), formats=["xlsx"])
    assert report.parameters["formats"] == ["json", "xlsx"]


def test_report_request_queues_the_job_only_when_committed(
    trial, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("analysis.tasks.generate_itt_report.delay", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = report_request(by_user=make_user("coordinator"))
    assert queued == []
    for callback in callbacks:
        callback()
    assert queued == [report.pk]


def test_report_request_marks_the_report_failed_when_the_queue_is_down(
    trial, django_capture_on_commit_callbacks, monkeypatch, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def broker_down(report_id):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("analysis.tasks.generate_itt_report.delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(by_user=make_user("coordinator"))
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert "queue is unavailable" in report.error


def test_report_request_scheduled_is_open_and_names_the_schedule(trial):
    _lock(trial)
    report = report_request_scheduled(schedule="weekly report")
    assert (report.view, report.blinded) == ("open", True)
    assert report.requested_by is None
    assert report.requester == "schedule:weekly report"


def test_report_request_operator_is_open_before_the_lock_and_coded_after(trial):
    assert report_request_operator(os_user="ops").view == "open"
    _lock(trial)
    assert report_request_operator(os_user="ops").view == "coded"


def test_report_request_operator_may_unblind_at_any_time_and_is_recorded(trial):
    report = report_request_operator(os_user="dm-alice", view="unblinded", formats=["csv"])
    report.refresh_from_db()
    assert report.parameters["blinded"] is False
    assert report.requester == "shell:dm-alice"
    assert report.parameters["formats"] == ["json", "csv"]


def test_report_retry_requeues_a_failed_report_only(
    trial, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("analysis.tasks.generate_itt_report.delay", queued.append)
    user = make_user("statistician")
    report = report_request_operator(os_user="ops")
    with pytest.raises(InvalidValue):
        report_retry(report=report, by_user=user)
    Report.objects.filter(pk=report.pk).update(status="failed", error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        report = report_retry(report=report, by_user=user)
    assert queued == [report.pk]
    assert report.status == Report.Status.QUEUED
    assert report.error == ""


def test_report_retry_of_an_unblinded_report_is_refused_to_blinded_roles(trial):
    report = report_request_operator(os_user="ops", view="unblinded")
    Report.objects.filter(pk=report.pk).update(status="failed")
    with pytest.raises(AccessDenied):
        report_retry(report=report, by_user=make_user("coordinator"))


def test_a_coded_report_cannot_be_retried_by_the_statistician_once_unlocked(trial):
    _lock(trial)
    statistician = make_user("statistician")
    report = report_request(by_user=statistician, view="coded")
    Report.objects.filter(pk=report.pk).update(status="failed")
    Trial.objects.filter(pk=trial.pk).update(locked_at=None)
    with pytest.raises(AccessDenied):
        report_retry(report=report, by_user=statistician)
