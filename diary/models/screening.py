"""The screening log: every candidate screened, with the answers and the outcome
that feed the CONSORT diagram. Values and rules: diary.declarations.SCREENING."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from diary.declarations import SCREENING, ScreeningOutcome, Sex

__all__ = ["EligibilityCriterion", "ScreeningOutcome", "ScreeningRecord", "Sex"]


class EligibilityCriterion(models.Model):
    class Kind(models.TextChoices):
        INCLUSION = "inclusion", gettext_noop("Inclusion")
        EXCLUSION = "exclusion", gettext_noop("Exclusion")

    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="criteria")
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=9, choices=Kind.choices)
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["trial", "kind", "position"]
        verbose_name = "eligibility criterion"
        verbose_name_plural = "eligibility criteria"
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
    screening_id = SCREENING["screening_id"].model_field()
    screened_on = SCREENING["screened_on"].model_field()
    sex = SCREENING["sex"].model_field()
    age = SCREENING["age"].model_field()
    answers = models.JSONField(
        default=dict, blank=True, help_text="Criterion code -> true/false, as answered."
    )
    eligible = SCREENING["eligible"].model_field(
        help_text="Decided from the answers; empty for imported history."
    )
    outcome = SCREENING["outcome"].model_field()
    reason = SCREENING["reason"].model_field()
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the record's changes (stale forms)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["screened_on", "screening_id"]
        constraints = [
            models.UniqueConstraint(fields=["trial", "screening_id"], name="screening_id_unique"),
            *SCREENING.constraints(),
        ]

    def __str__(self) -> str:
        return self.screening_id
