"""Opening a page with a diary link: the token's link (404 when unknown, revoked, or
the participant no longer keeps the diary), rate limits per link and per client
address, the participant's language, and headers that keep the link out of
other sites, caches and search engines."""

from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import translation

from config.client_ip import client_ip
from diary.selectors.diary_links import diary_preferences
from diary.services.rate_limits import RateLimited, diary_link_open


def private(response: HttpResponse) -> HttpResponse:
    """The link is the participant's key: never sent to another site (the referrer
    policy is same-origin everywhere), never cached, never indexed."""
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def diary_page(view):
    """A participant page: `view(request, link, ...)` in the participant's language."""

    @wraps(view)
    def wrapped(request, token: str, *args, **kwargs):
        from django.shortcuts import render

        try:
            link = diary_link_open(token=token, client_address=client_ip(request))
        except RateLimited:
            with translation.override(settings.LANGUAGE_CODE):
                response = render(request, "own_diary/too_many.html", status=429)
            response["Retry-After"] = "3600"
            return private(response)
        if link is None:
            raise Http404("No such diary.")
        language = str(diary_preferences(link.participant).language)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, link, token, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        response["Content-Language"] = language
        return private(response)

    return wrapped
