"""/api/reports/: ask for a report, follow it, download its files; reports by group
exist only for those allowed them; closed reports released to DSMB members."""

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from analysis.models import Report, ReportDownload, ReportFile
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    def client_for(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return client_for


@pytest.fixture
def statistician(trial):
    return make_user("statistician")


@pytest.fixture
def unblinded_statistician(trial):
    return make_user("unblinded_statistician")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_report(
    trial, user, *, view="open", status="done", content=b'{"ok": true}', closed=False
):
    report = Report.objects.create(
        trial=trial,
        parameters={
            "view": view,
            "imputation": "arm_week_mean",
            "blinded": view != "unblinded",
            "formats": ["json"],
        },
        requested_by=user,
        status=status,
        progress=100 if status == "done" else 0,
        dsmb_request=closed,
        dsmb_reference="DSMB 1" if closed else "",
    )
    report_file = ReportFile(report=report, kind="json", sha256="0" * 64, size=len(content))
    report_file.file.save(f"itt-report-{report.pk}.json", ContentFile(content), save=True)
    return report, report_file


def test_statistician_requests_an_open_report_and_follows_it(statistician, api):
    response = api(statistician).post(
        "/api/reports/", {"imputation": "complete_case"}, format="json"
    )
    assert response.status_code == 202, response.json()
    body = response.json()
    assert (body["status"], body["view"], body["blinded"], body["imputation"]) == (
        "queued",
        "open",
        True,
        "complete_case",
    )
    assert body["requested_by"] == statistician.username
    report = Report.objects.get(pk=body["id"])
    assert report.requested_by == statistician
    status = api(statistician).get(f"/api/reports/{report.pk}/").json()
    assert (status["status"], status["progress"], status["files"]) == ("queued", 0, [])


def test_request_queues_the_job_once_committed(
    statistician, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api(statistician).post("/api/reports/", {}, format="json")
    assert len(callbacks) == 1


@pytest.mark.parametrize("role", ["research_assistant", "investigator"])
def test_roles_without_reports_cannot_request_and_see_none(trial, site_c1, api, role, statistician):
    stored_report(trial, statistician)
    user = make_user(role, site_c1)
    response = api(user).post("/api/reports/", {}, format="json")
    assert response.status_code == 403
    assert api(user).get("/api/reports/").status_code == 403
    assert not Report.objects.filter(requested_by=user).exists()


def test_blinded_statistician_cannot_request_an_unblinded_report(statistician, api):
    response = api(statistician).post("/api/reports/", {"blinded": False}, format="json")
    assert response.status_code == 403
    assert "unblinded statistician" in response.json()["detail"]
    response = api(statistician).post("/api/reports/", {"view": "coded"}, format="json")
    assert response.status_code == 403
    assert "lock" in response.json()["detail"]
    assert not Report.objects.exists()


def test_unblinded_report_before_unblinding_needs_the_dsmb_request(unblinded_statistician, api):
    client = api(unblinded_statistician)
    refused = client.post("/api/reports/", {"blinded": False}, format="json")
    assert refused.status_code == 403
    accepted = client.post(
        "/api/reports/", {"blinded": False, "dsmb_reference": "DSMB letter 3"}, format="json"
    )
    assert accepted.status_code == 202
    assert (accepted.json()["view"], accepted.json()["closed"]) == ("unblinded", True)


def test_unblinded_reports_do_not_exist_for_blinded_readers(
    trial, statistician, unblinded_statistician, api, media
):
    report, report_file = stored_report(trial, unblinded_statistician, view="unblinded")
    assert api(statistician).get("/api/reports/").json()["count"] == 0
    assert api(statistician).get(f"/api/reports/{report.pk}/").status_code == 404
    url = f"/api/reports/{report.pk}/files/{report_file.pk}/"
    assert api(statistician).get(url).status_code == 404
    assert api(unblinded_statistician).get(url).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"imputation": "last_value"}, "imputation"),
        ({"formats": ["docx"]}, "formats.0"),
        ({"formats": []}, "formats"),
        ({"blinded": "maybe"}, "blinded"),
        ({"view": "blinded"}, "view"),
    ],
)
def test_bad_request_is_a_400_naming_the_field(statistician, api, body, field):
    response = api(statistician).post("/api/reports/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_download_gives_the_file_and_records_it(trial, statistician, api, media):
    report, report_file = stored_report(trial, statistician)
    detail = api(statistician).get(f"/api/reports/{report.pk}/").json()
    assert detail["files"][0]["name"] == f"itt-report-{report.pk}.json"
    response = api(statistician).get(detail["files"][0]["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b'{"ok": true}'
    assert "attachment" in response["Content-Disposition"]
    download = ReportDownload.objects.get()
    assert (download.user, download.via) == (statistician, "api")


def test_file_of_another_report_is_not_found(trial, statistician, api, media):
    report, _ = stored_report(trial, statistician)
    _, other_file = stored_report(trial, statistician)
    response = api(statistician).get(f"/api/reports/{report.pk}/files/{other_file.pk}/")
    assert response.status_code == 404
    assert not ReportDownload.objects.exists()


def test_failed_report_can_be_retried_but_a_done_one_cannot(trial, statistician, api, media):
    failed, _ = stored_report(trial, statistician, status="failed")
    done, _ = stored_report(trial, statistician)
    retried = api(statistician).post(f"/api/reports/{failed.pk}/retry/")
    assert retried.status_code == 200
    assert retried.json()["status"] == "queued"
    refused = api(statistician).post(f"/api/reports/{done.pk}/retry/")
    assert refused.status_code == 409
    assert list(refused.json()["errors"]) == ["status"]


def test_list_filters_by_status(trial, statistician, api, media):
    stored_report(trial, statistician, status="failed")
    stored_report(trial, statistician)
    body = api(statistician).get("/api/reports/?status=failed").json()
    assert [r["status"] for r in body["results"]] == ["failed"]


def test_a_dsmb_member_reads_released_closed_reports_through_the_api(
    trial, unblinded_statistician, api, media
):
    closed, closed_file = stored_report(trial, unblinded_statistician, view="coded", closed=True)
    other, _ = stored_report(trial, unblinded_statistician, view="coded", closed=True)
    member = make_user("dsmb_member")
    client = api(member)
    assert client.get("/api/reports/").json()["count"] == 0
    assert client.post("/api/reports/", {}, format="json").status_code == 403
    refused = client.post(
        f"/api/reports/{closed.pk}/releases/", {"released_to": member.username}, format="json"
    )
    assert refused.status_code == 404  # nothing released to them yet: the report is unknown
    released = api(unblinded_statistician).post(
        f"/api/reports/{closed.pk}/releases/",
        {"released_to": member.username, "note": "Meeting 3"},
        format="json",
    )
    assert released.status_code == 201, released.json()
    assert released.json()["released_to"] == member.username
    # Well-formed requests the trial's data refuse: 409, naming the field.
    for name in ("nobody-of-that-name", unblinded_statistician.username, member.username):
        conflict = api(unblinded_statistician).post(
            f"/api/reports/{closed.pk}/releases/", {"released_to": name}, format="json"
        )
        assert conflict.status_code == 409, (name, conflict.json())
        assert list(conflict.json()["errors"]) == ["released_to"]
    body = client.get("/api/reports/").json()
    assert [r["id"] for r in body["results"]] == [closed.pk]
    assert client.get(f"/api/reports/{other.pk}/").status_code == 404
    url = f"/api/reports/{closed.pk}/files/{closed_file.pk}/"
    assert client.get(url).status_code == 200
    assert ReportDownload.objects.get().user == member
    assert client.post(f"/api/reports/{closed.pk}/retry/").status_code == 403
    release_id = released.json()["id"]
    listed = api(unblinded_statistician).get(f"/api/reports/{closed.pk}/releases/").json()
    assert listed["count"] == 1 and [r["id"] for r in listed["results"]] == [release_id]
    revoke = f"/api/reports/{closed.pk}/releases/{release_id}/revoke/"
    assert client.post(revoke).status_code == 403
    assert api(unblinded_statistician).post(revoke).status_code == 200
    assert client.get("/api/reports/").json()["count"] == 0


def test_a_dsmb_member_has_no_other_api(trial, api):
    client = api(make_user("dsmb_member"))
    for url in ("/api/participants/", "/api/sites/", "/api/trial/", "/api/calls-due/"):
        assert client.get(url).status_code == 403, url
