"""Running a schedule (a django-celery-beat periodic task) at once, as "Run now" in the
admin does: who asked is recorded here, under the id of the task queued, before it is
queued. The tasks read it back by their own id (diary.selectors.schedules) and read
no user from their message: headers stored on a periodic task, which coordinators
may edit, travel in every message beat sends.
"""

import inspect
import json
import uuid

from celery import current_app
from django_celery_beat.models import PeriodicTask

from diary.errors import InvalidValue
from diary.models import ScheduleRunRequest

# Tasks that make a run of their own when run now (the others simply run).
RUN_NOW_AWARE = frozenset({"diary.scheduled_data_export", "diary.weekly_progress_report"})


def schedule_run_now(*, periodic_task: PeriodicTask, by_user) -> str:
    """Queue the schedule's task at once, as its schedule would, recording who asked.
    Returns the task id."""
    current_app.loader.import_default_modules()
    job = current_app.tasks.get(periodic_task.task)
    if job is None:
        raise InvalidValue(f"{periodic_task.name}: unknown task {periodic_task.task}.")
    args, kwargs = schedule_arguments(periodic_task, job)
    task_id = str(uuid.uuid4())
    if periodic_task.task in RUN_NOW_AWARE:
        # Saved (committed) before the task is queued, so the worker finds it.
        ScheduleRunRequest.objects.create(
            task_id=task_id,
            schedule=periodic_task.name[:200],
            requested_by=by_user,
            requested_by_name=by_user.get_username(),
        )
    options = {"queue": periodic_task.queue} if periodic_task.queue else {}
    job.apply_async(
        args=args,
        kwargs=kwargs,
        task_id=task_id,
        headers={"periodic_task_name": periodic_task.name},
        **options,
    )
    return task_id


def schedule_arguments(periodic_task: PeriodicTask, job=None) -> tuple[list, dict]:
    """The schedule's positional and keyword arguments, checked against its task's
    signature. Raises InvalidValue (field "args") naming what does not fit: such a
    schedule would fail at every run."""
    if job is None:
        current_app.loader.import_default_modules()
        job = current_app.tasks.get(periodic_task.task)
    try:
        args = json.loads(periodic_task.args or "[]")
        kwargs = json.loads(periodic_task.kwargs or "{}")
    except json.JSONDecodeError as exc:
        raise InvalidValue(f"{periodic_task.name}: the arguments are not JSON ({exc}).") from None
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise InvalidValue(
            f"{periodic_task.name}: the positional arguments must be a JSON list and the "
            "keyword arguments a JSON object.",
            field="args",
        )
    if job is not None:
        try:
            inspect.signature(job.run).bind(*args, **kwargs)
        except TypeError as exc:
            raise InvalidValue(
                f"{periodic_task.name}: the arguments do not fit the task {periodic_task.task} "
                f"({exc}).",
                field="args",
            ) from None
    return args, kwargs
