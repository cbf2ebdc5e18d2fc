"""Staff access: which sites a member of staff works at (roles are auth groups), and
the record of every change of an account's access (role, sites, email, active)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SiteAssignment(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="site_assignments"
    )
    site = models.ForeignKey("diary.Site", on_delete=models.CASCADE, related_name="assignments")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "site"], name="site_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site.code}"


class StaffAccessChange(models.Model):
    """One change of an account's access, as the audit trail keeps a clinical change:
    who made it, when, through which door, what changed from what to what, and why.
    Written by diary.services.users only; never changed or deleted."""

    class Kind(models.TextChoices):
        CREATED = "created", "Account created"
        CHANGED = "changed", "Access changed"
        PASSWORD = "password", "Password set"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="access_changes",
        help_text="The account changed.",
    )
    username = models.CharField(max_length=150, help_text="Its username at the time.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    changes = models.JSONField(
        default=dict, blank=True, help_text="{field: [old, new]}; old is null at creation."
    )
    reason = models.TextField(blank=True)
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_by_name = models.CharField(
        max_length=150, help_text="Who made the change (the operating-system user for a command)."
    )
    via = models.CharField(max_length=30, help_text="Where: admin, add_user, demo_users, ...")

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = "staff access change"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.username}"
