"""Which reports a user may see, applied once for the web app, the admin and the API.

- Open reports (everyone pooled, nothing by group): coordinators, statisticians and
  the unblinded statistician.
- Coded reports (groups A and B) made while the trial is locked: the blinded
  statistician, as long as the trial stays locked (and the unblinded statistician).
  Coordinators never read a coded report: they enter and correct data, and a report
  by group could be compared with what they change.
- Unblinded reports, and closed reports (split by group before the trial was
  unblinded, for the monitoring board): the unblinded statistician; a closed report
  also for the DSMB members it is released to while the release stands.

Nobody else learns that a report they may not read exists.
"""

from django.db.models import Q, QuerySet

from analysis.models import Report, ReportFile, ReportRelease
from diary.roles import Role, role_of
from diary.selectors.trial import trial_or_none

OPEN_READERS = frozenset({Role.COORDINATOR, Role.STATISTICIAN, Role.UNBLINDED_STATISTICIAN})
# Roles that see the report pages at all (what each sees is reports_for's).
REPORT_READERS = OPEN_READERS | {Role.DSMB_MEMBER}
# Roles that may ask for reports (DSMB members only read).
REQUESTERS = OPEN_READERS


def _open() -> Q:
    return Q(parameters__view="open")


def reports_for(user) -> QuerySet[Report]:
    role = role_of(user)
    if role == Role.UNBLINDED_STATISTICIAN:
        return Report.objects.all()
    if role == Role.COORDINATOR:
        return Report.objects.filter(_open())
    if role == Role.STATISTICIAN:
        trial = trial_or_none()
        if trial is None or trial.locked_at is None:
            return Report.objects.filter(_open())
        coded = Q(
            parameters__view="coded",
            dsmb_request=False,
            trial=trial,
            created_at__gte=trial.locked_at,
        )
        return Report.objects.filter(_open() | coded)
    if role == Role.DSMB_MEMBER:
        released = Q(
            releases__released_to=user,
            releases__revoked_at__isnull=True,
            dsmb_request=True,
        )
        return Report.objects.filter(released).distinct()
    return Report.objects.none()


def report_files_for(user) -> QuerySet[ReportFile]:
    """The attached files of the reports the user may see (only done reports have any)."""
    return ReportFile.objects.filter(report__in=reports_for(user).values("pk"))


def releases_for(user) -> QuerySet[ReportRelease]:
    """The releases of closed reports the user may see: all for the unblinded statistician,
    their own standing ones for a DSMB member."""
    role = role_of(user)
    if role == Role.UNBLINDED_STATISTICIAN:
        return ReportRelease.objects.all()
    if role == Role.DSMB_MEMBER:
        return ReportRelease.objects.filter(released_to=user, revoked_at__isnull=True)
    return ReportRelease.objects.none()
