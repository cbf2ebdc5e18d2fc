"""Which sites a member of staff works at (roles are auth groups)."""

from django.conf import settings
from django.db import models


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
