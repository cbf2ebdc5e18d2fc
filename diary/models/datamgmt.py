"""Data management of a regulated trial: queries on values, source data verification,
the investigator's signature of a participant's casebook, the casebook's lock, and
the waivers recorded when the database is locked with items outstanding.

A value is named by its record (a model row, through its content type and id, with
the declaration's name, e.g. "diary") and the declared value's name ("severity").
Every step is kept: a query's steps (raised, answered, closed, re-opened) are rows
never changed; a verification mark cleared by a later change keeps who verified,
what, and why it was cleared; a signature made invalid by a change keeps the
signature and says what changed. Written only by the services
(diary.services.queries, sdv, casebooks).
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

QUERY_TEXT_MAX = 2000
VALUE_SHOWN_MAX = 300


class Query(models.Model):
    """A question on one value of a clinical record, raised by a monitor or a
    coordinator, or by an edit check declared with the record."""

    class State(models.TextChoices):
        OPEN = "open", gettext_noop("Open")
        ANSWERED = "answered", gettext_noop("Answered")
        CLOSED = "closed", gettext_noop("Closed")

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="queries"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = models.CharField(max_length=40, help_text="The record's declaration (diary, ae...).")
    field = models.CharField(max_length=60, help_text="The declared value queried.")
    edit_check = models.CharField(
        max_length=60, blank=True, help_text="The edit check that raised it; empty for a person."
    )
    text = models.TextField(max_length=QUERY_TEXT_MAX)
    value_shown = models.CharField(
        max_length=VALUE_SHOWN_MAX, blank=True, help_text="The value when the query was raised."
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when an edit check raised it.",
    )
    raised_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    record_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The record's version when the query was raised or last closed: an edit "
        "check raises no new query on values a closed query already confirmed.",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the query's steps (stale forms)."
    )

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name_plural = "queries"
        indexes = [
            models.Index(fields=["participant", "state"], name="query_participant_state_idx"),
            models.Index(fields=["content_type", "object_id"], name="query_record_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "answered", "closed"]), name="query_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(edit_check="", raised_by__isnull=True), name="query_has_origin"
            ),
        ]

    def __str__(self) -> str:
        return f"Query {self.pk} on {self.participant_id} {self.record}.{self.field} ({self.state})"

    @property
    def raised_by_name(self) -> str:
        if self.raised_by is not None:
            return self.raised_by.get_full_name() or self.raised_by.get_username()
        return f"edit check {self.edit_check}"

    @property
    def is_resolved(self) -> bool:
        return self.state == self.State.CLOSED


class QueryStep(models.Model):
    """One step of a query's life, as it happened; never changed."""

    class Kind(models.TextChoices):
        RAISED = "raised", gettext_noop("Raised")
        ANSWERED = "answered", gettext_noop("Answered")
        CLOSED = "closed", gettext_noop("Closed")
        REOPENED = "reopened", gettext_noop("Re-opened")

    query = models.ForeignKey(Query, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    text = models.TextField(blank=True, max_length=QUERY_TEXT_MAX)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150, help_text="Who: a user, or the edit check.")
    at = models.DateTimeField(default=timezone.now)
    correction = models.JSONField(
        default=dict, blank=True, help_text="A correction made with an answer: old, new, reason."
    )

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["raised", "answered", "closed", "reopened"]),
                name="query_step_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.by_name} at {self.at:%Y-%m-%d %H:%M}"


class SdvMark(models.Model):
    """A monitor's mark that a value was verified against the source. A later change
    of the value clears it (kept, with the change that cleared it)."""

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="sdv_marks"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = models.CharField(max_length=40)
    field = models.CharField(max_length=60)
    value_shown = models.CharField(max_length=VALUE_SHOWN_MAX, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cleared_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-verified_at", "-pk"]
        verbose_name = "source data verification mark"
        indexes = [
            models.Index(fields=["participant", "cleared_at"], name="sdv_participant_idx"),
            models.Index(fields=["content_type", "object_id"], name="sdv_record_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"],
                condition=Q(cleared_at__isnull=True),
                name="sdv_one_current_mark_per_value",
            ),
        ]

    def __str__(self) -> str:
        return f"SDV {self.participant_id} {self.record}.{self.field}"


class Casebook(models.Model):
    """A participant's casebook (all their records): its version counts every change
    of its records, and it may be locked by a coordinator once signed."""

    participant = models.OneToOneField(
        "diary.Participant", on_delete=models.PROTECT, related_name="casebook"
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts the changes of the participant's records."
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["participant"]
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True) | Q(locked_by__isnull=False),
                name="casebook_lock_has_user",
            ),
        ]

    def __str__(self) -> str:
        return f"Casebook of {self.participant}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Signature(models.Model):
    """An investigator's electronic signature of a participant's casebook (21 CFR
    11.50, 11.70, 11.200): the signer's printed name, the date and time, the meaning,
    and the SHA-256 of the content signed. A change of the casebook's records after
    signing makes it invalid (kept, saying what changed)."""

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="signatures"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(max_length=300, help_text="The signer's printed name.")
    meaning = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    content_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the content signed.")
    casebook_version = models.PositiveIntegerField()
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalidated_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        indexes = [
            models.Index(fields=["participant", "invalidated_at"], name="signature_current_idx")
        ]

    def __str__(self) -> str:
        return f"Signature of {self.participant} by {self.signer_name} at {self.signed_at:%Y-%m-%d}"

    @property
    def is_valid(self) -> bool:
        return self.invalidated_at is None


class CasebookEvent(models.Model):
    """Signing, a signature made invalid, locking and unlocking a casebook."""

    class Kind(models.TextChoices):
        SIGNED = "signed", gettext_noop("Signed")
        INVALIDATED = "invalid", gettext_noop("Signature invalidated by a change")
        LOCKED = "locked", gettext_noop("Casebook locked")
        UNLOCKED = "unlocked", gettext_noop("Casebook unlocked")

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="casebook_events"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.ForeignKey(
        Signature, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["signed", "invalid", "locked", "unlocked"]),
                name="casebook_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind="unlocked") | ~Q(note=""), name="casebook_unlock_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.participant_id} at {self.at:%Y-%m-%d %H:%M}"


class TrialLockWaiver(models.Model):
    """The database was locked with casebooks unsigned or queries unresolved, waived
    explicitly with a reason: which ones, by whom, why."""

    event = models.OneToOneField(
        "diary.TrialEvent", on_delete=models.PROTECT, related_name="waiver"
    )
    reason = models.TextField()
    unsigned_casebooks = models.JSONField(default=list, help_text="Participant ids.")
    unresolved_queries = models.JSONField(default=list, help_text="Query ids.")
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="lock_waiver_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Lock waiver at {self.at:%Y-%m-%d %H:%M}"
