"""Template context for every page: the trial, the user's role and sites."""

from django.utils.functional import SimpleLazyObject

from diary.roles import may_enter_data, role_of
from diary.selectors.scoping import sites_for
from diary.selectors.trial import trial_or_none
from diary.web.access import CLINICAL_READ_ROLES


def staff(request) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    return {
        "trial": SimpleLazyObject(trial_or_none),
        "role": role,
        "sites": SimpleLazyObject(lambda: list(sites_for(user)) if role else []),
        "can_enter_data": may_enter_data(user) if role else False,
        "can_read_records": role in CLINICAL_READ_ROLES,
    }
