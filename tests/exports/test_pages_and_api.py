"""The exports page, the admin and the API: who sees which exports, asking for one,
and downloads that are audited everywhere."""

import hashlib

import pytest
from django.test import Client
from rest_framework.test import APIClient

from diary.models import ExportDownload, ExportRun
from diary.services.exports import export_build, export_request
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def runs(data_trial):
    """A blinded export and an unblinded one, both built."""
    boss = staff("unblinded_statistician")
    blinded = export_build(run=export_request(by_user=staff("statistician"), formats=["codebook"]))
    unblinded = export_build(run=export_request(by_user=boss, formats=["codebook"], unblinded=True))
    return blinded, unblinded, boss


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_page_lists_what_each_role_may_see(runs):
    blinded, unblinded, boss = runs
    page = _client(staff("coordinator")).get("/exports/").content.decode()
    assert f"export-{blinded.pk}-codebook.csv" in page
    assert f"export-{unblinded.pk}-" not in page and "unblinded" not in page
    page = _client(boss).get("/exports/").content.decode()
    assert f"export-{unblinded.pk}-codebook.csv" in page
    assert 'href="/exports/"' in page  # the navigation link


@pytest.mark.parametrize("role", ["research_assistant", "investigator"])
def test_site_roles_have_no_exports_page(runs, role):
    client = _client(staff(role, "C1"))
    assert client.get("/exports/").status_code == 403
    blinded = runs[0]
    stored = blinded.files.first()
    assert client.get(f"/exports/{blinded.pk}/files/{stored.pk}/").status_code == 403
    assert "/exports/" not in client.get("/calls/").content.decode()


def test_a_download_from_the_page_is_the_stored_file_and_is_audited(runs):
    blinded, unblinded, boss = runs
    stored = blinded.files.get(file__endswith=".csv")
    user = staff("coordinator")
    response = _client(user).get(f"/exports/{blinded.pk}/files/{stored.pk}/")
    assert response.status_code == 200
    assert hashlib.sha256(_body(response)).hexdigest() == stored.sha256
    assert ExportDownload.objects.get().user == user
    hidden = unblinded.files.first()
    assert _client(user).get(f"/exports/{unblinded.pk}/files/{hidden.pk}/").status_code == 404
    assert ExportDownload.objects.count() == 1


def test_asking_for_an_export_on_the_page(data_trial, django_capture_on_commit_callbacks):
    client = _client(staff("coordinator"))
    form = client.get("/exports/new/").content.decode()
    assert "codebook" in form and "blinding" not in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exports/new/", {"formats": ["package", "codebook"]})
    assert response.status_code == 302
    run = ExportRun.objects.get()
    assert (run.status, run.formats, run.unblinded) == ("done", ["package", "codebook"], False)


def test_the_unblinded_statistician_chooses_blinding_on_the_page(data_trial):
    boss = staff("unblinded_statistician")
    client = _client(boss)
    assert "randomization list" in client.get("/exports/new/").content.decode()
    client.post("/exports/new/", {"formats": ["package"], "blinding": "unblinded"})
    assert ExportRun.objects.get().unblinded


def test_a_forged_unblinded_choice_from_a_coordinator_is_ignored(data_trial):
    client = _client(staff("coordinator"))
    client.post("/exports/new/", {"formats": ["package"], "blinding": "unblinded"})
    assert not ExportRun.objects.get().unblinded


def test_the_admin_lists_runs_by_role_and_audits_downloads(runs):
    blinded, unblinded, boss = runs
    coordinator = _client(staff("coordinator"))
    listing = coordinator.get("/admin/diary/exportrun/").content.decode()
    assert f"export-{blinded.pk}-codebook.csv" in listing
    assert f"export-{unblinded.pk}-" not in listing
    assert coordinator.get(f"/admin/diary/exportrun/{unblinded.pk}/change/").status_code == 302
    stored = blinded.files.first()
    response = coordinator.get(f"/admin/diary/exportrun/{blinded.pk}/files/{stored.pk}/")
    assert response.status_code == 200 and _body(response)
    assert ExportDownload.objects.get().via == "admin"
    hidden = unblinded.files.first()
    assert (
        coordinator.get(f"/admin/diary/exportrun/{unblinded.pk}/files/{hidden.pk}/").status_code
        == 404
    )
    assert (
        f"export-{unblinded.pk}-" in _client(boss).get("/admin/diary/exportrun/").content.decode()
    )


def test_the_api_lists_and_downloads_with_an_audit(runs):
    blinded, unblinded, boss = runs
    user = staff("statistician", username="api-statistician")
    listing = _api(user).get("/api/exports/")
    assert listing.status_code == 200
    results = listing.json()["results"]
    assert [r["id"] for r in results] == [blinded.pk]
    [entry] = results[0]["files"][:1]
    assert entry["sha256"] and entry["download_url"].startswith(f"/api/exports/{blinded.pk}/")
    response = _api(user).get(entry["download_url"], HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200
    assert hashlib.sha256(_body(response)).hexdigest() == entry["sha256"]
    assert ExportDownload.objects.get().via == "api"
    assert _api(user).get(f"/api/exports/{unblinded.pk}/").status_code == 404
    hidden = unblinded.files.first()
    assert _api(user).get(f"/api/exports/{unblinded.pk}/files/{hidden.pk}/").status_code == 404
    boss_ids = [r["id"] for r in _api(boss).get("/api/exports/").json()["results"]]
    assert sorted(boss_ids) == sorted([blinded.pk, unblinded.pk])


def test_the_api_refuses_site_roles_and_unblinded_requests_in_its_error_shape(data_trial):
    response = _api(staff("research_assistant", "C1")).get("/api/exports/")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code"}
    response = _api(staff("coordinator")).post(
        "/api/exports/", {"formats": ["package"], "unblinded": True}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = _api(staff("coordinator")).post("/api/exports/", {"formats": ["sas"]}, format="json")
    assert response.status_code == 400 and "formats.0" in response.json()["errors"]
    assert not ExportRun.objects.exists()


def test_the_api_asks_for_an_export(data_trial, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(staff("coordinator")).post(
            "/api/exports/", {"formats": ["codebook"]}, format="json"
        )
    assert response.status_code == 202
    assert response.json()["formats"] == ["codebook"]
    assert ExportRun.objects.get().status == "done"
