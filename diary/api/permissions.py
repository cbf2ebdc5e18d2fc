"""Who may use the API and who may write: the roles of diary.roles, nothing new."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from diary.roles import Role, may_enter_data, role_of

NO_ROLE = "Your account has no role in this trial."


class HasTrialRole(BasePermission):
    """Any member of staff with a role may read (what their selectors let them see),
    except DSMB members, who have no access to the trial's records at all."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if role == Role.DSMB_MEMBER:
            self.message = "DSMB members read only the reports released to them."
            return False
        return role is not None


class EntersData(HasTrialRole):
    """Reads for every role with access to the records; writes only for the roles that
    enter clinical data."""

    message = NO_ROLE

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or may_enter_data(request.user):
            return True
        self.message = "Your role may not enter or change clinical data."
        return False
