"""Schedules (django-celery-beat's periodic tasks) as coordinators manage them: the
package's admin, with "run now" making a run of its own.

The default "Run selected tasks" would, for a schedule that already ran today, find
that day's export and do nothing; "Run now" gives the run its own key and records
who asked for it.
"""

import json

from celery import current_app
from django.contrib import admin, messages
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask

# Tasks that take "run now" into account (the others simply run).
RUN_NOW_AWARE = frozenset({"diary.scheduled_data_export", "diary.weekly_progress_report"})


def run_now(task: PeriodicTask, *, by_user) -> str:
    """Queue the schedule's task at once, as its schedule would. Returns the job id."""
    current_app.loader.import_default_modules()
    job = current_app.tasks[task.task]
    headers = {"periodic_task_name": task.name}
    if task.task in RUN_NOW_AWARE:
        headers["run_now_by"] = by_user.get_username()
    options = {"queue": task.queue} if task.queue else {}
    result = job.apply_async(
        args=json.loads(task.args or "[]"),
        kwargs=json.loads(task.kwargs or "{}"),
        headers=headers,
        **options,
    )
    return result.id


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    actions = ("run_selected_now", "enable_tasks", "disable_tasks", "toggle_tasks")

    @admin.action(description="Run now")
    def run_selected_now(self, request, queryset):
        current_app.loader.import_default_modules()
        for task in queryset:
            if task.task not in current_app.tasks:
                self.message_user(
                    request, f"{task.name}: unknown task {task.task}.", messages.ERROR
                )
                continue
            run_now(task, by_user=request.user)
            self.message_user(request, f"{task.name}: started.")
