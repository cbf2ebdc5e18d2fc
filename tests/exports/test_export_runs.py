"""Stored exports asked for by a user: who may ask for what, the stored files with
their SHA-256 and size, who sees them, and the audited downloads."""

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from diary.errors import AccessDenied, InvalidValue
from diary.models import ExportDownload, ExportRun
from diary.selectors.exports import export_files_for, exports_for
from diary.services.exports import export_build, export_file_download, export_request
from tests.exports.conftest import staff

pytestmark = pytest.mark.django_db


def _content(stored) -> bytes:
    return (Path(settings.MEDIA_ROOT) / stored.file.name).read_bytes()


def test_a_requested_export_is_built_with_every_format_and_its_hashes(data_trial, committed):
    user = staff("statistician")
    with committed():
        run = export_request(by_user=user, formats=["package", "xlsx", "spss", "stata", "codebook"])
    run.refresh_from_db()  # built in-process once committed (eager Celery in tests)
    assert run.status == ExportRun.Status.DONE, run.error
    assert run.requested_by == user and run.requester == user.username
    assert run.attempts == 1 and run.finished_at is not None
    names = sorted(f.name for f in run.files.all())
    assert names == sorted(
        f"export-{run.pk}-{s}"
        for s in (
            "package.zip",
            "data.xlsx",
            "spss.zip",
            "stata.zip",
            "codebook.csv",
            "codebook.html",
        )
    )
    for stored in run.files.all():
        content = _content(stored)
        assert stored.size == len(content) > 0
        assert stored.sha256 == hashlib.sha256(content).hexdigest()
    package = run.files.get(kind="package")
    with zipfile.ZipFile(io.BytesIO(_content(package))) as archive:
        assert "participants.csv" in archive.namelist()


def test_only_the_unblinded_statistician_may_ask_for_an_unblinded_export(data_trial, committed):
    for role in ("coordinator", "statistician"):
        with pytest.raises(AccessDenied) as refused:
            export_request(by_user=staff(role), formats=["package"], unblinded=True)
        assert refused.value.field == "unblinded"
    with committed():
        run = export_request(
            by_user=staff("unblinded_statistician"), formats=["package"], unblinded=True
        )
    run.refresh_from_db()
    assert run.unblinded and run.status == ExportRun.Status.DONE


@pytest.mark.parametrize("role", ["research_assistant", "investigator"])
def test_site_roles_may_not_export(data_trial, role):
    with pytest.raises(AccessDenied):
        export_request(by_user=staff(role, "C1"), formats=["package"])


def test_unknown_or_no_format_is_refused(data_trial):
    with pytest.raises(InvalidValue):
        export_request(by_user=staff("coordinator"), formats=["sas"])
    with pytest.raises(InvalidValue):
        export_request(by_user=staff("coordinator"), formats=[])
    assert not ExportRun.objects.exists()


def test_unblinded_exports_are_seen_only_by_the_unblinded_statistician(data_trial):
    unblinded_statistician = staff("unblinded_statistician")
    hidden = export_request(by_user=unblinded_statistician, formats=["codebook"], unblinded=True)
    shown = export_request(by_user=staff("coordinator"), formats=["codebook"])
    assert set(exports_for(unblinded_statistician)) == {hidden, shown}
    for role in ("coordinator", "statistician"):
        assert list(exports_for(staff(role))) == [shown]
        assert not export_files_for(staff(role)).filter(run=hidden).exists()
    for role in ("research_assistant", "investigator"):
        assert not exports_for(staff(role, "C1")).exists()


def test_every_download_is_audited_and_refused_to_those_who_may_not_see_it(data_trial, committed):
    statistician = staff("statistician")
    with committed():
        run = export_request(
            by_user=staff("unblinded_statistician"), formats=["codebook"], unblinded=True
        )
    stored = run.files.first()
    with pytest.raises(AccessDenied):
        export_file_download(export_file=stored, by_user=statistician)
    assert not ExportDownload.objects.exists()
    boss = staff("unblinded_statistician", username="boss")
    export_file_download(export_file=stored, by_user=boss, via="api", remote_addr="10.0.0.1")
    download = ExportDownload.objects.get()
    assert (download.user, download.via, download.remote_addr) == (boss, "api", "10.0.0.1")
    assert download.file_name == stored.file.name


def test_a_done_run_is_never_rebuilt_and_a_failed_one_is(data_trial, monkeypatch, committed):
    with committed():
        run = export_request(by_user=staff("coordinator"), formats=["codebook"])
    run.refresh_from_db()
    files = list(run.files.values_list("pk", "sha256"))
    again = export_build(run=run)
    assert again.attempts == 1 and list(again.files.values_list("pk", "sha256")) == files

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("diary.services.exports.export_data", broken)
    with committed():
        failing = export_request(by_user=staff("coordinator"), formats=["codebook"])
    failing.refresh_from_db()
    assert failing.status == ExportRun.Status.FAILED
    assert "internal error" in failing.error and "disk" not in failing.error
    assert not failing.files.exists()
    assert not list((Path(settings.MEDIA_ROOT) / "exports").glob(f"{failing.pk}/*"))
    monkeypatch.undo()
    rebuilt = export_build(run=failing)
    assert rebuilt.status == ExportRun.Status.DONE and rebuilt.attempts == 2
    assert rebuilt.files.count() == 2


def test_an_attempt_taken_over_by_a_newer_one_attaches_nothing(data_trial, monkeypatch):
    """A job whose run was claimed again meanwhile (its worker was thought dead) drops
    its files: one set of files per run."""
    from diary.services import exports

    run = ExportRun.objects.create(
        trial=data_trial, parameters={"formats": ["codebook"]}, requested_by_name="test"
    )
    real_outputs = exports._outputs

    def outputs_then_taken_over(r):
        result = real_outputs(r)
        ExportRun.objects.filter(pk=r.pk).update(attempts=r.attempts + 1)
        return result

    monkeypatch.setattr(exports, "_outputs", outputs_then_taken_over)
    export_build(run=run)
    run.refresh_from_db()
    assert run.status == ExportRun.Status.RUNNING and not run.files.exists()
    assert not (Path(settings.MEDIA_ROOT) / "exports" / str(run.pk)).exists()
