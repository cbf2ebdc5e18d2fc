"""The protocol as data: the trial, its arms, its sites and its schedule of weeks."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from diary.declarations import SITE, Phase


class ArmRole(models.TextChoices):
    EXPERIMENTAL = "experimental", "Experimental"
    COMPARATOR = "comparator", "Comparator"


class Trial(models.Model):
    code = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    screening_weeks = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    intervention_weeks = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    call_window_days = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(3)],
        help_text="A weekly call is on time within this many days either side of its due date.",
    )
    min_age = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Youngest age a candidate may have (inclusive)."
    )
    min_screening_cramps = models.PositiveSmallIntegerField(
        default=2, help_text="Cramps needed over the screening diary to be randomized."
    )
    target_enrolment = models.PositiveIntegerField(null=True, blank=True)
    site_prefixed_ids = models.BooleanField(
        "study ids start with the site's code",
        default=False,
        help_text="Each participant's id starts with their site's code and a hyphen (C1-…).",
    )
    analysis_plan = models.JSONField(
        default=dict,
        blank=True,
        help_text="The statistical analysis plan: estimands, multiplicity, adherence threshold, "
        "multiple imputation (see analysis.plan); empty for the default plan.",
    )
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    unblinded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(screening_weeks__gte=1, screening_weeks__lte=8),
                name="trial_screening_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(intervention_weeks__gte=1, intervention_weeks__lte=52),
                name="trial_intervention_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(call_window_days__lte=3), name="trial_call_window_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Arm(models.Model):
    """An arm of the trial. Its code and label are secret from blinded roles."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="arms")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=200)
    role = models.CharField(max_length=12, choices=ArmRole.choices)
    ratio = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["trial", "code"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "code"], name="arm_code_unique"),
            models.UniqueConstraint(fields=["trial", "role"], name="arm_role_unique"),
            models.CheckConstraint(condition=Q(ratio__gte=1), name="arm_ratio_positive"),
            models.CheckConstraint(condition=Q(role__in=ArmRole.values), name="arm_role_valid"),
        ]

    def __str__(self) -> str:
        return self.code


class Site(models.Model):
    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="sites")
    code = SITE["code"].model_field()
    name = SITE["name"].model_field()
    target_enrolment = SITE["target_enrolment"].model_field()

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "code"], name="site_code_unique"),
            *SITE.constraints(),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


class ProtocolWeek(models.Model):
    """One week of the protocol's schedule; diary weeks point here, so a week
    outside the protocol cannot be stored."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="protocol_weeks")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    week = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["trial", "-phase", "week"]  # screening before intervention
        constraints = [
            models.UniqueConstraint(fields=["trial", "phase", "week"], name="protocol_week_unique"),
            models.CheckConstraint(condition=Q(week__gte=1), name="protocol_week_positive"),
            models.CheckConstraint(
                condition=Q(phase__in=Phase.values), name="protocol_week_phase_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} week {self.week}"

    @property
    def label(self) -> str:
        """The week as staff read it, in their language."""
        from diary.labels import week_label

        return week_label(self.phase, self.week)
