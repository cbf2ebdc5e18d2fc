"""Adverse events reported by participants. Values and rules:
diary.declarations.ADVERSE_EVENT."""

from django.db import models
from simple_history.models import HistoricalRecords

from diary.declarations import ADVERSE_EVENT, Grade, Relatedness

__all__ = ["RELATED", "AdverseEvent", "Grade", "Relatedness"]

RELATED = (Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE)


class AdverseEvent(models.Model):
    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="adverse_events"
    )
    onset_on = ADVERSE_EVENT["onset_on"].model_field()
    term = ADVERSE_EVENT["term"].model_field()
    serious = ADVERSE_EVENT["serious"].model_field(default=False)
    grade = ADVERSE_EVENT["grade"].model_field()
    relatedness = ADVERSE_EVENT["relatedness"].model_field()
    outcome = ADVERSE_EVENT["outcome"].model_field()
    resolved_on = ADVERSE_EVENT["resolved_on"].model_field()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the record's changes (stale forms)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "onset_on", "pk"]
        constraints = ADVERSE_EVENT.constraints()

    def __str__(self) -> str:
        return f"{self.participant} · {self.term} ({self.onset_on:%d %b %Y})"
