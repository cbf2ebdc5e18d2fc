"""Who may use the API and who may write: the roles of diary.roles, nothing new."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from diary.roles import may_enter_data, role_of

NO_ROLE = "Your account has no role in this trial."


class HasTrialRole(BasePermission):
    """Any member of staff with a role may read (what their selectors let them see)."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) is not None


class EntersData(BasePermission):
    """Reads for every role; writes only for the roles that enter clinical data."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        if role_of(request.user) is None:
            return False
        if request.method in SAFE_METHODS or may_enter_data(request.user):
            return True
        self.message = "Your role may not enter or change clinical data."
        return False
