"""Participants: consent, baseline characteristics, randomization, stopping the study
product and withdrawal. Values and rules: diary.declarations.PARTICIPANT."""

from decimal import Decimal

from django.db import models
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from diary.declarations import PARTICIPANT

CREATININE_UMOL_PER_MG_DL = Decimal("88.4")
STATUS_LABELS = {
    "consented": pgettext_lazy("participant status", "consented"),
    "randomized": pgettext_lazy("participant status", "randomized"),
    "withdrawn": pgettext_lazy("participant status", "withdrawn"),
}


def _field(name: str, **overrides):
    return PARTICIPANT[name].model_field(**overrides)


class Participant(models.Model):
    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="participants")
    site = models.ForeignKey("diary.Site", on_delete=models.PROTECT, related_name="participants")
    screening = models.OneToOneField(
        "diary.ScreeningRecord", on_delete=models.PROTECT, related_name="participant"
    )
    participant_id = _field("participant_id")
    phone = _field("phone")
    consented_on = _field("consented_on")
    consent_form_version = _field("consent_form_version")

    sex = _field("sex")
    age = _field("age")
    height_cm = _field("height_cm")
    weight_kg = _field("weight_kg")
    hypertension = _field("hypertension")
    diabetes = _field("diabetes")
    creatinine_mg_dl = _field("creatinine_mg_dl")

    randomized_on = _field("randomized_on")
    bottle_number = _field("bottle_number")
    treatment_stopped_on = _field("treatment_stopped_on")
    treatment_stop_reason = _field("treatment_stop_reason")
    withdrawn_on = _field("withdrawn_on")
    withdrawal_reason = _field("withdrawal_reason")
    emergency_unblinded_at = models.DateTimeField(null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the record's changes (stale forms)."
    )
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
            *PARTICIPANT.constraints(),
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

    @property
    def status_label(self) -> str:
        """The status as staff read it, in their language."""
        return STATUS_LABELS[self.status]
