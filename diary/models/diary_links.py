"""The participant's own diary: the personal link (a long random token, of which only
the SHA-256 is stored), their language and reminder preferences, and the language
each member of staff works in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_noop
from simple_history.models import HistoricalRecords


class DiaryLink(models.Model):
    """One personal link. A participant has at most one live link: a new one revokes
    the previous. A link is dead once revoked, and answers nothing once the
    participant withdrew or follow-up ended (diary.services.diary_links)."""

    participant = models.ForeignKey(
        "diary.Participant", on_delete=models.PROTECT, related_name="diary_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=150, blank=True)
    revoke_reason = models.CharField(max_length=300, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"],
                condition=models.Q(revoked_at__isnull=True),
                name="diary_link_one_live",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"Diary link of {self.participant} ({state})"


class Language(models.TextChoices):
    ENGLISH = "en-gb", gettext_noop("English")
    CHINESE = "zh-hans", gettext_noop("简体中文")


class ReminderChannel(models.TextChoices):
    NONE = "none", gettext_noop("No reminders")
    EMAIL = "email", gettext_noop("Email")
    SMS = "sms", gettext_noop("Text message (SMS)")


class DiaryPreferences(models.Model):
    """How a participant keeps the diary: language, reminders (channel, time of day in
    their time zone) and the email address reminders and the link go to."""

    participant = models.OneToOneField(
        "diary.Participant", on_delete=models.PROTECT, related_name="diary_preferences"
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)
    reminder_channel = models.CharField(
        max_length=5, choices=ReminderChannel.choices, default=ReminderChannel.NONE
    )
    reminder_time = models.TimeField(
        null=True, blank=True, help_text="Local time of the daily reminder (morning or evening)."
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="The participant's time zone (default: the trial's)."
    )
    email = models.EmailField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "diary preferences"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(language__in=Language.values), name="diary_language_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_channel__in=ReminderChannel.values),
                name="diary_reminder_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Diary preferences of {self.participant}"


class StaffLanguage(models.Model):
    """The language a member of staff reads the app in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_language"
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ENGLISH)

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"
