"""Diary weeks: one row per participant-week, filled in by the weekly phone call.
Values and rules: diary.declarations.DIARY_WEEK."""

from django.db import models
from simple_history.models import HistoricalRecords

from diary.declarations import DIARY_WEEK

SEVERITY_MIN = DIARY_WEEK["severity"].minimum
SEVERITY_MAX = DIARY_WEEK["severity"].maximum
CAPSULES_MISSED_MAX = DIARY_WEEK["capsules_missed"].maximum

__all__ = ["CAPSULES_MISSED_MAX", "SEVERITY_MAX", "SEVERITY_MIN", "DiaryWeek"]


class DiaryWeek(models.Model):
    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="diary_weeks"
    )
    protocol_week = models.ForeignKey(
        "diary.ProtocolWeek", on_delete=models.PROTECT, related_name="diary_weeks"
    )
    due_date = models.DateField()
    call_date = DIARY_WEEK["call_date"].model_field()
    attempts = models.PositiveSmallIntegerField(default=0)
    reached = DIARY_WEEK["reached"].model_field()
    cramps = DIARY_WEEK["cramps"].model_field()
    duration_min = DIARY_WEEK["duration_min"].model_field()
    severity = DIARY_WEEK["severity"].model_field()
    capsules_missed = DIARY_WEEK["capsules_missed"].model_field()
    source = DIARY_WEEK["source"].model_field()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the record's changes (stale forms)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "protocol_week"]
        # The call queue reads open weeks by due date in a band around today.
        indexes = [models.Index(fields=["due_date"], name="diary_week_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "protocol_week"], name="diary_week_unique"
            ),
            *DIARY_WEEK.constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.participant} · {self.protocol_week}"
