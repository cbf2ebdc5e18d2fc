"""Schedules (django-celery-beat's periodic tasks) as coordinators manage them: the
package's admin, with "run now" making a run of its own.

The default "Run selected tasks" would, for a schedule that already ran today, find
that day's export and do nothing; "Run now" gives the run its own key and records,
in the app (diary.services.schedules), who asked for it. Message headers are shown
but not editable: the tasks read no user from them.
"""

from django.contrib import admin, messages
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.admin import PeriodicTaskForm as BeatPeriodicTaskForm
from django_celery_beat.models import PeriodicTask

from diary.errors import InvalidValue, TrialError
from diary.services.schedules import schedule_arguments, schedule_run_now

admin.site.unregister(PeriodicTask)


class PeriodicTaskForm(BeatPeriodicTaskForm):
    """The package's form, refusing arguments that do not fit the task: such a schedule
    would fail at every run."""

    def clean(self):
        data = super().clean()
        if "args" in self.errors or "kwargs" in self.errors:
            return data
        draft = PeriodicTask(
            name=data.get("name") or "",
            task=data.get("task") or "",
            args=data.get("args") or "[]",
            kwargs=data.get("kwargs") or "{}",
        )
        try:
            schedule_arguments(draft)
        except InvalidValue as exc:
            self.add_error("args", exc.message)
        return data


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    form = PeriodicTaskForm
    actions = ("run_selected_now", "enable_tasks", "disable_tasks", "toggle_tasks")
    readonly_fields = (*BeatPeriodicTaskAdmin.readonly_fields, "headers")

    @admin.action(description="Run now")
    def run_selected_now(self, request, queryset):
        for task in queryset:
            try:
                schedule_run_now(periodic_task=task, by_user=request.user)
            except TrialError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(request, f"{task.name}: started.")
