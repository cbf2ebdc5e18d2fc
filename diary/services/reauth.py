"""Confirming an action with the password again: emergency unblinding, unblinding the
trial, and any later signature. One check for all of them, and it counts as a login
attempt: django-axes limits it by username and client address exactly like a login
(AXES_FAILURE_LIMIT failures lock both for AXES_COOLOFF_MINUTES; a wrong re-entry
counts towards the login lock and the other way round). Failures from another
address never lock the owner out at theirs.

Call it before the transaction of the action: a failure must be recorded even though
the action is refused.
"""

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext_noop

from diary.errors import AccessDenied, PasswordLocked

logger = logging.getLogger(__name__)


def password_reentry_check(*, user, password: str, request=None) -> None:
    """Raise AccessDenied (field `password`) unless `password` is `user`'s, and
    PasswordLocked once too many wrong passwords came from this address. Without a
    request (a command, a shell) there is no client to limit: the password is checked."""
    if request is None:
        if not password or not user.check_password(password):
            logger.warning("Password re-entry refused for user %s", user.pk)
            raise AccessDenied(gettext_noop("The password is not correct."), field="password")
        return
    request.password_reentry = True  # a lockout answers on the page (diary.web.lockout)
    confirmed = authenticate(request, username=user.get_username(), password=password or "")
    if getattr(request, "axes_locked_out", False):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        raise PasswordLocked(
            "Too many wrong passwords for this account from this address: password "
            f"re-entry and login are locked for {minutes} minutes (a coordinator can "
            "unlock it sooner).",
            field="password",
        )
    if confirmed is None or confirmed.pk != user.pk:
        logger.warning("Password re-entry refused for user %s", user.pk)
        raise AccessDenied(gettext_noop("The password is not correct."), field="password")
