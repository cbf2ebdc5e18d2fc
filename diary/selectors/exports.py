"""Which stored exports a user may see, applied once for the web app, the admin and
the API.

Blinded exports and progress reports are for coordinators and statisticians;
unblinded exports exist only for the unblinded statistician (nobody else learns even
that they exist).
"""

from django.db.models import QuerySet

from diary.models import ExportFile, ExportRun
from diary.roles import Role, role_of

EXPORT_READERS = frozenset({Role.COORDINATOR, Role.STATISTICIAN, Role.UNBLINDED_STATISTICIAN})


def may_read_exports(user) -> bool:
    return role_of(user) in EXPORT_READERS


def exports_for(user) -> QuerySet[ExportRun]:
    role = role_of(user)
    if role == Role.UNBLINDED_STATISTICIAN:
        return ExportRun.objects.all()
    if role in EXPORT_READERS:
        return ExportRun.objects.filter(unblinded=False)
    return ExportRun.objects.none()


def export_files_for(user) -> QuerySet[ExportFile]:
    """The files of the runs the user may see (only finished runs have any)."""
    return ExportFile.objects.filter(run__in=exports_for(user).values("pk"))
