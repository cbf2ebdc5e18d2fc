"""Participants: consent, baseline characteristics, randomization and withdrawal."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from diary.validators import plausible_date

from .screening import Sex

CREATININE_UMOL_PER_MG_DL = Decimal("88.4")


class Participant(models.Model):
    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="participants")
    site = models.ForeignKey("diary.Site", on_delete=models.PROTECT, related_name="participants")
    screening = models.OneToOneField(
        "diary.ScreeningRecord", on_delete=models.PROTECT, related_name="participant"
    )
    participant_id = models.CharField(max_length=40)
    phone = models.CharField(max_length=40, blank=True)
    consented_on = models.DateField(validators=[plausible_date])
    consent_form_version = models.CharField(max_length=40, blank=True)

    sex = models.CharField(max_length=1, choices=Sex.choices)
    age = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    height_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("100")), MaxValueValidator(Decimal("230"))],
    )
    weight_kg = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("25")), MaxValueValidator(Decimal("250"))],
    )
    hypertension = models.BooleanField(null=True, blank=True)
    diabetes = models.BooleanField(null=True, blank=True)
    creatinine_mg_dl = models.DecimalField(
        "creatinine (mg/dL)",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("20"))],
    )

    randomized_on = models.DateField(null=True, blank=True, validators=[plausible_date])
    bottle_number = models.PositiveIntegerField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True, validators=[plausible_date])
    withdrawal_reason = models.CharField(max_length=300, blank=True)
    emergency_unblinded_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["participant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trial", "participant_id"], name="participant_id_unique"
            ),
            models.UniqueConstraint(
                fields=["trial", "bottle_number"], name="participant_bottle_unique"
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="participant_sex_valid"),
            models.CheckConstraint(
                condition=Q(randomized_on__isnull=True, bottle_number__isnull=True)
                | Q(randomized_on__isnull=False, bottle_number__isnull=False),
                name="participant_bottle_iff_randomized",
            ),
            models.CheckConstraint(
                condition=Q(randomized_on__isnull=True) | Q(randomized_on__gte=F("consented_on")),
                name="participant_randomized_after_consent",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(randomized_on__isnull=True, withdrawn_on__gte=F("consented_on"))
                | Q(randomized_on__isnull=False, withdrawn_on__gte=F("randomized_on")),
                name="participant_withdrawn_after_start",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | ~Q(withdrawal_reason=""),
                name="participant_withdrawal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.participant_id

    @property
    def creatinine_umol_l(self) -> Decimal | None:
        """Creatinine in µmol/L, the SI unit many sites report in."""
        if self.creatinine_mg_dl is None:
            return None
        return (self.creatinine_mg_dl * CREATININE_UMOL_PER_MG_DL).quantize(Decimal("1"))

    @property
    def is_randomized(self) -> bool:
        return self.randomized_on is not None

    @property
    def status(self) -> str:
        if self.withdrawn_on:
            return "withdrawn"
        if self.randomized_on:
            return "randomized"
        return "consented"
