"""The language of the staff's pages: the one each member of staff chose, English by
default. (The participant's diary pages use the participant's language instead:
diary.web.own_diary.access.)"""

import contextlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from diary.errors import TrialError
from diary.models import StaffLanguage
from diary.services.preferences import staff_language_set


class StaffLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = (
                StaffLanguage.objects.filter(user=user).values_list("language", flat=True).first()
            )
            language = chosen or language
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


@require_POST
def language_choose(request: HttpRequest) -> HttpResponse:
    """Save the signed-in user's language and go back to the page they were on."""
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "/"
    if request.user.is_authenticated:
        with contextlib.suppress(TrialError):
            staff_language_set(user=request.user, language=request.POST.get("language", ""))
    return redirect(back)
