"""The outbox: every email the trial office sends on its own (alerts, digests,
reports), claimed under a unique key before it is sent, so that a retried task never
sends the same message twice."""

from django.db import models


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        SAE_ALERT = "sae_alert", "Serious adverse event alert"
        CALL_DIGEST = "call_digest", "Overdue-call digest"
        PROGRESS_REPORT = "progress", "Progress report"

    key = models.CharField(
        max_length=300, unique=True, help_text="What the message is about; sent once per key."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    subject = models.CharField(max_length=300, blank=True)
    recipients = models.TextField(blank=True, help_text="The addresses it was sent to.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Sent (or found to have nobody to go to)."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"
