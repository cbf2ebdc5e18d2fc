"""Create forms sent once: the key each form carries is stored with what it created,
so the same form sent twice (a double click, a reload after a slow answer) records
once."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    key = models.UUIDField(unique=True, help_text="The key the form carried.")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-pk"]

    def __str__(self) -> str:
        return f"form {self.key} at {self.submitted_at:%Y-%m-%d %H:%M}"
