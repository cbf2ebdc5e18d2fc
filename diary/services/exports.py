"""Stored exports: asking for one, building it, handing out its files, and removing
old ones.

`export_request` records an export asked for in the web app, the admin or the API
and queues its job; `export_run_scheduled` is a schedule's run, found or created
under its key (schedule and period) and built in the same job, so a retried or
repeated task never stores a second export for the period. `export_build` writes
the files to a staging folder, then in one transaction moves the folder into place,
records the files (SHA-256 and size) and marks the run done. A run already done is
never rebuilt; a failed one is built again by a retry.

Blinding: only the unblinded statistician may ask for an unblinded export; a
schedule's exports and the progress reports are always blinded (the database
refuses anything else).
"""

from __future__ import annotations

import functools
import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from diary.errors import AccessDenied, InvalidValue, TrialError
from diary.exports.data import export_data
from diary.exports.formats import FORMATS, stored_files
from diary.exports.progress import progress_report_html
from diary.models import ExportDownload, ExportFile, ExportRun, Trial
from diary.roles import Role, role_of
from diary.selectors.exports import export_files_for, may_read_exports
from diary.selectors.progress import progress_report
from diary.selectors.trial import current_trial
from diary.services.artifacts import (
    artifact_folder,
    artifacts_prune,
    files_stage,
    folder_move,
    folder_remove,
    staging_clear,
)

logger = logging.getLogger(__name__)

AREA = "exports"
INTERNAL_ERROR = (
    "The export could not be built because of an internal error; the details are in "
    "the job's log. Ask for it again, or ask the trial's data manager."
)
QUEUE_UNAVAILABLE = "The job queue is unavailable, so the export was not started; retry later."


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


def _enqueue(run_id: int) -> None:
    from diary.tasks import build_export

    try:
        build_export.delay(run_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise
        logger.exception("could not queue export %s", run_id)
        ExportRun.objects.filter(pk=run_id, status=ExportRun.Status.QUEUED).update(
            status=ExportRun.Status.FAILED, error=QUEUE_UNAVAILABLE, finished_at=timezone.now()
        )


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
    """Build the run's files and mark it done, or mark it failed with the reason.

    Safe to run again: a done run is returned as it is; any other starts a new
    attempt, and an older attempt still running can no longer attach its files."""
    attempt = _claim(run.pk)
    if attempt is not None:
        run = ExportRun.objects.select_related("trial").get(pk=run.pk)
        staging = None
        try:
            files = _outputs(run)
            staging, staged = files_stage(AREA, run.pk, {n: c for n, (_, c) in files.items()})
            _attach(run.pk, attempt, staging, [(s, files[s.name][0]) for s in staged])
        except Exception as exc:
            if staging is not None:
                folder_remove(staging)
            _fail(run.pk, attempt, exc)
    return ExportRun.objects.get(pk=run.pk)


def _outputs(run: ExportRun) -> dict[str, tuple[str, bytes]]:
    """{file name: (kind, content)}; names say what the file is, never an arm."""
    if run.kind == ExportRun.Kind.PROGRESS:
        on_date = date.fromisoformat(run.parameters["on_date"])
        report = progress_report(trial=run.trial, on_date=on_date)
        name = f"progress-report-{run.pk}-{on_date.isoformat()}.html"
        return {name: (ExportFile.Kind.PROGRESS, progress_report_html(report))}
    data = export_data(trial=run.trial, unblinded=run.unblinded)
    outputs = {}
    for fmt in run.formats:
        for suffix, content in stored_files(data, fmt).items():
            outputs[f"export-{run.pk}-{suffix}"] = (fmt, content)
    return outputs


def _claim(run_id: int) -> int | None:
    """Start a new attempt (returns its number), or None when the run is done."""
    with transaction.atomic():
        run = ExportRun.objects.select_for_update().get(pk=run_id)
        if run.status == ExportRun.Status.DONE:
            return None
        run.attempts += 1
        run.status = ExportRun.Status.RUNNING
        run.error = ""
        run.started_at = timezone.now()
        run.finished_at = None
        run.save(update_fields=["attempts", "status", "error", "started_at", "finished_at"])
        attempt = run.attempts
    staging_clear(AREA, run_id)
    return attempt


def _attach(run_id: int, attempt: int, staging, staged) -> None:
    final = artifact_folder(AREA, run_id)
    moved = False
    try:
        with transaction.atomic():
            run = ExportRun.objects.select_for_update().get(pk=run_id)
            if run.attempts != attempt or run.status != ExportRun.Status.RUNNING:
                folder_remove(staging)  # a newer attempt has taken the run over
                return
            folder_move(staging, final)
            moved = True
            ExportFile.objects.bulk_create(
                ExportFile(
                    run_id=run_id,
                    kind=kind,
                    file=f"{AREA}/{run_id}/{item.name}",
                    sha256=item.sha256,
                    size=item.size,
                )
                for item, kind in staged
            )
            ExportRun.objects.filter(pk=run_id).update(
                status=ExportRun.Status.DONE, finished_at=timezone.now()
            )
    except BaseException:
        if moved:
            folder_remove(final)
        raise


def _fail(run_id: int, attempt: int, exc: Exception) -> None:
    if isinstance(exc, TrialError):
        message = exc.message
    else:
        logger.exception("export %s attempt %s failed", run_id, attempt)
        message = INTERNAL_ERROR
    ExportRun.objects.filter(pk=run_id, attempts=attempt).exclude(
        status=ExportRun.Status.DONE
    ).update(status=ExportRun.Status.FAILED, error=message, finished_at=timezone.now())


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
