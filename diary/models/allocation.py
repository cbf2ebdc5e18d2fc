"""The randomization list (bottle number -> sealed arm), the bottles given to
participants, and the audit records of unblinding and of the trial's lock.

The arm is stored encrypted (see diary.crypto) so that a database dump read by a
blinded person does not reveal it; only the unblinded selectors open it. So are the
rest of the list: each bottle's block and stratum, and the generation's parameters
(block sizes, strata) and seed. With the seed anyone could regenerate the list; with
the blocks, one arm made known by an emergency unblinding would give the arms of the
rest of its block. A stratum is also kept as a keyed digest, by which the next
bottle of a stratum is found.

A list is frozen at its first allocation. From then on the ORM refuses to change or
delete it or its entries (save, delete, queryset update/delete, bulk operations);
the fingerprint (sha256) shows any change made around the ORM.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords

from diary.crypto import open_text, seal_text, stratum_key
from diary.errors import ListFrozen

FROZEN_MESSAGE = (
    "The randomization list is frozen (bottles have been allocated from it); "
    "it cannot be changed or deleted."
)


class RandomizationListQuerySet(models.QuerySet):
    def _refuse_if_frozen(self) -> None:
        if self.filter(frozen_at__isnull=False).exists():
            raise ListFrozen(FROZEN_MESSAGE)

    def update(self, **kwargs):
        self._refuse_if_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_frozen()
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        self.filter(pk__in=[o.pk for o in objs])._refuse_if_frozen()
        return super().bulk_update(objs, fields, batch_size=batch_size)


class RandomizationList(models.Model):
    class Source(models.TextChoices):
        GENERATED = "generated", gettext_noop("Generated in the app")
        IMPORTED = "imported", gettext_noop("Imported")

    trial = models.OneToOneField(
        "diary.Trial", on_delete=models.PROTECT, related_name="randomization_list"
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    method = models.CharField(max_length=40, blank=True)
    seed_sealed = models.TextField(
        blank=True, help_text="The generator's seed, encrypted like the arms."
    )
    parameters_sealed = models.TextField(
        blank=True, help_text="The generation's parameters (JSON), encrypted like the arms."
    )
    sha256 = models.CharField(max_length=64, help_text="Fingerprint of the list's content.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    objects = RandomizationListQuerySet.as_manager()
    history = HistoricalRecords()

    def __str__(self) -> str:
        return f"Randomization list of {self.trial.code} ({self.sha256[:12]})"

    # Invariant guards, not business logic: a frozen list is read-only at the ORM.
    def save(self, *args, **kwargs):
        if self._frozen_in_database():
            raise ListFrozen(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen_in_database():
            raise ListFrozen(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def seed(self) -> int | None:
        """The generator's seed (opened with ALLOCATION_KEY); None for an imported list."""
        return int(open_text(self.seed_sealed)) if self.seed_sealed else None

    @seed.setter
    def seed(self, value: int | None) -> None:
        self.seed_sealed = "" if value is None else seal_text(str(int(value)))

    @property
    def parameters(self) -> dict:
        """The generation's parameters (method's block sizes, strata, file name...),
        opened with ALLOCATION_KEY."""
        return json.loads(open_text(self.parameters_sealed)) if self.parameters_sealed else {}

    @parameters.setter
    def parameters(self, value: dict) -> None:
        self.parameters_sealed = seal_text(json.dumps(value or {}, sort_keys=True))

    @property
    def stratify_by(self) -> list[str]:
        return list(self.parameters.get("stratify_by", []))

    def stratum_key(self, stratum: str) -> str:
        return stratum_key(self.pk, stratum)

    def _frozen_in_database(self) -> bool:
        return (
            self.pk is not None
            and type(self).objects.filter(pk=self.pk, frozen_at__isnull=False).exists()
        )


class ListEntryQuerySet(models.QuerySet):
    def _refuse_if_frozen(self) -> None:
        if self.filter(randomization_list__frozen_at__isnull=False).exists():
            raise ListFrozen(FROZEN_MESSAGE)

    def update(self, **kwargs):
        self._refuse_if_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_frozen()
        return super().delete()

    def bulk_update(self, objs, fields, batch_size=None):
        self.filter(pk__in=[o.pk for o in objs])._refuse_if_frozen()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        list_ids = {o.randomization_list_id for o in objs}
        if RandomizationList.objects.filter(pk__in=list_ids, frozen_at__isnull=False).exists():
            raise ListFrozen(FROZEN_MESSAGE)
        return super().bulk_create(objs, *args, **kwargs)


