"""One job mechanism for every stored artifact: the analysis reports, the data exports
and the progress reports.

A job is a row (a subclass of diary.models.artifacts.Job) whose Celery task builds its
files. Each kind of artifact is described once by a `JobType` (its model, file model,
folder under MEDIA_ROOT and task) and supplies only what it makes (`produce`); the
rest is here, the same for every kind (as pretix keeps one CachedFile and one exporter
base class):

- `job_enqueue` hands the job to its task (once the request is committed); when the
  queue is unavailable the job is marked failed, saying so.
- `job_build` claims a new attempt, produces the outputs format by format (a format
  that fails is recorded and the others kept: one format never stops the others),
  writes them to a staging folder, then in one transaction moves the folder into
  place, records the files and marks the job done; or marks it failed. A done job is
  never rebuilt; an attempt overtaken by a newer one attaches nothing.
- `jobs_requeue_stale` queues again the jobs the broker lost (queued too long, or
  running past the broker's visibility timeout because their worker died).
- `job_orphans_remove` removes what killed jobs left under MEDIA_ROOT: staging folders
  of attempts that are no longer running, and folders that no done job owns.

Attempts are numbered; an attempt's staging folder is `<area>/.staging/<id>-<attempt>-*`
and a done job's files are in `<area>/<id>/`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from diary.errors import TrialError
from diary.models.artifacts import Job
from diary.services.artifacts import (
    artifact_folder,
    files_stage,
    folder_move,
    folder_remove,
    staging_clear,
    staging_root,
)

logger = logging.getLogger(__name__)

Status = Job.Status


@dataclass(frozen=True)
class Output:
    """One file a job makes: the format it belongs to, its name and its bytes."""

    kind: str
    name: str
    content: bytes


@dataclass
class Produced:
    """What an attempt made: the files, the formats that failed (format -> why), and
    more fields to set on the job when it is done."""

    outputs: list[Output] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class JobType:
    """One kind of artifact, as the job mechanism sees it."""

    model: type[Job]
    file_model: type[models.Model]
    owner: str  # the file model's foreign key to the job: "report", "run"
    area: str  # its folder under MEDIA_ROOT: "reports", "exports"
    noun: str  # "report", "export"
    task: Callable[[], object]  # the Celery task that builds one job (imported late)
    internal_error: str  # what users read when the job failed for an internal reason
    known_errors: tuple[type[Exception], ...] = (TrialError,)  # shown as they are
    started: Callable[[], Mapping] = dict  # more fields to reset when an attempt starts
    format_names: Mapping[str, str] = field(default_factory=dict)  # "xlsx": "the workbook"

    def format_name(self, fmt: str) -> str:
        return self.format_names.get(fmt, f"the {fmt.upper()} file")

    def queue_unavailable(self) -> str:
        return f"The job queue is unavailable, so the {self.noun} was not started; retry later."


class NothingMade(Exception):
    """No format of the job could be made."""

    def __init__(self, failed: dict[str, str]):
        super().__init__(", ".join(failed))
        self.failed = failed


# -- queueing ------------------------------------------------------------------------


def job_enqueue(kind: JobType, job_id) -> None:
    """Send the job to its task; when the queue is unavailable, mark it failed."""
    try:
        kind.task().delay(job_id)
    except Exception:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            raise  # in-process: the job itself failed, and has recorded why
        logger.exception("could not queue %s %s", kind.noun, job_id)
        kind.model.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.FAILED,
            stage="Not started",
            error=kind.queue_unavailable(),
            finished_at=timezone.now(),
        )


def jobs_requeue_stale(kind: JobType, *, queued_for: timedelta, running_for: timedelta) -> list:
    """Queue again the jobs the broker lost: queued longer than `queued_for`, or
    running (a killed worker) longer than `running_for`. Building is idempotent, so a
    job that was merely slow is not harmed. Returns their ids."""
    now = timezone.now()
    stale = list(
        kind.model.objects.filter(
            Q(status=Status.QUEUED, created_at__lt=now - queued_for)
            | Q(status=Status.RUNNING, started_at__lt=now - running_for)
        ).values_list("pk", flat=True)
    )
    for job_id in stale:
        job_enqueue(kind, job_id)
    return stale


# -- building --------------------------------------------------------------------------


def job_build(kind: JobType, job_id, produce: Callable[[Job, int], Produced]) -> Job:
    """Build the job's files with `produce(job, attempt)` and mark it done, or mark it
    failed with the reason. Safe to run again (see the module's docstring)."""
    attempt = job_claim(kind, job_id)
    if attempt is not None:
        job = kind.model.objects.select_related("trial").get(pk=job_id)
        staging = None
        try:
            produced = produce(job, attempt)
            if not produced.outputs:
                raise NothingMade(produced.failed)
            staging, staged = files_stage(
                kind.area, job_id, attempt, {o.name: o.content for o in produced.outputs}
            )
            kinds = {o.name: o.kind for o in produced.outputs}
            staged = [(item, kinds[item.name]) for item in staged]
            job_attach(kind, job_id, attempt, staging, staged, produced)
        except Exception as exc:
            if staging is not None:
                folder_remove(staging)
            job_fail(kind, job_id, attempt, exc)
    return kind.model.objects.get(pk=job_id)


def outputs_render(
    kind: JobType, job_id, parts: Iterable[tuple[str, Callable[[], list[Output]]]]
) -> tuple[list[Output], dict[str, str]]:
    """Render each format on its own: (the outputs made, {format: why} for those that
    failed). One format's failure never prevents the others."""
    outputs: list[Output] = []
    failed: dict[str, str] = {}
    for fmt, render in parts:
        try:
            outputs.extend(render())
        except Exception as exc:
            failed[fmt] = _reason(kind, job_id, exc, what=kind.format_name(fmt))
    return outputs, failed


def job_claim(kind: JobType, job_id) -> int | None:
    """Start a new attempt (returns its number), or None when the job is done. What
    earlier attempts left (staging folders, a folder moved into place but never
    recorded) is removed: a job that is not done has no files."""
    with transaction.atomic():
        job = kind.model.objects.select_for_update().get(pk=job_id)
        if job.status == Status.DONE:
            return None
        attempt = job.attempts + 1
        kind.model.objects.filter(pk=job_id).update(
            attempts=attempt,
            status=Status.RUNNING,
            progress=0,
            stage="Starting",
            error="",
            failed_formats={},
            started_at=timezone.now(),
            finished_at=None,
            **kind.started(),
        )
    staging_clear(kind.area, job_id)
    folder_remove(artifact_folder(kind.area, job_id))
    return attempt


def job_progress(kind: JobType, job_id, attempt: int, percent: int, stage: str) -> None:
    """Record how far the attempt has got (in a short transaction of its own, so that
    the pages and the admin show it while the job runs)."""
    kind.model.objects.filter(pk=job_id, attempts=attempt, status=Status.RUNNING).update(
        progress=percent, stage=stage
    )


def job_attach(kind: JobType, job_id, attempt: int, staging: Path, staged, produced) -> bool:
    """Move the staged files into place, record them and mark the job done, all or
    nothing. False (and the staged files dropped) when a newer attempt has taken the
    job over."""
    final = artifact_folder(kind.area, job_id)
    moved = False
    try:
        with transaction.atomic():
            job = kind.model.objects.select_for_update().get(pk=job_id)
            if job.attempts != attempt or job.status != Status.RUNNING:
                folder_remove(staging)
                return False
            folder_move(staging, final)
            moved = True
            kind.file_model.objects.bulk_create(
                kind.file_model(
                    **{f"{kind.owner}_id": job_id},
                    kind=file_kind,
                    file=f"{kind.area}/{job_id}/{item.name}",
                    sha256=item.sha256,
                    size=item.size,
                )
                for item, file_kind in staged
            )
            kind.model.objects.filter(pk=job_id).update(
                status=Status.DONE,
                progress=100,
                stage="Done",
                failed_formats=produced.failed,
                finished_at=timezone.now(),
                **produced.fields,
            )
    except BaseException:
        if moved:
            folder_remove(final)
        raise
    return True


def job_fail(kind: JobType, job_id, attempt: int, exc: Exception) -> None:
    if isinstance(exc, NothingMade):
        failed = exc.failed
        message = " ".join(dict.fromkeys(failed.values())) or kind.internal_error
    else:
        failed, message = {}, _reason(kind, job_id, exc)
    kind.model.objects.filter(pk=job_id, attempts=attempt).exclude(status=Status.DONE).update(
        status=Status.FAILED,
        stage="Failed",
        error=message,
        failed_formats=failed,
        finished_at=timezone.now(),
    )


def _reason(kind: JobType, job_id, exc: Exception, *, what: str = "") -> str:
    """Why something failed, in words a user may read: a domain error's own message;
    for anything else no detail (that goes to the job's log)."""
    if isinstance(exc, kind.known_errors):
        return getattr(exc, "message", None) or str(exc)
    logger.error("%s %s: %s failed", kind.noun, job_id, what or "the job", exc_info=exc)
    if what:
        return (
            f"{what[:1].upper()}{what[1:]} could not be made because of an internal error; "
            "the details are in the job's log."
        )
    return kind.internal_error


# -- what killed jobs left behind ---------------------------------------------------------


def job_orphans_remove(kind: JobType) -> int:
    """Remove what killed jobs left under MEDIA_ROOT/<area>/: the staging folder of any
    attempt that is not its job's running one, and the folder of any job that is
    queued or failed (such a job has no files) or no longer exists. A running job's
    folder is left to its next attempt, which clears it. Returns the folders removed."""
    root = Path(settings.MEDIA_ROOT) / kind.area
    staging = staging_root(kind.area)
    removed = 0
    if staging.is_dir():
        running = dict(
            kind.model.objects.filter(status=Status.RUNNING).values_list("pk", "attempts")
        )
        for folder in staging.iterdir():
            job_id, _, rest = folder.name.partition("-")
            if str(running.get(_pk(kind, job_id), "")) != rest.partition("-")[0]:
                folder_remove(folder)
                removed += 1
    if root.is_dir():
        for folder in root.iterdir():
            if folder != staging and folder.is_dir() and _remove_unowned(kind, folder):
                removed += 1
    return removed


def _remove_unowned(kind: JobType, folder: Path) -> bool:
    """Remove the folder of a job that is queued, failed or gone. Decided and done under
    the job's row lock, so a claim that starts meanwhile waits, and one that has
    started (the job is running) keeps its folder."""
    job_id = _pk(kind, folder.name)
    with transaction.atomic():
        idle = job_id is not None and kind.model.objects.filter(
            pk=job_id, status__in=[Status.QUEUED, Status.FAILED]
        ).update(status=F("status"))  # a no-op that takes the row lock (SQLite: the write lock)
        if idle or job_id is None or not kind.model.objects.filter(pk=job_id).exists():
            folder_remove(folder)
            return True
    return False


def _pk(kind: JobType, text: str):
    """A folder name as the job model's primary key, or None when it cannot be one."""
    try:
        return kind.model._meta.pk.to_python(text)
    except Exception:
        return None
