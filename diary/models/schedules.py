"""Who ran a schedule at once ("Run now" in the admin): recorded by the app, keyed by
the id of the task it queued, so that a task's message can never claim a user."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ScheduleRunRequest(models.Model):
    task_id = models.CharField(max_length=255, unique=True, help_text="The queued task's id.")
    schedule = models.CharField(max_length=200, help_text="The periodic task's name.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.schedule}: run now by {self.requested_by_name}"
