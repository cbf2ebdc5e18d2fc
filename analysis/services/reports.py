"""Report jobs: asking for a report (who may ask for what) and building it.

`report_request` records what was asked and by whom, then queues the job;
`report_build` does the work: load the trial's data, compute the report, render
every requested format into a staging folder, then in one transaction move the
folder into place, attach the files and mark the report done. A job that fails or
is killed leaves no file attached and can simply run again; a report already done
is never rebuilt. Progress is written in short transactions of its own, so the web
app and the admin can show it while the job runs.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import subprocess
import tomllib
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from analysis.cohort import CODED, OPEN, UNBLINDED, VIEWS
from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.errors import AnalysisError
from analysis.loader import itt_dataset
from analysis.models import Report, ReportDownload, ReportFile, ReportRelease
from analysis.render import RENDERERS, consort_png, figure2_png, tipping_png
from analysis.report import build_report
from analysis.selectors.reports import REQUESTERS, reports_for
from diary.errors import AccessDenied, InvalidValue, TrialError
from diary.models import Trial
from diary.roles import Role, role_of
from diary.selectors.allocation import blinded_group_codes
from diary.selectors.trial import current_trial

logger = logging.getLogger(__name__)

FORMATS = ("json", "html", "xlsx", "csv", "png")
INTERNAL_ERROR = (
    "The report could not be built because of an internal error; the details are in the "
    "job's log. Retry it, or ask the trial's data manager."
)
QUEUE_UNAVAILABLE = "The job queue is unavailable, so the report was not started; retry later."
DSMB_NEEDED = (
    "A report by group before the {when} is a closed report for the monitoring board (DSMB): "
    "give the board's request, recorded with the report."
)


# -- asking for a report ----------------------------------------------------------------


def may_request_reports(user) -> bool:
    return role_of(user) in REQUESTERS


def _unblinded_after_lock(trial: Trial) -> bool:
    return bool(trial.locked_at and trial.unblinded_at and trial.unblinded_at >= trial.locked_at)


def default_view(*, user, trial: Trial) -> str:
    """The view a request without one gets: coded for the statisticians once the database
    is locked, open otherwise (coordinators always)."""
    if role_of(user) in (Role.STATISTICIAN, Role.UNBLINDED_STATISTICIAN) and trial.locked_at:
        return CODED
    return OPEN


def view_refusal(*, user, trial: Trial, view: str, dsmb_reference: str = "") -> str | None:
    """Why `user` may not have a report of this view now, or None when they may.

    Before the database lock a blinded role gets only open reports. After it, the
    blinded statistician also gets coded ones; coordinators never do (they enter and
    correct data, and could compare a report by group with their own changes). Only the
    unblinded statistician makes a report split by group before the lock (coded or
    unblinded, for the monitoring board: a closed report), or an unblinded one before
    the trial is unblinded after its lock.
    """
    role = role_of(user)
    if role not in REQUESTERS:
        return "Your role may not request analysis reports."
    if view not in VIEWS:
        return f"Unknown view {view!r}; choose one of {', '.join(VIEWS)}."
    if view == OPEN:
        return None
    if view == UNBLINDED and role != Role.UNBLINDED_STATISTICIAN:
        return "Only the unblinded statistician may request an unblinded report."
    if role == Role.COORDINATOR:
        return "Coordinators get open reports (all participants pooled) only."
    if view == CODED and trial.locked_at:
        return None
    if role == Role.STATISTICIAN:
        return (
            "Until the database is locked, reports for blinded roles are open (all "
            "participants pooled): a coded report needs the lock."
        )
    if view == UNBLINDED and _unblinded_after_lock(trial):
        return None
    if dsmb_reference.strip():
        return None
    when = "database lock" if view == CODED else "trial is unblinded after its lock"
    return DSMB_NEEDED.format(when=when)


def unblinded_refusal(*, user, trial: Trial, dsmb_reference: str = "") -> str | None:
    """Why `user` may not have an unblinded report now, or None when they may."""
    return view_refusal(user=user, trial=trial, view=UNBLINDED, dsmb_reference=dsmb_reference)


def _closed(*, trial: Trial, view: str) -> bool:
    """A report by group made before the lock (coded) or before the trial is unblinded
    after its lock (unblinded) is closed: for the monitoring board."""
    if view == CODED:
        return not trial.locked_at
    if view == UNBLINDED:
        return not _unblinded_after_lock(trial)
    return False


@transaction.atomic
def report_request(
    *,
    by_user,
    view: str | None = None,
    imputation: str = DEFAULT_IMPUTATION,
    table1_pvalues: bool = False,
    formats=FORMATS,
    dsmb_reference: str = "",
    trial: Trial | None = None,
) -> Report:
    """Record a request for an ITT report by a user of the web app, admin or API,
    and queue its job once the request is committed.

    `view` (open, coded or unblinded; by default `default_view`) must be allowed to
    the user now (`view_refusal`). A closed report (by group before the lock, by the
    unblinded statistician on the monitoring board's request) stores the board's
    reference; it is read only by the unblinded statistician and the DSMB members it
    is released to (`report_release`).
    """
    trial = trial or current_trial()
    if not may_request_reports(by_user):
        raise AccessDenied("Your role may not request analysis reports.")
    view = view or default_view(user=by_user, trial=trial)
    dsmb_reference = dsmb_reference.strip()
    refusal = view_refusal(user=by_user, trial=trial, view=view, dsmb_reference=dsmb_reference)
    if refusal:
        raise AccessDenied(refusal, field="view")
    closed = _closed(trial=trial, view=view)
    report = _report_create(
        trial=trial,
        parameters=_parameters(imputation, view, table1_pvalues, formats),
        requested_by=by_user,
        dsmb_request=closed,
        dsmb_reference=dsmb_reference if closed else "",
    )
    transaction.on_commit(functools.partial(_enqueue, report.pk))
    return report


@transaction.atomic
def report_request_scheduled(
    *,
    schedule: str,
    imputation: str = DEFAULT_IMPUTATION,
    table1_pvalues: bool = False,
    formats=FORMATS,
    trial: Trial | None = None,
) -> Report:
    """A report asked for by a schedule (always open: coordinators read it), queued once
    committed."""
    report = _report_create(
        trial=trial or current_trial(),
        parameters=_parameters(imputation, OPEN, table1_pvalues, formats),
        requested_by_name=f"schedule:{schedule}"[:150],
    )
    transaction.on_commit(functools.partial(_enqueue, report.pk))
    return report


def report_request_operator(
    *,
    os_user: str,
    view: str | None = None,
    imputation: str = DEFAULT_IMPUTATION,
    table1_pvalues: bool = False,
    formats=FORMATS,
    trial: Trial | None = None,
) -> Report:
    """A report asked for from the shell by an operator, who may have any view at any
    time (the report row records the operating-system user); by default coded once the
    database is locked, open before. Not queued: the command builds it at once with
    `report_build`. Who may then read it follows `reports_for` like any report."""
    trial = trial or current_trial()
    view = view or (CODED if trial.locked_at else OPEN)
    return _report_create(
        trial=trial,
        parameters=_parameters(imputation, view, table1_pvalues, formats),
        requested_by_name=f"shell:{os_user}"[:150],
    )


@transaction.atomic
def report_retry(*, report: Report, by_user) -> Report:
    """Queue a failed report again (a new attempt starts from scratch)."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not reports_for(by_user).filter(pk=report.pk).exists() or not may_request_reports(by_user):
        raise AccessDenied("You may not retry this report.")
    if report.status != Report.Status.FAILED:
        raise InvalidValue("Only a failed report can be retried.", field="status")
    refusal = view_refusal(
        user=by_user, trial=report.trial, view=report.view, dsmb_reference=report.dsmb_reference
    )
    if refusal:
        raise AccessDenied(refusal)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.QUEUED, progress=0, stage="Queued again", error=""
    )
    transaction.on_commit(functools.partial(_enqueue, report.pk))
    report.refresh_from_db()
    return report


