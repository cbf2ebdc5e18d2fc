"""Which reports a user may see, applied once for the web app, the admin and the API.

Blinded reports are for coordinators and statisticians; unblinded ones exist only
for the unblinded statistician (nobody else learns even that they exist).
"""

from django.db.models import QuerySet

from analysis.models import Report, ReportFile
from diary.roles import Role, role_of

BLINDED_READERS = frozenset({Role.COORDINATOR, Role.STATISTICIAN, Role.UNBLINDED_STATISTICIAN})


def reports_for(user) -> QuerySet[Report]:
    role = role_of(user)
    if role == Role.UNBLINDED_STATISTICIAN:
        return Report.objects.all()
    if role in BLINDED_READERS:
        return Report.objects.filter(parameters__blinded=True)
    return Report.objects.none()


def report_files_for(user) -> QuerySet[ReportFile]:
    """The attached files of the reports the user may see (only done reports have any)."""
    return ReportFile.objects.filter(report__in=reports_for(user).values("pk"))
