"""Stored exports: asking for one, building it, handing out its files, and removing
old ones.

`export_request` records an export asked for in the web app, the admin or the API
and queues its job; `export_run_scheduled` is a schedule's run, found or created
under its key (schedule and period) and built in the same job, so a retried or
repeated task never stores a second export for the period. `export_build` makes the
files format by format and stores them through the job mechanism shared with the
analysis reports (diary.services.jobs): all at once when the run is done, a format
that failed listed with the run and the others kept. A run already done is never
rebuilt; a failed one is built again by a retry, and a run the broker lost is queued
again by a schedule.

Blinding: only the unblinded statistician may ask for an unblinded export; a
schedule's exports and the progress reports are always blinded (the database
refuses anything else).
"""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction

from diary.errors import AccessDenied, InvalidValue
from diary.exports.data import export_data
from diary.exports.formats import FORMATS, stored_files
from diary.exports.progress import progress_report_html
from diary.models import ExportDownload, ExportFile, ExportRun, Trial
from diary.roles import Role, role_of
from diary.selectors.exports import export_files_for, may_read_exports
from diary.selectors.progress import progress_report
from diary.selectors.trial import current_trial
from diary.services.artifacts import artifact_folder, artifacts_prune
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

AREA = "exports"
INTERNAL_ERROR = (
    "The export could not be built because of an internal error; the details are in "
    "the job's log. Ask for it again, or ask the trial's data manager."
)
FORMAT_NAMES = {
    "package": "the data package",
    "xlsx": "the Excel workbook",
    "spss": "the SPSS files",
    "stata": "the Stata files",
    "codebook": "the codebook",
    "odm": "the CDISC ODM file",
    "progress": "the progress report",
}


def _task():
    from diary.tasks import build_export

    return build_export


EXPORT_JOBS = JobType(
    model=ExportRun,
    file_model=ExportFile,
    owner="run",
    area=AREA,
    noun="export",
    task=_task,
    internal_error=INTERNAL_ERROR,
    format_names=FORMAT_NAMES,
)


# -- asking for an export --------------------------------------------------------------


def _formats(formats) -> list[str]:
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise InvalidValue(f"Unknown format: {', '.join(unknown)}.", field="formats")
    if not formats:
        raise InvalidValue("Choose at least one format.", field="formats")
    return [f for f in FORMATS if f in formats]


@transaction.atomic
def export_request(
    *, by_user, formats=FORMATS, unblinded: bool = False, trial: Trial | None = None
) -> ExportRun:
    """Record an export asked for by a coordinator or a statistician (blinded) or by
    the unblinded statistician (blinded or not), and queue its job once committed."""
    if not may_read_exports(by_user):
        raise AccessDenied("Your role may not export the trial's data.")
    if unblinded and role_of(by_user) != Role.UNBLINDED_STATISTICIAN:
        raise AccessDenied(
            "Only the unblinded statistician may export unblinded data.", field="unblinded"
        )
    run = ExportRun.objects.create(
        trial=trial or current_trial(),
        kind=ExportRun.Kind.DATA,
        unblinded=bool(unblinded),
        parameters={"formats": _formats(formats)},
        requested_by=by_user,
    )
    transaction.on_commit(functools.partial(_enqueue, run.pk))
    return run


def _enqueue(run_id) -> None:
    job_enqueue(EXPORT_JOBS, run_id)


def scheduled_run(
    *,
    kind: str,
    schedule: str,
    period: str,
    parameters: dict,
    run_now_by: str = "",
    trial: Trial | None = None,
) -> ExportRun:
    """The run of `schedule` for `period`, created the first time it is asked for.
    Always blinded."""
    requester = f"schedule:{schedule}" + (f" (run now by {run_now_by})" if run_now_by else "")
    key = f"{kind}:{schedule}@{period}"
    defaults = {
        "trial": trial or current_trial(),
        "kind": kind,
        "unblinded": False,
        "parameters": {**parameters, "period": period},
        "requested_by_name": requester[:150],
        "schedule": schedule[:200],
    }
    try:
        with transaction.atomic():
            run, _ = ExportRun.objects.get_or_create(run_key=key[:300], defaults=defaults)
    except IntegrityError:  # created by a simultaneous job a moment ago
        run = ExportRun.objects.get(run_key=key[:300])
    return run


