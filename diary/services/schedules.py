"""Running a schedule (a django-celery-beat periodic task) at once, as "Run now" in the
admin does: who asked is recorded here, under the id of the task queued, before it is
queued. The tasks read it back by their own id (diary.selectors.schedules) and read
no user from their message: headers stored on a periodic task, which coordinators
may edit, travel in every message beat sends.
"""

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
        args=json.loads(periodic_task.args or "[]"),
        kwargs=json.loads(periodic_task.kwargs or "{}"),
        task_id=task_id,
        headers={"periodic_task_name": periodic_task.name},
        **options,
    )
    return task_id
