"""Identifiers a blinded role sees reveal nothing about unblinded activity (issue 13,
gaps in numbering): reports, exports, their files and the download audit trail carry
random identifiers, so an unblinded report or export made between two blinded ones
leaves no trace (no id, name, count or gap) in anything a blinded role can list or
download.

The test builds the same blinded history twice, once with an unblinded report and
export (made and downloaded by the unblinded statistician) in the middle, and
compares everything the coordinator and the statistician can reach: web pages, API
answers, admin pages and downloaded files. Each visible object's identifier is
replaced by its place in the story (R1, R1.json, ...) and every timestamp is pinned;
what remains must be the same in both histories.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from analysis.models import Report, ReportDownload
from analysis.services.reports import report_build, report_file_download, report_request
from diary.models import ExportDownload, ExportRun
from diary.services.exports import export_build, export_file_download, export_request
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
VOLATILE = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'),
    re.compile(r'(nonce=")[^"]+'),
]


class _Rollback(Exception):
    pass


@pytest.fixture
def people(data_trial):
    coordinator = staff("coordinator")
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    return {
        "coordinator": coordinator,
        "statistician": staff("statistician"),
        "boss": staff("unblinded_statistician"),
    }


def _pin(model, pk, minute: int, *fields) -> None:
    when = T0 + timedelta(minutes=minute)
    model.objects.filter(pk=pk).update(**{f: when for f in fields})


def _blinded_pair(people, *, minute: int, by: str, name: str, labels: dict) -> None:
    user = people[by]
    report = report_request(by_user=user, formats=["json", "csv"])
    report = report_build(report=report)
    run = export_build(run=export_request(by_user=user, formats=["codebook"]))
    assert report.status == "done" and run.status == "done"
    _pin(Report, report.pk, minute, "created_at", "started_at", "finished_at")
    _pin(ExportRun, run.pk, minute, "created_at", "started_at", "finished_at")
    labels[str(report.pk)] = f"R{name}"
    labels[str(run.pk)] = f"E{name}"
    for i, stored in enumerate(report.files.order_by("file")):
        labels[str(stored.pk)] = f"R{name}-{stored.kind}"
        report_file_download(report_file=stored, by_user=people["coordinator"])
        download = ReportDownload.objects.filter(report_file=stored).latest("at")
        labels[str(download.pk)] = f"R{name}-{stored.kind}-download"
        _pin(ReportDownload, download.pk, minute * 10 + i, "at")
    for i, stored in enumerate(run.files.order_by("file")):
        labels[str(stored.pk)] = f"E{name}-{i}"
        export_file_download(export_file=stored, by_user=people["coordinator"])
        download = ExportDownload.objects.filter(export_file=stored).latest("at")
        labels[str(download.pk)] = f"E{name}-{i}-download"
        _pin(ExportDownload, download.pk, minute * 10 + 5 + i, "at")


def _unblinded_pair(people, hidden: set) -> None:
    boss = people["boss"]
    report = report_request(
        by_user=boss, view="unblinded", formats=["json", "csv"], dsmb_reference="DSMB letter 7"
    )
    report = report_build(report=report)
    run = export_build(run=export_request(by_user=boss, formats=["codebook"], unblinded=True))
    assert report.status == "done" and run.status == "done"
    _pin(Report, report.pk, 15, "created_at", "started_at", "finished_at")
    _pin(ExportRun, run.pk, 15, "created_at", "started_at", "finished_at")
    hidden |= {str(report.pk), str(run.pk)}
    for stored in report.files.all():
        hidden.add(str(stored.pk))
        report_file_download(report_file=stored, by_user=boss)
    for stored in run.files.all():
        hidden.add(str(stored.pk))
        export_file_download(export_file=stored, by_user=boss)
    hidden |= {str(pk) for pk in ReportDownload.objects.filter(user=boss).values_list("pk")}
    hidden |= {str(pk) for pk in ExportDownload.objects.filter(user=boss).values_list("pk")}


def _seen(people, role: str) -> dict[str, str]:
    """Everything `role` can list or download: url -> body (and file name)."""
    user = people[role]
    web = Client()
    web.force_login(user)
    api = APIClient()
    api.force_authenticate(user=user)
    seen = {}
    visible_reports = Report.objects.filter(parameters__view="open")

    def get(client, url):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            body = b"".join(response.streaming_content)
            return response.get("Content-Disposition", "") + "\n" + body.decode(errors="replace")
        return response.content.decode()

    # The admin first: the downloads below are recorded and would show in its lists.
    if role == "coordinator":
        for url in (
            "/admin/analysis/report/",
            "/admin/analysis/reportdownload/",
            "/admin/diary/exportrun/",
            "/admin/diary/exportdownload/",
        ):
            seen[url] = get(web, url)
        for report in Report.objects.filter(parameters__view="open"):
            url = f"/admin/analysis/report/{report.pk}/change/"
            seen[url] = get(web, url)
        for run in ExportRun.objects.filter(unblinded=False):
            url = f"/admin/diary/exportrun/{run.pk}/change/"
            seen[url] = get(web, url)
        for download in ReportDownload.objects.filter(report_file__report__in=visible_reports):
            url = f"/admin/analysis/reportdownload/{download.pk}/change/"
            seen[url] = get(web, url)
        for download in ExportDownload.objects.filter(export_file__run__unblinded=False):
            url = f"/admin/diary/exportdownload/{download.pk}/change/"
            seen[url] = get(web, url)
    for url in ("/reports/", "/exports/", "/api/reports/", "/api/exports/"):
        seen[url] = get(web if not url.startswith("/api") else api, url)
    for report in Report.objects.filter(parameters__view="open"):
        seen[f"/reports/{report.pk}/"] = get(web, f"/reports/{report.pk}/")
        seen[f"/api/reports/{report.pk}/"] = get(api, f"/api/reports/{report.pk}/")
        for stored in report.files.all():
            seen[f"/reports/{report.pk}/files/{stored.pk}/"] = get(
                web, f"/reports/{report.pk}/files/{stored.pk}/"
            )
    for run in ExportRun.objects.filter(unblinded=False):
        seen[f"/api/exports/{run.pk}/"] = get(api, f"/api/exports/{run.pk}/")
        for stored in run.files.all():
            seen[f"/api/exports/{run.pk}/files/{stored.pk}/"] = get(
                api, f"/api/exports/{run.pk}/files/{stored.pk}/"
            )
    return seen


def _history(people, *, with_unblinded: bool) -> tuple[dict, set]:
    """The story in a savepoint that is rolled back: what each blinded role sees,
    normalised, and the identifiers of what they must not see."""
    labels: dict[str, str] = {}
    hidden: set[str] = set()
    try:
        with transaction.atomic():
            _blinded_pair(people, minute=10, by="coordinator", name="1", labels=labels)
            if with_unblinded:
                _unblinded_pair(people, hidden)
            _blinded_pair(people, minute=20, by="statistician", name="2", labels=labels)
            raw = {role: _seen(people, role) for role in ("coordinator", "statistician")}
            raise _Rollback
    except _Rollback:
        pass
    return {role: _normalised(pages, labels) for role, pages in raw.items()}, hidden, raw


def _normalised(pages: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    pattern = re.compile(
        r"(?<![0-9A-Za-z])(" + "|".join(map(re.escape, sorted(labels, key=len)[::-1])) + r")"
        r"(?![0-9A-Za-z])"
    )

    def clean(text: str) -> str:
        text = pattern.sub(lambda m: f"<{labels[m.group(1)]}>", text)
        for volatile in VOLATILE:
            text = volatile.sub(r"\1*", text)
        return text

    return {clean(url): clean(body) for url, body in pages.items()}


def test_unblinded_activity_between_two_blinded_reports_leaves_no_trace(people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "without"
    without, _, _ = _history(people, with_unblinded=False)
    settings.MEDIA_ROOT = tmp_path / "with"
    with_unblinded, hidden, raw = _history(people, with_unblinded=True)

    for role in ("coordinator", "statistician"):
        assert sorted(with_unblinded[role]) == sorted(without[role]), role
        for url, body in with_unblinded[role].items():
            assert body == without[role][url], (role, url)
        for url, body in raw[role].items():
            for secret in hidden:
                assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", url)
                assert not re.search(rf"(?<![0-9A-Za-z]){re.escape(secret)}(?![0-9A-Za-z])", body)


def test_identifiers_are_random_not_numbered(people):
    reports = [report_request(by_user=people["statistician"], formats=["json"]) for _ in range(5)]
    runs = [export_request(by_user=people["coordinator"], formats=["codebook"]) for _ in range(5)]
    for job in (*reports, *runs):
        assert re.fullmatch(r"[0-9a-z]{12}", str(job.pk)), job.pk
        assert not str(job.pk).isdigit()
    assert len({r.pk for r in reports} | {r.pk for r in runs}) == 10


@pytest.mark.parametrize("model", ["adverseevent", "participant", "site", "trial"])
def test_an_admin_history_page_for_an_id_that_cannot_be_one_is_a_404(people, model):
    """Random identifiers travel in admin URLs; one given to another model's history
    page (numbered ids) is a 404, never a server error."""
    client = Client(raise_request_exception=False)
    client.force_login(people["coordinator"])
    assert client.get(f"/admin/diary/{model}/9g5jb5mh9mz4/history/").status_code == 404
