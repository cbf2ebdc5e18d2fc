"""The outbox: every email the trial office sends on its own (alerts, notices,
digests, reports), claimed under a unique key before it is sent, so that a retried
task never sends the same message twice. A message with nobody to send it to yet
stays pending, and goes out once someone can receive it (the catch-up schedule)."""

from django.db import models


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        SAE_ALERT = "sae_alert", "Serious adverse event alert"
        EMERGENCY_UNBLINDING = "unblinding", "Emergency unblinding notice"
        CALL_DIGEST = "call_digest", "Overdue-call digest"
        PROGRESS_REPORT = "progress", "Progress report"
        DIARY_LINK = "diary_link", "Diary link sent to a participant"
        DIARY_REMINDER = "reminder", "Diary reminder to a participant"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        EXPIRED = "expired", "Expired"

    key = models.CharField(
        max_length=300, unique=True, help_text="What the message is about; sent once per key."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(
        max_length=8,
        choices=Status.choices,
        default=Status.PENDING,
        help_text="Pending until sent; expired when a later message replaces it.",
    )
    subject = models.CharField(max_length=300, blank=True)
    recipients = models.TextField(blank=True, help_text="The addresses it was sent to.")
    pending_reason = models.CharField(
        max_length=300, blank=True, help_text="Why it has not gone out (yet)."
    )
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "kind"], name="outbox_status_kind")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="sent", sent_at__isnull=False)
                    | (~models.Q(status="sent") & models.Q(sent_at__isnull=True))
                ),
                name="outbox_sent_has_sent_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.key}"
