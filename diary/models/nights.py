"""The electronic diary: each night a participant reports (or staff enter for them)
and each cramp of that night. Values and rules: diary.declarations.NIGHT and
CRAMP_EVENT. Written only by diary.services.nights."""

from django.db import models
from simple_history.models import HistoricalRecords

from diary.declarations import CRAMP_EVENT, NIGHT


class Night(models.Model):
    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="nights"
    )
    night = NIGHT["night"].model_field()
    reported = NIGHT["reported"].model_field()
    cramps = NIGHT["cramps"].model_field()
    source = NIGHT["source"].model_field()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the record's changes (stale forms)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "night"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "night"], name="night_unique"),
            *NIGHT.constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.participant} night of {self.night}"


class CrampEvent(models.Model):
    night = models.ForeignKey(Night, on_delete=models.PROTECT, related_name="cramp_events")
    position = models.PositiveSmallIntegerField(help_text="1 for the night's first cramp, ...")
    duration_min = CRAMP_EVENT["duration_min"].model_field()
    severity = CRAMP_EVENT["severity"].model_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["night", "position"]
        constraints = [
            models.UniqueConstraint(fields=["night", "position"], name="cramp_event_unique"),
            *CRAMP_EVENT.constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.night}: cramp {self.position}"
