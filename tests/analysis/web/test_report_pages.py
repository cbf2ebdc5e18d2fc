"""The report pages: who sees them, asking for a report, progress, audited downloads."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from analysis.models import Report, ReportDownload
from analysis.services.reports import report_build, report_request_operator
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


def _done(*, blinded=True, formats=("json", "html")) -> Report:
    report = report_request_operator(os_user="ops", blinded=blinded, formats=list(formats))
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
def test_report_list_shows_blinded_reports_to_every_reader(stored, role):
    blinded = _done()
    page = _client(role).get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[blinded.pk]) in page
    assert "Blinded (A/B)" in page


@pytest.mark.parametrize("role", ["coordinator", "statistician"])
def test_unblinded_reports_do_not_exist_for_blinded_roles(stored, role):
    unblinded = _done(blinded=False)
    client = _client(role)
    page = client.get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[unblinded.pk]) not in page
    assert client.get(reverse("analysis:report", args=[unblinded.pk])).status_code == 404
    file_url = reverse("analysis:report_file", args=[unblinded.pk, unblinded.files.first().pk])
    assert client.get(file_url).status_code == 404
    assert not ReportDownload.objects.exists()


def test_unblinded_statistician_sees_unblinded_reports(stored):
    unblinded = _done(blinded=False)
    page = _client("unblinded_statistician").get(reverse("analysis:reports")).content.decode()
    assert reverse("analysis:report", args=[unblinded.pk]) in page


def test_report_request_form_offers_unblinding_only_to_the_unblinded_statistician(stored):
    for role in ("coordinator", "statistician"):
        page = _client(role).get(reverse("analysis:report_new")).content.decode()
        assert 'name="blinding"' not in page
        assert 'name="imputation"' in page
    page = _client("unblinded_statistician").get(reverse("analysis:report_new")).content.decode()
    assert 'name="blinding"' in page
    assert 'name="dsmb_reference"' in page


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
    assert report.parameters["blinded"] is True
    page = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    for f in report.files.all():
        assert reverse("analysis:report_file", args=[report.pk, f.pk]) in page


def test_unblinded_request_before_unblinding_needs_the_dsmb_request(stored):
    client = _client("unblinded_statistician")
    response = client.post(
        reverse("analysis:report_new"),
        {"imputation": "arm_week_mean", "formats": ["json"], "blinding": "unblinded"},
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
                "blinding": "unblinded",
                "dsmb_reference": "DSMB interim meeting, letter of 3 March",
            },
        )
    report = Report.objects.get()
    assert (report.blinded, report.dsmb_request) == (False, True)
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
    assert json.loads(body)["blinded"] is True
    assert f'filename="{stored_file.name}"' in response["Content-Disposition"]
    audit = ReportDownload.objects.get()
    assert audit.user.username == "coordinator-all"
    assert audit.report_file == stored_file
    assert audit.via == "web"


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
