"""Diary weeks: one row per participant-week, filled in by the weekly phone call."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from diary.validators import plausible_date

SEVERITY_MIN = Decimal("1")
SEVERITY_MAX = Decimal("10")
CAPSULES_MISSED_MAX = 7


class DiaryWeek(models.Model):
    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="diary_weeks"
    )
    protocol_week = models.ForeignKey(
        "diary.ProtocolWeek", on_delete=models.PROTECT, related_name="diary_weeks"
    )
    due_date = models.DateField()
    call_date = models.DateField(null=True, blank=True, validators=[plausible_date])
    attempts = models.PositiveSmallIntegerField(default=0)
    reached = models.BooleanField(
        null=True, blank=True, help_text="Empty until the first call attempt."
    )
    cramps = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_min = models.DecimalField(
        "mean duration (minutes)",
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    severity = models.DecimalField(
        "mean severity (1-10)",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(SEVERITY_MIN), MaxValueValidator(SEVERITY_MAX)],
    )
    capsules_missed = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(CAPSULES_MISSED_MAX)]
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
            models.CheckConstraint(
                condition=Q(cramps__isnull=True) | Q(cramps__gte=0), name="diary_cramps_nonnegative"
            ),
            models.CheckConstraint(
                condition=Q(duration_min__isnull=True) | Q(duration_min__gt=0),
                name="diary_duration_positive",
            ),
            models.CheckConstraint(
                condition=Q(severity__isnull=True)
                | Q(severity__gte=SEVERITY_MIN, severity__lte=SEVERITY_MAX),
                name="diary_severity_range",
            ),
            models.CheckConstraint(
                condition=Q(capsules_missed__isnull=True)
                | Q(capsules_missed__gte=0, capsules_missed__lte=CAPSULES_MISSED_MAX),
                name="diary_capsules_missed_range",
            ),
            # Values exist exactly when the participant was reached.
            models.CheckConstraint(
                condition=Q(reached=True, cramps__isnull=False)
                | (~Q(reached=True) & Q(cramps__isnull=True, capsules_missed__isnull=True)),
                name="diary_values_iff_reached",
            ),
            # Duration and severity exist exactly when there was a cramp.
            models.CheckConstraint(
                condition=Q(cramps__gt=0, duration_min__isnull=False, severity__isnull=False)
                | (
                    (Q(cramps__isnull=True) | Q(cramps=0))
                    & Q(duration_min__isnull=True, severity__isnull=True)
                ),
                name="diary_duration_severity_iff_cramps",
            ),
            models.CheckConstraint(
                condition=Q(reached__isnull=True) | Q(call_date__isnull=False),
                name="diary_call_date_when_called",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} {self.protocol_week}"
