"""Adverse events reported by participants."""

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from diary.validators import plausible_date


class Grade(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Relatedness(models.TextChoices):
    UNRELATED = "unrelated", "Unrelated"
    UNLIKELY = "unlikely", "Unlikely"
    POSSIBLE = "possible", "Possible"
    PROBABLE = "probable", "Probable"
    DEFINITE = "definite", "Definite"


RELATED = (Relatedness.POSSIBLE, Relatedness.PROBABLE, Relatedness.DEFINITE)


class AdverseEvent(models.Model):
    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="adverse_events"
    )
    onset_on = models.DateField(validators=[plausible_date])
    term = models.CharField(max_length=200)
    serious = models.BooleanField(default=False)
    grade = models.CharField(max_length=8, choices=Grade.choices)
    relatedness = models.CharField(max_length=9, choices=Relatedness.choices)
    outcome = models.CharField(max_length=100, blank=True)
    resolved_on = models.DateField(null=True, blank=True, validators=[plausible_date])
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant", "onset_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(grade__in=Grade.values), name="ae_grade_valid"),
            models.CheckConstraint(
                condition=Q(relatedness__in=Relatedness.values), name="ae_relatedness_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("onset_on")),
                name="ae_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.onset_on})"
