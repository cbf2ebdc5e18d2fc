"""What a locked-out request is answered (django-axes' AXES_LOCKOUT_CALLABLE).

A locked-out login gets the lockout page. A locked-out password re-entry
(diary.services.reauth) gets its own page back, which already says why on the form,
with the same status (429): the investigator stays on the emergency-unblinding page.
"""

from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    if getattr(request, "password_reentry", False) and original_response is not None:
        original_response.status_code = status
        return original_response
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": get_cool_off(request),
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=status)
