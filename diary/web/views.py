"""Pages of the web app. Views stay thin: parse, call one service or selector, render."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from diary.roles import role_of
from diary.selectors.scoping import sites_for
from diary.selectors.trial import trial_or_none


@login_required
def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    return render(
        request,
        "home.html",
        {
            "trial": trial_or_none(),
            "role": role,
            "sites": sites_for(request.user),
        },
    )


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and benchmarks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
