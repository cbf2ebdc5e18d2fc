"""Report jobs: asking for a report (who may ask for what) and building it.

`report_request` records what was asked and by whom, then queues the job;
`report_build` does the work: load the trial's data, compute the report and render
every requested format, then hand the files to the job mechanism shared with the
exports (diary.services.jobs), which stages them, moves them into place, attaches
them and marks the report done in one transaction. A format that cannot be rendered
is listed with the report and the others are kept; a job that fails or is killed
leaves no file attached and can simply run again; a report already done is never
rebuilt; a report whose job the broker lost is queued again by a schedule. Progress
is written in short transactions of its own, so the web app and the admin can show
it while the job runs.
"""

from __future__ import annotations

import functools
import logging
import os
import subprocess
import tomllib
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analysis.cohort import CODED, OPEN, UNBLINDED, VIEWS
from analysis.conventions import DEFAULT_IMPUTATION, IMPUTATIONS
from analysis.errors import AnalysisError
from analysis.loader import itt_dataset
from analysis.models import Report, ReportDownload, ReportFile, ReportRelease
from analysis.render import FIGURE_FORMATS, RENDERERS, figure_files
from analysis.report import build_report
from analysis.selectors.reports import REQUESTERS, reports_for
from diary.errors import AccessDenied, InvalidValue, RuleConflict, TrialError
from diary.models import Trial
from diary.roles import Role, role_of
from diary.selectors.allocation import blinded_group_codes
from diary.selectors.trial import current_trial
from diary.services.artifacts import artifact_folder
from diary.services.jobs import (
    JobType,
    Output,
    Produced,
    job_build,
    job_enqueue,
    job_orphans_remove,
    job_progress,
    jobs_requeue_stale,
    outputs_render,
)

logger = logging.getLogger(__name__)

FORMATS = ("json", "html", "xlsx", "csv", "png", "svg", "pdf")
INTERNAL_ERROR = (
    "The report could not be built because of an internal error; the details are in the "
    "job's log. Retry it, or ask the trial's data manager."
)
AREA = "reports"


def _task():
    from analysis.tasks import generate_itt_report

    return generate_itt_report


REPORT_JOBS = JobType(
    model=Report,
    file_model=ReportFile,
    owner="report",
    area=AREA,
    noun="report",
    task=_task,
    internal_error=INTERNAL_ERROR,
    known_errors=(AnalysisError, TrialError),
    started=lambda: {"data_sha256": "", "code_version": code_version()},
    format_names={
        "json": "the JSON file",
        "html": "the HTML page",
        "xlsx": "the Excel workbook",
        "csv": "the CSV tables",
        "png": "the figures",
    },
)
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
        raise RuleConflict("Only a failed report can be retried.", field="status")
    refusal = view_refusal(
        user=by_user, trial=report.trial, view=report.view, dsmb_reference=report.dsmb_reference
    )
    if refusal:
        raise AccessDenied(refusal)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.QUEUED, progress=0, stage="Queued again", error="", failed_formats={}
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


def _enqueue(report_id) -> None:
    job_enqueue(REPORT_JOBS, report_id)


def reports_requeue_stale(*, queued_for: timedelta, running_for: timedelta) -> list:
    """Queue again the reports whose job the broker lost: queued longer than
    `queued_for`, or running (a killed worker) longer than `running_for`. Building is
    idempotent, so a job that was merely slow is not harmed. Returns the report ids."""
    return jobs_requeue_stale(REPORT_JOBS, queued_for=queued_for, running_for=running_for)


def reports_orphans_remove() -> int:
    """Remove the files killed report jobs left behind (see job_orphans_remove)."""
    return job_orphans_remove(REPORT_JOBS)


# -- building a report --------------------------------------------------------------------


def report_build(*, report: Report) -> Report:
    """Build the report's files and mark it done (a format that could not be rendered
    is listed with it), or mark it failed with the reason.

    Safe to run again: a done report is returned as it is; a queued, failed or
    running one (left by a job that was killed) starts a new attempt, and an older
    attempt still running can no longer attach its files.
    """
    return job_build(REPORT_JOBS, report.pk, _produce)


def _produce(report: Report, attempt: int) -> Produced:
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
        "json": lambda: [Output("json", f"{stem}.json", RENDERERS["json"](result))],
        "html": lambda: [Output("html", f"{stem}.html", RENDERERS["html"](result))],
        "xlsx": lambda: [Output("xlsx", f"{stem}.xlsx", RENDERERS["xlsx"](result))],
        "csv": lambda: [Output("csv", f"{stem}-tables.zip", RENDERERS["csv"](result))],
        **{fmt: functools.partial(_figures, result, stem, fmt) for fmt in FIGURE_FORMATS},
    }
    formats = [f for f in FORMATS if f in parameters["formats"]]

    def render(i: int, name: str) -> list[Output]:
        _progress(report.pk, attempt, 60 + 30 * i // len(formats), f"Rendering {name.upper()}")
        return renderers[name]()

    parts = [(f, functools.partial(render, i, f)) for i, f in enumerate(formats)]
    outputs, failed = outputs_render(REPORT_JOBS, report.pk, parts)
    _progress(report.pk, attempt, 92, "Writing the files")
    return Produced(outputs, failed, {"data_sha256": result["data_sha256"]})


def _figures(result: dict, stem: str, fmt: str) -> list[Output]:
    """The report's figures in one format: <stem>-figure2, -consort, -tipping-point."""
    return [Output(fmt, f"{stem}-{name}.{fmt}", data) for name, data in figure_files(result, fmt)]


def _progress(report_id, attempt: int, percent: int, stage: str) -> None:
    job_progress(REPORT_JOBS, report_id, attempt, percent, stage)


def report_folder(report_id) -> Path:
    """MEDIA_ROOT/reports/<id>: where a done report's files are."""
    return artifact_folder(AREA, report_id)


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
        raise RuleConflict(
            "Only a closed report (made for the monitoring board) can be released.",
            field="report",
        )
    if report.status != Report.Status.DONE:
        raise RuleConflict("Only a finished report can be released.", field="report")
    if role_of(to_user) != Role.DSMB_MEMBER:
        raise RuleConflict("Reports are released to DSMB members only.", field="released_to")
    if report.releases.filter(released_to=to_user, revoked_at__isnull=True).exists():
        raise RuleConflict(
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