def _parameters(imputation, view, table1_pvalues, formats) -> dict:
    if imputation not in IMPUTATIONS:
        raise InvalidValue(
            f"Unknown imputation {imputation!r}; choose one of {', '.join(IMPUTATIONS)}.",
            field="imputation",
        )
    if view not in VIEWS:
        raise InvalidValue(
            f"Unknown view {view!r}; choose one of {', '.join(VIEWS)}.", field="view"
        )
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InvalidValue(f"Unknown format: {', '.join(unknown)}.", field="formats")
    return {
        "view": view,
        "imputation": imputation,
        "blinded": view != UNBLINDED,
        "table1_pvalues": bool(table1_pvalues) and view != OPEN,
        "formats": [f for f in FORMATS if f in set(formats) | {"json"}],
    }


def _report_create(*, trial: Trial, parameters: dict, **fields) -> Report:
    return Report.objects.create(
        trial=trial, kind=Report.Kind.ITT, parameters=parameters, stage="Queued", **fields
    )


def _enqueue(report_id: int) -> None:
    from analysis.tasks import generate_itt_report

    try:
        generate_itt_report.delay(report_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # in-process: the job itself failed, and has recorded why
        logger.exception("could not queue report %s", report_id)
        Report.objects.filter(pk=report_id, status=Report.Status.QUEUED).update(
            status=Report.Status.FAILED,
            stage="Not started",
            error=QUEUE_UNAVAILABLE,
            finished_at=timezone.now(),
        )


def reports_requeue_stale(*, queued_for: timedelta, running_for: timedelta) -> list[int]:
    """Queue again the reports whose job the broker lost: queued longer than
    `queued_for`, or running (a killed worker) longer than `running_for`. Building is
    idempotent, so a job that was merely slow is not harmed. Returns the report ids."""
    now = timezone.now()
    stale = list(
        Report.objects.filter(
            Q(status=Report.Status.QUEUED, created_at__lt=now - queued_for)
            | Q(status=Report.Status.RUNNING, started_at__lt=now - running_for)
        ).values_list("pk", flat=True)
    )
    for report_id in stale:
        _enqueue(report_id)
    return stale


# -- building a report --------------------------------------------------------------------


@dataclass(frozen=True)
class _Output:
    kind: str
    name: str
    content: bytes


def report_build(*, report: Report) -> Report:
    """Build the report's files and mark it done, or mark it failed with the reason.

    Safe to run again: a done report is returned as it is; a queued, failed or
    running one (left by a job that was killed) starts a new attempt, and an older
    attempt still running can no longer attach its files.
    """
    attempt = _claim(report.pk)
    if attempt is None:
        return Report.objects.get(pk=report.pk)
    report = Report.objects.select_related("trial").get(pk=report.pk)
    staging = _staging_root() / f"{report.pk}-{attempt}-{uuid.uuid4().hex}"
    try:
        outputs, data_sha256 = _compute(report, attempt)
        _progress(report.pk, attempt, 92, "Writing the files")
        staging.mkdir(parents=True)
        for output in outputs:
            (staging / output.name).write_bytes(output.content)
        _attach(report.pk, attempt, staging, outputs, data_sha256)
    except Exception as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _fail(report.pk, attempt, exc)
    return Report.objects.get(pk=report.pk)


def _compute(report: Report, attempt: int) -> tuple[list[_Output], str]:
    parameters = report.parameters
    view = report.view
    _progress(report.pk, attempt, 5, "Reading the trial's data")
    dataset = itt_dataset(trial=report.trial)
    _progress(report.pk, attempt, 30, "Computing the analyses")
    result = build_report(
        dataset,
        view=view,
        imputation=parameters["imputation"],
        group_codes=blinded_group_codes(trial=report.trial) if view == CODED else None,
        table1_pvalues=bool(parameters["table1_pvalues"]),
    )
    del dataset
    stem = f"itt-report-{report.pk}"
    renderers = {
        "json": lambda: [_Output("json", f"{stem}.json", RENDERERS["json"](result))],
        "html": lambda: [_Output("html", f"{stem}.html", RENDERERS["html"](result))],
        "xlsx": lambda: [_Output("xlsx", f"{stem}.xlsx", RENDERERS["xlsx"](result))],
        "csv": lambda: [_Output("csv", f"{stem}-tables.zip", RENDERERS["csv"](result))],
        "png": lambda: [
            _Output("png", f"{stem}-figure2.png", figure2_png(result)),
            _Output("png", f"{stem}-consort.png", consort_png(result)),
            *(
                [_Output("png", f"{stem}-tipping-point.png", png)]
                if (png := tipping_png(result))
                else []
            ),
        ],
    }
    formats = [f for f in FORMATS if f in parameters["formats"]]
    outputs: list[_Output] = []
    for i, name in enumerate(formats):
        _progress(report.pk, attempt, 60 + 30 * i // len(formats), f"Rendering {name.upper()}")
        outputs.extend(renderers[name]())
    return outputs, result["data_sha256"]


def _claim(report_id: int) -> int | None:
    """Start a new attempt (returns its number), or None when the report is done."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status == Report.Status.DONE:
            return None
        report.attempts += 1
        report.status = Report.Status.RUNNING
        report.progress = 0
        report.stage = "Starting"
        report.error = ""
        report.data_sha256 = ""
        report.code_version = code_version()
        report.started_at = timezone.now()
        report.finished_at = None
        report.save()
        attempt = report.attempts
    for stale in _staging_root().glob(f"{report_id}-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by an attempt that was killed
    return attempt


def _progress(report_id: int, attempt: int, percent: int, stage: str) -> None:
    Report.objects.filter(pk=report_id, attempts=attempt, status=Report.Status.RUNNING).update(
        progress=percent, stage=stage
    )


def _attach(
    report_id: int, attempt: int, staging: Path, outputs: list[_Output], data_sha256: str
) -> None:
    """Move the files into place, attach them and mark the report done, all or nothing."""
    final = report_folder(report_id)
    moved = False
    try:
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report_id)
            if report.attempts != attempt or report.status != Report.Status.RUNNING:
                raise _Superseded
            if final.exists():
                shutil.rmtree(final)  # moved by an attempt killed before it committed
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging, final)
            moved = True
            ReportFile.objects.bulk_create(
                ReportFile(
                    report_id=report_id,
                    kind=output.kind,
                    file=f"reports/{report_id}/{output.name}",
                    sha256=hashlib.sha256(output.content).hexdigest(),
                    size=len(output.content),
                )
                for output in outputs
            )
            Report.objects.filter(pk=report_id).update(
                status=Report.Status.DONE,
                progress=100,
                stage="Done",
                data_sha256=data_sha256,
                finished_at=timezone.now(),
            )
    except _Superseded:
        shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        if moved:
            shutil.rmtree(final, ignore_errors=True)
        raise


class _Superseded(Exception):
    """A newer attempt has taken the report over; this one's files are dropped."""


def _fail(report_id: int, attempt: int, exc: Exception) -> None:
    if isinstance(exc, AnalysisError | TrialError):
        message = str(exc)
    else:
        logger.exception("report %s attempt %s failed", report_id, attempt)
        message = INTERNAL_ERROR
    Report.objects.filter(pk=report_id, attempts=attempt).exclude(status=Report.Status.DONE).update(
        status=Report.Status.FAILED,
        stage="Failed",
        error=message,
        finished_at=timezone.now(),
    )


def report_folder(report_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / str(report_id)


def _staging_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "reports" / ".staging"


@functools.cache
def code_version() -> str:
    """The code's version, once per process: APP_CODE_VERSION, else `git describe`,
    else the project's version from pyproject.toml."""
    if os.environ.get("APP_CODE_VERSION"):
        return os.environ["APP_CODE_VERSION"][:80]
    base = Path(settings.BASE_DIR)
    try:
        described = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],  # noqa: S607
            cwd=base,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        if described:
            return f"git:{described}"[:80]
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        project = tomllib.loads((base / "pyproject.toml").read_text())["project"]
        return f"{project['name']} {project['version']}"[:80]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# -- downloads ------------------------------------------------------------------------------


def report_file_download(
    *, report_file: ReportFile, by_user, via: str = "web", remote_addr: str | None = None
) -> ReportFile:
    """Record that `by_user` is given a report file (refused if they may not see it)."""
    if not reports_for(by_user).filter(pk=report_file.report_id).exists():
        raise AccessDenied("You may not download this report.")
    ReportDownload.objects.create(
        report_file=report_file,
        file_name=report_file.file.name,
        user=by_user,
        via=via,
        remote_addr=remote_addr,
    )
    return report_file


# -- closed reports for the monitoring board --------------------------------------------------


@transaction.atomic
def report_release(*, report: Report, to_user, by_user, note: str = "") -> ReportRelease:
    """Give a DSMB member read access to a closed report (recorded: who, to whom, when).

    Only the unblinded statistician releases, only closed reports that are done, and
    only to DSMB members (who read nothing else in the app).
    """
    if role_of(by_user) != Role.UNBLINDED_STATISTICIAN:
        raise AccessDenied("Only the unblinded statistician releases reports to the DSMB.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.closed:
        raise InvalidValue(
            "Only a closed report (made for the monitoring board) can be released.",
            field="report",
        )
    if report.status != Report.Status.DONE:
        raise InvalidValue("Only a finished report can be released.", field="report")
    if role_of(to_user) != Role.DSMB_MEMBER:
        raise InvalidValue("Reports are released to DSMB members only.", field="released_to")
    if report.releases.filter(released_to=to_user, revoked_at__isnull=True).exists():
        raise InvalidValue(
            f"Report {report.pk} is already released to {to_user.get_username()}.",
            field="released_to",
        )
    return ReportRelease.objects.create(
        report=report,
        report_name=f"Report {report.pk} ({report.view}; {report.dsmb_reference})"[:200],
        released_to=to_user,
        released_by=by_user,
        note=note.strip()[:300],
    )


@transaction.atomic
def report_release_revoke(*, release: ReportRelease, by_user) -> ReportRelease:
    """End a release (the record stays, with who ended it and when)."""
    if role_of(by_user) != Role.UNBLINDED_STATISTICIAN:
        raise AccessDenied("Only the unblinded statistician revokes a release.")
    release = ReportRelease.objects.select_for_update().get(pk=release.pk)
    if release.revoked_at is None:
        release.revoked_at = timezone.now()
        release.revoked_by = by_user
        release.save(update_fields=["revoked_at", "revoked_by"])
    return release
