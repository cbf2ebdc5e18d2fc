"""Who reads which report, and closed reports released to DSMB members: recorded, read
only, revocable, every download audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analysis.models import Report, ReportDownload, ReportRelease
from analysis.selectors.reports import reports_for
from analysis.services.reports import (
    report_build,
    report_file_download,
    report_release,
    report_release_revoke,
    report_request,
)
from diary.errors import AccessDenied, InvalidValue
from diary.models import Trial
from tests.factories import make_user


def _lock(trial):
    Trial.objects.filter(pk=trial.pk).update(locked_at=timezone.now())
    trial.refresh_from_db()


@pytest.fixture
def people(db):
    return {
        role: make_user(role)
        for role in ("coordinator", "statistician", "unblinded_statistician", "dsmb_member")
    }


def _built(report: Report) -> Report:
    return report_build(report=report)


@pytest.fixture
def closed(stored, media, people):
    report = report_request(
        by_user=people["unblinded_statistician"],
        view="unblinded",
        dsmb_reference="DSMB meeting 1",
        formats=["json"],
    )
    return _built(report)


def test_each_role_reads_the_reports_of_its_view(stored, media, people):
    open_report = _built(report_request(by_user=people["coordinator"], formats=["json"]))
    closed_coded = _built(
        report_request(
            by_user=people["unblinded_statistician"],
            view="coded",
            dsmb_reference="DSMB 2",
            formats=["json"],
        )
    )
    _lock(stored)
    coded = _built(report_request(by_user=people["statistician"], formats=["json"]))
    assert coded.view == "coded"

    def readable(role):
        return set(reports_for(people[role]).values_list("pk", flat=True))

    assert readable("coordinator") == {open_report.pk}
    assert readable("statistician") == {open_report.pk, coded.pk}
    assert readable("unblinded_statistician") == {open_report.pk, closed_coded.pk, coded.pk}
    assert readable("dsmb_member") == set()
    # once the database is unlocked, the statistician is back to open reports only
    Trial.objects.filter(pk=stored.pk).update(locked_at=None)
    assert readable("statistician") == {open_report.pk}


def test_a_coded_report_from_before_the_lock_stays_closed_after_it(stored, media, people):
    early = report_request(
        by_user=people["unblinded_statistician"], view="coded", dsmb_reference="DSMB 3"
    )
    Report.objects.filter(pk=early.pk).update(created_at=timezone.now() - timedelta(days=1))
    _lock(stored)
    assert not reports_for(people["statistician"]).filter(pk=early.pk).exists()


def test_the_unblinded_statistician_releases_a_closed_report_to_a_dsmb_member(closed, people):
    member = people["dsmb_member"]
    assert not reports_for(member).exists()
    release = report_release(
        report=closed, to_user=member, by_user=people["unblinded_statistician"], note="Meeting 1"
    )
    assert (release.released_by, release.note, release.active) == (
        people["unblinded_statistician"],
        "Meeting 1",
        True,
    )
    assert list(reports_for(member)) == [closed]
    file = closed.files.get()
    report_file_download(report_file=file, by_user=member, via="web", remote_addr="10.1.1.1")
    audit = ReportDownload.objects.get()
    assert (audit.user, audit.report_file, audit.remote_addr) == (member, file, "10.1.1.1")


def test_a_revoked_release_ends_the_members_access_and_keeps_the_record(closed, people):
    member, unblinded = people["dsmb_member"], people["unblinded_statistician"]
    release = report_release(report=closed, to_user=member, by_user=unblinded)
    report_release_revoke(release=release, by_user=unblinded)
    release.refresh_from_db()
    assert release.revoked_by == unblinded and release.revoked_at is not None
    assert not reports_for(member).exists()
    with pytest.raises(AccessDenied):
        report_file_download(report_file=closed.files.get(), by_user=member)
    # a new release after a revoked one is allowed, and recorded separately
    report_release(report=closed, to_user=member, by_user=unblinded)
    assert ReportRelease.objects.filter(report=closed, released_to=member).count() == 2


@pytest.mark.parametrize("role", ["coordinator", "statistician", "dsmb_member"])
def test_only_the_unblinded_statistician_releases(closed, people, role):
    with pytest.raises(AccessDenied):
        report_release(report=closed, to_user=people["dsmb_member"], by_user=people[role])
    assert not ReportRelease.objects.exists()


def test_only_closed_finished_reports_go_to_dsmb_members_only(stored, media, closed, people):
    unblinded = people["unblinded_statistician"]
    open_report = _built(report_request(by_user=unblinded, formats=["json"]))
    with pytest.raises(InvalidValue, match="closed"):
        report_release(report=open_report, to_user=people["dsmb_member"], by_user=unblinded)
    with pytest.raises(InvalidValue, match="DSMB members"):
        report_release(report=closed, to_user=people["statistician"], by_user=unblinded)
    queued = report_request(by_user=unblinded, view="coded", dsmb_reference="DSMB 4")
    Report.objects.filter(pk=queued.pk).update(status=Report.Status.QUEUED)
    with pytest.raises(InvalidValue, match="finished"):
        report_release(report=queued, to_user=people["dsmb_member"], by_user=unblinded)
    report_release(report=closed, to_user=people["dsmb_member"], by_user=unblinded)
    with pytest.raises(InvalidValue, match="already"):
        report_release(report=closed, to_user=people["dsmb_member"], by_user=unblinded)


def test_a_dsmb_member_reads_no_other_report(stored, media, closed, people):
    unblinded = people["unblinded_statistician"]
    _built(report_request(by_user=people["coordinator"], formats=["json"]))
    other_closed = _built(
        report_request(by_user=unblinded, view="coded", dsmb_reference="DSMB 5", formats=["json"])
    )
    report_release(report=closed, to_user=people["dsmb_member"], by_user=unblinded)
    assert list(reports_for(people["dsmb_member"])) == [closed]
    with pytest.raises(AccessDenied):
        report_file_download(report_file=other_closed.files.get(), by_user=people["dsmb_member"])


def test_the_release_record_outlives_the_report(closed, people):
    release = report_release(
        report=closed, to_user=people["dsmb_member"], by_user=people["unblinded_statistician"]
    )
    number = closed.pk
    closed.delete()  # as the retention schedule removes old reports
    release.refresh_from_db()
    assert release.report is None
    assert release.report_name == f"Report {number} (unblinded; DSMB meeting 1)"
