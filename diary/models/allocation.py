"""The randomization list: bottle number -> arm, with the arm sealed.

The arm is stored encrypted (see diary.crypto) so that a database dump read by a
blinded person does not reveal it; only the unblinded selectors open it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class RandomizationList(models.Model):
    class Source(models.TextChoices):
        GENERATED = "generated", "Generated in the app"
        IMPORTED = "imported", "Imported"

    trial = models.OneToOneField(
        "diary.Trial", on_delete=models.PROTECT, related_name="randomization_list"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    method = models.CharField(max_length=40, blank=True)
    seed = models.BigIntegerField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, help_text="Fingerprint of the list's content.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Randomization list of {self.trial.code} ({self.sha256[:12]})"


class ListEntry(models.Model):
    randomization_list = models.ForeignKey(
        RandomizationList, on_delete=models.PROTECT, related_name="entries"
    )
    bottle_number = models.PositiveIntegerField()
    arm_sealed = models.TextField(help_text="The arm code, encrypted.")
    block = models.PositiveIntegerField(null=True, blank=True)
    stratum = models.CharField(max_length=60, blank=True)
    is_spare = models.BooleanField(default=False)

    class Meta:
        ordering = ["randomization_list", "bottle_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["randomization_list", "bottle_number"], name="list_entry_bottle_unique"
            ),
            models.CheckConstraint(
                condition=Q(bottle_number__gte=1), name="list_entry_bottle_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"bottle {self.bottle_number}"
