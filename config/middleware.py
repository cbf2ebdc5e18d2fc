"""Requests no page could answer are refused before any view runs.

A NUL character cannot be stored or compared by PostgreSQL ("A string literal cannot
contain NUL"), and no identifier, search term or form value of the trial holds one:
a NUL in the URL path is a 404, in a query parameter, cookie or posted form value a
400. The API answers in its JSON error format, every other page with its usual page.
"""

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"
NUL = "\x00"
MESSAGE = "Null characters are not allowed."


def _has_nul(pairs) -> str | None:
    """The first parameter name whose name or value holds a NUL, or None."""
    for key, values in pairs:
        if NUL in key or any(NUL in value for value in values):
            return key.replace(NUL, "")
    return None


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        api = request.path.startswith(API_PREFIX)
        if NUL in request.path or NUL in request.path_info:
            if api:
                return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
            raise Http404("Not found.")
        field = _has_nul(request.GET.lists())
        if field is None:
            field = _has_nul((name, [value]) for name, value in request.COOKIES.items())
        if field is None and not api and request.method == "POST" and _is_form(request):
            field = _has_nul(request.POST.lists())
        if field is not None:
            if api:
                return JsonResponse(
                    {"detail": MESSAGE, "code": "invalid", "errors": {field: [MESSAGE]}},
                    status=400,
                )
            return render(request, "400.html", {"message": MESSAGE}, status=400)
        return self.get_response(request)


def _is_form(request: HttpRequest) -> bool:
    return request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data")
