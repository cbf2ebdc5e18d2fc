"""The screening log: every candidate screened, with the answers and the outcome
that feed the CONSORT diagram."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from diary.validators import plausible_date


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class ScreeningOutcome(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    NOT_MEETING_INCLUSION = "not_meeting_inclusion", "Did not meet inclusion criteria"
    MEETING_EXCLUSION = "meeting_exclusion", "Met exclusion criteria"
    DECLINED = "declined", "Declined to participate"


class EligibilityCriterion(models.Model):
    class Kind(models.TextChoices):
        INCLUSION = "inclusion", "Inclusion"
        EXCLUSION = "exclusion", "Exclusion"

    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="criteria")
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=9, choices=Kind.choices)
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["trial", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "code"], name="criterion_code_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=["inclusion", "exclusion"]), name="criterion_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class ScreeningRecord(models.Model):
    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="screenings")
    site = models.ForeignKey("diary.Site", on_delete=models.PROTECT, related_name="screenings")
    screening_id = models.CharField(max_length=40)
    screened_on = models.DateField(validators=[plausible_date])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    answers = models.JSONField(
        default=dict, blank=True, help_text="Criterion code -> true/false, as answered."
    )
    eligible = models.BooleanField(
        null=True, help_text="Decided from the answers; empty for imported history."
    )
    outcome = models.CharField(max_length=24, choices=ScreeningOutcome.choices)
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["screened_on", "screening_id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "screening_id"], name="screening_id_unique"),
            models.CheckConstraint(
                condition=Q(outcome__in=ScreeningOutcome.values), name="screening_outcome_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="screening_sex_valid"),
            models.CheckConstraint(
                condition=Q(age__gte=18, age__lte=120), name="screening_age_range"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=ScreeningOutcome.ENROLLED) | ~Q(eligible=False),
                name="screening_enrolled_only_if_eligible",
            ),
        ]

    def __str__(self) -> str:
        return self.screening_id