class ListEntry(models.Model):
    randomization_list = models.ForeignKey(
        RandomizationList, on_delete=models.PROTECT, related_name="entries"
    )
    bottle_number = models.PositiveIntegerField()
    arm_sealed = models.TextField(help_text="The arm code, encrypted.")
    block_sealed = models.TextField(blank=True, help_text="The block number, encrypted.")
    stratum_sealed = models.TextField(blank=True, help_text="The stratum, encrypted.")
    stratum_key = models.CharField(
        max_length=64, blank=True, help_text="A keyed digest of the stratum (to find bottles)."
    )
    is_spare = models.BooleanField(default=False)

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        ordering = ["randomization_list", "bottle_number"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["randomization_list", "bottle_number"], name="list_entry_bottle_unique"
            ),
            models.CheckConstraint(
                condition=Q(bottle_number__gte=1), name="list_entry_bottle_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["randomization_list", "is_spare", "stratum_key", "bottle_number"],
                name="list_entry_next_bottle",
            )
        ]

    def __str__(self) -> str:
        return f"bottle {self.bottle_number}"

    # Invariant guards, not business logic: entries of a frozen list are read-only.
    def save(self, *args, **kwargs):
        if self._frozen_in_database():
            raise ListFrozen(FROZEN_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._frozen_in_database():
            raise ListFrozen(FROZEN_MESSAGE)
        return super().delete(*args, **kwargs)

    def _frozen_in_database(self) -> bool:
        return RandomizationList.objects.filter(
            pk=self.randomization_list_id, frozen_at__isnull=False
        ).exists()

    def seal(self, *, block: int | None, stratum: str) -> "ListEntry":
        """Seal the bottle's block and stratum (its list must be saved: the stratum's
        digest is keyed by the list)."""
        self.block_sealed = "" if block is None else seal_text(str(int(block)))
        self.stratum_sealed = seal_text(stratum or "")
        self.stratum_key = stratum_key(self.randomization_list_id, stratum or "")
        return self

    @property
    def block(self) -> int | None:
        return int(open_text(self.block_sealed)) if self.block_sealed else None

    @property
    def stratum(self) -> str:
        return open_text(self.stratum_sealed) if self.stratum_sealed else ""


class Allocation(models.Model):
    """A bottle of the list given to a participant: at randomization, or later as a
    replacement for a lost or damaged bottle (a spare of the same arm). With every
    replacement a spare of each other arm is set aside (never given, shown only to
    the unblinded statistician), so the reserve runs down alike whatever the arm."""

    class Kind(models.TextChoices):
        RANDOMIZATION = "randomization", gettext_noop("Randomization")
        REPLACEMENT = "replacement", gettext_noop("Replacement bottle")
        SET_ASIDE = "set_aside", gettext_noop("Spare set aside with a replacement")

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="allocations"
    )
    list_entry = models.OneToOneField(
        ListEntry, on_delete=models.PROTECT, related_name="allocation"
    )
    kind = models.CharField(max_length=13, choices=Kind.choices)
    # The participant's bottles in use: randomization and replacements, not set-asides.
    GIVEN = (Kind.RANDOMIZATION, Kind.REPLACEMENT)
    allocated_on = models.DateField()
    allocated_at = models.DateTimeField(default=timezone.now)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )

    class Meta:
        ordering = ["allocated_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=Q(kind="randomization"),
                name="allocation_one_randomization_per_participant",
            ),
            models.CheckConstraint(
                condition=Q(kind="randomization", replaces__isnull=True)
                | (Q(kind="replacement", replaces__isnull=False) & ~Q(reason=""))
                | (Q(kind="set_aside", replaces__isnull=True) & ~Q(reason="")),
                name="allocation_replacement_has_reason_and_predecessor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: bottle {self.list_entry.bottle_number} ({self.kind})"

    @property
    def bottle_number(self) -> int:
        return self.list_entry.bottle_number


class EmergencyUnblinding(models.Model):
    """An investigator's emergency unblinding of one participant (who, when, why).
    The arm was shown once, to the requester only, in the response to the request."""

    participant = models.OneToOneField(
        "diary.Participant", on_delete=models.PROTECT, related_name="emergency_unblinding"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    shown_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_to = models.TextField(blank=True, help_text="Addresses the notice was sent to.")

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="emergency_unblinding_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Emergency unblinding of {self.participant_id}"


class TrialEvent(models.Model):
    """Lock, unlock and unblinding of the whole trial: who, when, why."""

    class Kind(models.TextChoices):
        LOCK = "lock", gettext_noop("Database locked")
        UNLOCK = "unlock", gettext_noop("Database unlocked")
        UNBLIND = "unblind", gettext_noop("Trial unblinded")

    trial = models.ForeignKey("diary.Trial", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="unlock") | ~Q(reason=""), name="trial_unlock_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"
