"""Who the trial office writes to: the active accounts of a role that have an email
address. One place for the alerts, the notices, the deployment check and the pages
that say who was told."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from diary.models import Site
from diary.roles import Role


def staff_with_role(role: Role, *, site: Site | None = None) -> QuerySet:
    """Active users of `role` with an email address (of `site` when given)."""
    users = get_user_model().objects.filter(is_active=True, groups__name=role.value)
    if site is not None:
        users = users.filter(site_assignments__site=site)
    return users.exclude(email="")


def addresses(*querysets: QuerySet) -> list[str]:
    return sorted({email for qs in querysets for email in qs.values_list("email", flat=True)})


def sae_alert_audience(site: Site) -> str:
    return f"the coordinators and the investigators of site {site.code}"


def sae_alert_recipients(*, site: Site) -> list[str]:
    """A serious adverse event at `site` is emailed to the coordinators and the
    site's investigators."""
    return addresses(
        staff_with_role(Role.COORDINATOR), staff_with_role(Role.INVESTIGATOR, site=site)
    )


EMERGENCY_AUDIENCE = "the coordinators and the unblinded statistician"


def emergency_notice_recipients() -> list[str]:
    """An emergency unblinding is told to the coordinators and the unblinded
    statistician."""
    return addresses(
        staff_with_role(Role.COORDINATOR), staff_with_role(Role.UNBLINDED_STATISTICIAN)
    )


def digest_audience(site: Site) -> str:
    return f"the research assistants of site {site.code}"


def digest_recipients(*, site: Site) -> list[str]:
    return addresses(staff_with_role(Role.RESEARCH_ASSISTANT, site=site))


PROGRESS_AUDIENCE = "the coordinators"


def progress_report_recipients() -> list[str]:
    return addresses(staff_with_role(Role.COORDINATOR))


@dataclass(frozen=True)
class Notice:
    """Who an emergency-unblinding notice reached, or is about to reach."""

    sent_to: list[str]
    going_to: list[str]


def emergency_notice(*, unblinding) -> Notice:
    from diary.models import EmergencyUnblinding

    unblinding = EmergencyUnblinding.objects.get(pk=unblinding.pk)
    if unblinding.notified_at is not None:
        return Notice(sent_to=unblinding.notified_to.split(", "), going_to=[])
    return Notice(sent_to=[], going_to=emergency_notice_recipients())