def export_run_scheduled(
    *,
    schedule: str,
    period: str,
    formats=FORMATS,
    run_now_by: str = "",
    trial: Trial | None = None,
) -> ExportRun:
    """A schedule's blinded data export for `period` (stored once per period)."""
    run = scheduled_run(
        kind=ExportRun.Kind.DATA,
        schedule=schedule,
        period=period,
        parameters={"formats": _formats(formats)},
        run_now_by=run_now_by,
        trial=trial,
    )
    return export_build(run=run)


# -- building a run ----------------------------------------------------------------------


def export_build(*, run: ExportRun) -> ExportRun:
    """Build the run's files and mark it done (a format that failed is listed with
    it), or mark it failed with the reason. Safe to run again: a done run is returned
    as it is; any other starts a new attempt, and an older attempt still running can
    no longer attach its files."""
    return job_build(EXPORT_JOBS, run.pk, _produce)


def _produce(run: ExportRun, attempt: int) -> Produced:
    return Produced(*outputs_render(EXPORT_JOBS, run.pk, _outputs(run)))


def _outputs(run: ExportRun) -> list[tuple[str, object]]:
    """(format, render) for each format of the run; each render gives that format's
    files. Names say what a file is, never an arm."""
    if run.kind == ExportRun.Kind.PROGRESS:
        on_date = date.fromisoformat(run.parameters["on_date"])
        name = f"progress-report-{run.pk}-{on_date.isoformat()}.html"

        def progress_html():
            report = progress_report(trial=run.trial, on_date=on_date)
            return [Output(ExportFile.Kind.PROGRESS, name, progress_report_html(report))]

        return [(ExportFile.Kind.PROGRESS, progress_html)]
    job_progress(EXPORT_JOBS, run.pk, run.attempts, 5, "Reading the trial's data")
    data = export_data(trial=run.trial, unblinded=run.unblinded)
    formats = run.formats

    def render(i: int, fmt: str):
        job_progress(
            EXPORT_JOBS,
            run.pk,
            run.attempts,
            10 + 85 * i // len(formats),
            f"Writing {FORMAT_NAMES[fmt]}",
        )
        return [
            Output(fmt, f"export-{run.pk}-{suffix}", content)
            for suffix, content in stored_files(data, fmt).items()
        ]

    return [(fmt, functools.partial(render, i, fmt)) for i, fmt in enumerate(formats)]


def exports_requeue_stale(*, queued_for: timedelta, running_for: timedelta) -> list:
    """Queue again the runs whose job the broker lost (see jobs_requeue_stale)."""
    return jobs_requeue_stale(EXPORT_JOBS, queued_for=queued_for, running_for=running_for)


def exports_orphans_remove() -> int:
    """Remove the files killed export jobs left behind (see job_orphans_remove)."""
    return job_orphans_remove(EXPORT_JOBS)


# -- downloads and retention -------------------------------------------------------------


def export_file_download(
    *, export_file: ExportFile, by_user, via: str = "web", remote_addr: str | None = None
) -> ExportFile:
    """Record that `by_user` is given an exported file (refused if they may not see it)."""
    if not export_files_for(by_user).filter(pk=export_file.pk).exists():
        raise AccessDenied("You may not download this export.")
    ExportDownload.objects.create(
        export_file=export_file,
        file_name=export_file.file.name,
        user=by_user,
        via=via,
        remote_addr=remote_addr,
    )
    return export_file


def exports_prune(*, now=None) -> int:
    """Remove the finished runs (files and records) older than ARTIFACT_RETENTION_DAYS;
    the download audit trail stays. Returns the number of runs removed."""
    finished = ExportRun.objects.filter(status__in=[ExportRun.Status.DONE, ExportRun.Status.FAILED])
    return artifacts_prune(finished, folder=functools.partial(artifact_folder, AREA), now=now)
