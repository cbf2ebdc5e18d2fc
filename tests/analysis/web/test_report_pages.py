"""The report pages: who sees them, asking for a report (open, coded or closed),
progress, audited downloads, and closed reports released to DSMB members."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analysis.models import Report, ReportDownload, ReportRelease
from analysis.services.reports import report_build, report_release, report_request_operator
from diary.models import Trial
from tests.analysis.stored_trial import stored_trial
from tests.factories import make_user

READERS = ["coordinator", "statistician", "unblinded_statistician"]


@pytest.fixture
def stored(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return stored_trial(randomized=10, seed=4)


def _client(role: str, *sites) -> Client:
    client = Client()
    client.force_login(make_user(role, *sites))
    return client


def _done(*, view="open", formats=("json", "html")) -> Report:
    report = report_request_operator(os_user="ops", view=view, formats=list(formats))
    return report_build(report=report)


def _closed(formats=("json",)) -> Report:
    report = report_request_operator(os_user="ops", view="unblinded", formats=list(formats))
    Report.objects.filter(pk=report.pk).update(dsmb_request=True, dsmb_reference="DSMB 1")
    return report_build(report=report)


@pytest.mark.parametrize("role", ["research_assistant", "investigator"])
def test_report_pages_are_forbidden_to_roles_without_reports(stored, role):
    client = _client(role, "C1")
    report = _done()
    for url in (
        reverse("analysis:reports"),
        reverse("analysis:report_new"),
        reverse("analysis:report", args=[report.pk]),
        reverse("analysis:report_file", args=[report.pk, report.files.first().pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert not ReportDownload.objects.exists()


def test_report_pages_ask_anonymous_users_to_log_in(stored):
    response = Client().get(reverse("analysis:reports"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("role", READERS)
def test_report_list_shows_open_reports_to_every_reader(stored, role):
    report = _done()
    page = _client(role).get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[report.pk]) in page
    assert "Open: all participants pooled" in page


@pytest.mark.parametrize("role", ["coordinator", "statistician"])
@pytest.mark.parametrize("view", ["coded", "unblinded"])
def test_reports_by_group_do_not_exist_for_blinded_roles_before_the_lock(stored, role, view):
    unblinded = _done(view=view)
    client = _client(role)
    page = client.get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[unblinded.pk]) not in page
    assert client.get(reverse("analysis:report", args=[unblinded.pk])).status_code == 404
    file_url = reverse("analysis:report_file", args=[unblinded.pk, unblinded.files.first().pk])
    assert client.get(file_url).status_code == 404
    assert not ReportDownload.objects.exists()


def test_the_statistician_reads_coded_reports_once_the_database_is_locked(stored):
    Trial.objects.filter(pk=stored.pk).update(locked_at=timezone.now())
    coded = _done(view="coded")
    for role, shown in (("statistician", True), ("coordinator", False)):
        page = _client(role).get(reverse("analysis:reports")).content.decode()
        assert (reverse("analysis:report", args=[coded.pk]) in page) == shown


def test_unblinded_statistician_sees_unblinded_reports(stored):
    unblinded = _done(view="unblinded")
    page = _client("unblinded_statistician").get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[unblinded.pk]) in page


def test_report_request_form_offers_only_the_views_the_user_may_have(stored):
    for role in ("coordinator", "statistician"):
        page = _client(role).get(reverse("analysis:report_new")).content.decode()
        assert 'name="view"' not in page
        assert "reports are open" in page
        assert 'name="imputation"' in page
    page = _client("unblinded_statistician").get(reverse("analysis:report_new")).content.decode()
    assert 'value="coded"' in page and 'value="unblinded"' in page
    assert 'name="dsmb_reference"' in page
    Trial.objects.filter(pk=stored.pk).update(locked_at=timezone.now())
    page = _client("statistician").get(reverse("analysis:report_new")).content.decode()
    assert 'value="coded"' in page and 'value="unblinded"' not in page
    page = _client("coordinator").get(reverse("analysis:report_new")).content.decode()
    assert 'name="view"' not in page


def test_requesting_a_report_builds_it_and_shows_its_files(
    stored, django_capture_on_commit_callbacks
):
    client = _client("statistician")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("analysis:report_new"),
            {"imputation": "participant_mean", "formats": ["json", "xlsx"]},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("analysis:report", args=[report.pk])
    assert report.status == Report.Status.DONE  # eager Celery in tests
    assert report.requested_by.username == "statistician-all"
    assert report.parameters["imputation"] == "participant_mean"
    assert report.parameters["view"] == "open"
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    for f in report.files.all():
        assert reverse("analysis:report_file", args=[report.pk, f.pk]) in page


def test_unblinded_request_before_unblinding_needs_the_dsmb_request(stored):
    client = _client("unblinded_statistician")
    response = client.post(
        reverse("analysis:report_new"),
        {"imputation": "arm_week_mean", "formats": ["json"], "view": "unblinded"},
    )
    assert response.status_code == 200
    assert "DSMB" in response.content.decode()
    assert not Report.objects.exists()


def test_unblinded_request_with_a_dsmb_request_is_recorded(
    stored, django_capture_on_commit_callbacks
):
    client = _client("unblinded_statistician")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("analysis:report_new"),
            {
                "imputation": "arm_week_mean",
                "formats": ["json"],
                "view": "unblinded",
                "dsmb_reference": "DSMB interim meeting, letter of 3 March",
            },
        )
    report = Report.objects.get()
    assert (report.view, report.closed) == ("unblinded", True)
    assert report.dsmb_reference == "DSMB interim meeting, letter of 3 March"
    page = client.get(reverse("analysis:report", args=[report.pk])).content.decode()
    assert "DSMB interim meeting" in page


def test_a_running_report_page_shows_progress_and_refreshes(stored):
    report = report_request_operator(os_user="ops")
    Report.objects.filter(pk=report.pk).update(
        status="running", progress=30, stage="Computing the analyses"
    )
    page = _client("coordinator").get(reverse("analysis:report", args=[report.pk]))
    html = page.content.decode()
    assert 'http-equiv="refresh"' in html
    assert "Computing the analyses" in html
    assert 'value="30"' in html
    listing = _client("coordinator").get(reverse("analysis:reports")).content.decode()
    assert 'http-equiv="refresh"' in listing


def test_a_failed_report_can_be_retried_from_its_page(stored, django_capture_on_commit_callbacks):
    report = report_request_operator(os_user="ops", formats=["json"])
    Report.objects.filter(pk=report.pk).update(status="failed", error="The worker stopped.")
    client = _client("coordinator")
    assert (
        "The worker stopped."
        in client.get(reverse("analysis:report", args=[report.pk])).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analysis:report_retry", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


def test_download_returns_the_file_and_is_audited(stored):
    report = _done()
    stored_file = report.files.get(kind="json")
    client = _client("coordinator")
    response = client.get(reverse("analysis:report_file", args=[report.pk, stored_file.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == stored_file.file.read()
    assert json.loads(body)["view"] == "open"
    assert f'filename="{stored_file.name}"' in response["Content-Disposition"]
    audit = ReportDownload.objects.get()
    assert audit.user.username == "coordinator-all"
    assert audit.report_file == stored_file
    assert audit.via == "web"


def test_html_report_opens_in_the_browser_under_a_strict_policy_and_is_audited(stored):
    report = _done(formats=("json", "html"))
    page_file = report.files.get(kind="html")
    url = reverse("analysis:report_file", args=[report.pk, page_file.pk])
    client = _client("coordinator")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy
    assert "script-src" not in policy
    assert b"".join(response.streaming_content).startswith(b"<!DOCTYPE html>")
    download = client.get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment;")
    assert [d.via for d in ReportDownload.objects.filter(report_file=page_file)] == ["web", "web"]
    detail = client.get(reverse("analysis:report", args=[report.pk])).content.decode()
    assert f'<a href="{url}" target="_blank"' in detail
    assert f'<a href="{url}?download=1" download>' in detail


def test_report_page_names_the_imputation_not_its_code(stored):
    report = _done()
    page = _client("coordinator").get(reverse("analysis:report", args=[report.pk]))
    assert "Arm-week mean" in page.content.decode()
    assert "arm_week_mean" not in page.content.decode()


def test_blinded_report_pages_never_show_an_arm(stored):
    report = _done(formats=("json", "html"))
    client = _client("coordinator")
    pages = [
        client.get(reverse("analysis:reports")).content,
        client.get(reverse("analysis:report", args=[report.pk])).content,
    ]
    for f in report.files.all():
        response = client.get(reverse("analysis:report_file", args=[report.pk, f.pk]))
        pages.append(b"".join(response.streaming_content))
    for arm in stored.arms.all():
        for page in pages:
            assert arm.code.encode() not in page
            assert arm.label.encode() not in page


def test_a_dsmb_member_reads_only_the_closed_reports_released_to_them(stored):
    closed, other = _closed(), _closed()
    open_report = _done()
    member = make_user("dsmb_member")
    report_release(report=closed, to_user=member, by_user=make_user("unblinded_statistician"))
    client = Client()
    client.force_login(member)
    page = client.get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[closed.pk]) in page
    assert reverse("analysis:report", args=[other.pk]) not in page
    assert reverse("analysis:report", args=[open_report.pk]) not in page
    assert "Request a report" not in page
    for report in (other, open_report):
        assert client.get(reverse("analysis:report", args=[report.pk])).status_code == 404
    stored_file = closed.files.get()
    response = client.get(reverse("analysis:report_file", args=[closed.pk, stored_file.pk]))
    assert response.status_code == 200
    assert ReportDownload.objects.get().user == member
    assert client.get(reverse("analysis:report_new")).status_code == 403
    assert client.post(reverse("analysis:report_retry", args=[closed.pk])).status_code == 403


def test_a_dsmb_member_has_no_access_to_clinical_pages_or_the_api(stored):
    client = Client()
    client.force_login(make_user("dsmb_member"))
    for url in (
        reverse("diary:participants"),
        reverse("diary:calls"),
        reverse("diary:screening_log"),
        reverse("exports:list"),
        "/api/participants/",
        "/api/diary-weeks/",
        "/api/adverse-events/",
    ):
        assert client.get(url).status_code == 403, url


def test_the_unblinded_statistician_releases_and_revokes_on_the_report_page(stored):
    closed = _closed()
    member = make_user("dsmb_member")
    client = _client("unblinded_statistician")
    page = client.get(reverse("analysis:report", args=[closed.pk])).content.decode()
    assert "Release to this DSMB member" in page
    client.post(
        reverse("analysis:report_release", args=[closed.pk]),
        {"released_to": member.username, "note": "Meeting 2"},
    )
    release = ReportRelease.objects.get()
    assert (release.released_to, release.note, release.active) == (member, "Meeting 2", True)
    client.post(reverse("analysis:report_release_revoke", args=[closed.pk, release.pk]))
    release.refresh_from_db()
    assert not release.active
    assert "Revoked" in client.get(reverse("analysis:report", args=[closed.pk])).content.decode()


@pytest.mark.parametrize("role", ["coordinator", "statistician"])
def test_other_roles_cannot_release(stored, role):
    closed = _closed()
    member = make_user("dsmb_member")
    response = _client(role).post(
        reverse("analysis:report_release", args=[closed.pk]), {"released_to": member.username}
    )
    assert response.status_code == 403
    assert not ReportRelease.objects.exists()
