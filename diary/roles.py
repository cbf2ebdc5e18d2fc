"""Roles are auth groups; one role per user. Who sees which sites, who is blinded."""

from django.db import models
from django.utils.translation import gettext_noop


class Role(models.TextChoices):
    RESEARCH_ASSISTANT = "research_assistant", gettext_noop("Research assistant")
    COORDINATOR = "coordinator", gettext_noop("Coordinator")
    STATISTICIAN = "statistician", gettext_noop("Statistician")
    UNBLINDED_STATISTICIAN = "unblinded_statistician", gettext_noop("Unblinded statistician")
    INVESTIGATOR = "investigator", gettext_noop("Investigator")
    # Reads the closed reports the unblinded statistician releases to the monitoring
    # board; nothing else (no clinical record, no export, no site).
    DSMB_MEMBER = "dsmb_member", gettext_noop("DSMB member")
    # Blinded, at their sites: reads the clinical records, raises queries and verifies
    # source data; enters no data.
    MONITOR = "monitor", gettext_noop("Monitor")


# Roles that see every site; the others see only the sites they are assigned to.
ALL_SITE_ROLES = frozenset({Role.COORDINATOR, Role.STATISTICIAN, Role.UNBLINDED_STATISTICIAN})
# Roles that work at their sites and need at least one (a DSMB member has none).
SITE_BOUND_ROLES = frozenset({Role.RESEARCH_ASSISTANT, Role.INVESTIGATOR, Role.MONITOR})
# Roles that may enter or change clinical data.
DATA_ENTRY_ROLES = frozenset({Role.RESEARCH_ASSISTANT, Role.COORDINATOR})
# Roles that need a participant's direct identifiers (the phone number for the weekly
# call): the others read pseudonymised data only (minimum necessary).
DIRECT_IDENTIFIER_ROLES = frozenset({*DATA_ENTRY_ROLES, Role.INVESTIGATOR})
# Roles the trial office writes to, so each of their accounts needs an email address:
# serious adverse event alerts (coordinators, the site's investigators), emergency
# unblinding notices (coordinators, the unblinded statistician), the overdue-call
# digest (research assistants) and the progress report (coordinators).
ALERTED_ROLES = frozenset(
    {Role.RESEARCH_ASSISTANT, Role.COORDINATOR, Role.INVESTIGATOR, Role.UNBLINDED_STATISTICIAN}
)
# Roles that see the allocation (the unblinded statistician; the DSMB, through closed
# reports): given or taken away only by the operator (manage.py add_user), never by a
# blinded coordinator in the admin.
OPERATOR_ONLY_ROLES = frozenset({Role.UNBLINDED_STATISTICIAN, Role.DSMB_MEMBER})


def role_of(user) -> Role | None:
    """The user's role, or None for a user with no role (who sees nothing)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_trial_role", False)
    if cached is not False:
        return cached
    names = set(user.groups.values_list("name", flat=True))
    role = next((r for r in Role if r.value in names), None)
    user._trial_role = role
    return role


def is_unblinded(user) -> bool:
    """Only the unblinded statistician may ever see an arm."""
    return role_of(user) == Role.UNBLINDED_STATISTICIAN


def sees_all_sites(user) -> bool:
    return role_of(user) in ALL_SITE_ROLES


def may_enter_data(user) -> bool:
    return role_of(user) in DATA_ENTRY_ROLES


def sees_direct_identifiers(user) -> bool:
    """Whether the user may read participants' direct identifiers (phone numbers)."""
    return role_of(user) in DIRECT_IDENTIFIER_ROLES


# Data management (diary.services.queries, sdv, casebooks). The data manager's work
# (raising, closing and re-opening queries, locking casebooks, waiving at the
# database lock) is a coordinator's duty: a unit with a separate data manager gives
# them the coordinator role.
QUERY_RAISING_ROLES = frozenset({Role.MONITOR, Role.COORDINATOR})
# Site staff answer queries (with a correction only if they enter data).
QUERY_ANSWERING_ROLES = frozenset({*DATA_ENTRY_ROLES, Role.INVESTIGATOR})
SDV_ROLES = frozenset({Role.MONITOR})
SIGNING_ROLES = frozenset({Role.INVESTIGATOR})
CASEBOOK_LOCK_ROLES = frozenset({Role.COORDINATOR})
