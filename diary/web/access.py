"""Who may open which page: role checks for views. Site scoping is not done here but
in the selectors (diary.selectors.scoping), so another site's record is a 404."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from diary.roles import DATA_ENTRY_ROLES, Role, role_of

# Roles that read participants' records (with their contact details) in this app.
CLINICAL_READ_ROLES = frozenset({*DATA_ENTRY_ROLES, Role.INVESTIGATOR, Role.MONITOR})


def _role_in(roles: frozenset, view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if role_of(request.user) not in roles:
            raise PermissionDenied("Your role does not give access to this page.")
        return view(request, *args, **kwargs)

    return wrapped


def data_entry_required(view: Callable) -> Callable:
    """Research assistants and coordinators enter and correct data."""
    return _role_in(DATA_ENTRY_ROLES, view)


def clinical_read_required(view: Callable) -> Callable:
    """Data-entry roles, investigators and monitors (read only) see participants'
    records."""
    return _role_in(CLINICAL_READ_ROLES, view)


def roles_in(roles: frozenset) -> Callable[[Callable], Callable]:
    """Only these roles open the page."""
    return lambda view: _role_in(roles, view)
