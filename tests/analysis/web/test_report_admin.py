"""The reports admin: role-scoped lists, the request page, audited downloads, retry."""

import pytest
from django.test import Client
from django.urls import reverse

from analysis.models import Report, ReportDownload
from analysis.services.reports import report_build, report_release, report_request_operator
from tests.analysis.stored_trial import stored_trial
from tests.factories import make_user


@pytest.fixture
def stored(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return stored_trial(randomized=10, seed=4)


def _admin(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def _done(*, view="open") -> Report:
    return report_build(report=report_request_operator(os_user="ops", view=view, formats=["json"]))


@pytest.mark.parametrize("view", ["coded", "unblinded"])
def test_admin_lists_open_reports_to_coordinators_but_none_by_group(stored, view):
    open_report, by_group = _done(), _done(view=view)
    client = _admin("coordinator")
    page = client.get(reverse("admin:analysis_report_changelist")).content.decode()
    assert reverse("admin:analysis_report_change", args=[open_report.pk]) in page
    assert reverse("admin:analysis_report_change", args=[by_group.pk]) not in page
    assert "Request a report" in page
    response = client.get(reverse("admin:analysis_report_change", args=[by_group.pk]))
    assert response.status_code in (302, 404)
    assert str(by_group.data_sha256) not in response.content.decode()


def test_admin_lists_releases_to_the_unblinded_statistician_only(stored):
    report = report_request_operator(os_user="ops", view="unblinded", formats=["json"])
    Report.objects.filter(pk=report.pk).update(dsmb_request=True, dsmb_reference="DSMB 1")
    report = report_build(report=report)
    member, unblinded = make_user("dsmb_member"), make_user("unblinded_statistician")
    report_release(report=report, to_user=member, by_user=unblinded)
    url = reverse("admin:analysis_reportrelease_changelist")
    assert member.username in _admin("unblinded_statistician").get(url).content.decode()
    assert _admin("coordinator").get(url).status_code in (302, 403)


def test_admin_shows_unblinded_reports_to_the_unblinded_statistician(stored):
    unblinded = _done(view="unblinded")
    page = _admin("unblinded_statistician").get(reverse("admin:analysis_report_changelist"))
    assert reverse("admin:analysis_report_change", args=[unblinded.pk]) in page.content.decode()


def test_admin_report_page_links_the_files_and_download_is_audited(stored):
    report = _done()
    client = _admin("coordinator")
    page = client.get(reverse("admin:analysis_report_change", args=[report.pk])).content.decode()
    stored_file = report.files.get()
    url = reverse("admin:analysis_report_file", args=[report.pk, stored_file.pk])
    assert url in page
    assert report.data_sha256 in page
    response = client.get(url)
    assert b"".join(response.streaming_content) == stored_file.file.read()
    audit = ReportDownload.objects.get()
    assert (audit.via, audit.user.username) == ("admin", "coordinator-all")
    log = client.get(reverse("admin:analysis_reportdownload_changelist")).content.decode()
    assert stored_file.file.name in log


def test_admin_request_page_records_the_request(stored, django_capture_on_commit_callbacks):
    client = _admin("coordinator")
    page = client.get(reverse("admin:analysis_report_request")).content.decode()
    assert 'name="imputation"' in page
    assert 'name="view"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:analysis_report_request"),
            {"imputation": "complete_case", "formats": ["json"]},
        )
    report = Report.objects.get()
    assert response["Location"] == reverse("admin:analysis_report_change", args=[report.pk])
    assert report.requested_by.username == "coordinator-all"
    assert report.parameters["imputation"] == "complete_case"
    assert report.status == Report.Status.DONE


def test_admin_request_page_refuses_unblinded_without_dsmb_request(stored):
    client = _admin("unblinded_statistician")
    response = client.post(
        reverse("admin:analysis_report_request"),
        {"imputation": "arm_week_mean", "formats": ["json"], "view": "unblinded"},
    )
    assert response.status_code == 200
    assert "DSMB" in response.content.decode()
    assert not Report.objects.exists()


def test_admin_running_report_page_refreshes(stored):
    report = report_request_operator(os_user="ops")
    Report.objects.filter(pk=report.pk).update(status="running", progress=60, stage="Rendering")
    page = _admin("coordinator").get(reverse("admin:analysis_report_change", args=[report.pk]))
    html = page.content.decode()
    assert 'http-equiv="refresh"' in html
    assert 'value="60"' in html


def test_admin_action_retries_failed_reports(stored, django_capture_on_commit_callbacks):
    report = report_request_operator(os_user="ops", formats=["json"])
    Report.objects.filter(pk=report.pk).update(status="failed", error="The worker stopped.")
    client = _admin("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:analysis_report_changelist"),
            {"action": "retry_failed", "_selected_action": [report.pk]},
        )
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_admin_is_closed_to_statisticians_and_research_assistants(stored):
    for role in ("statistician", "research_assistant"):
        client = Client()
        client.force_login(make_user(role, *(["C1"] if role == "research_assistant" else [])))
        response = client.get(reverse("admin:analysis_report_changelist"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
