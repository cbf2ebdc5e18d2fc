"""The landing page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from diary.roles import may_enter_data


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Research assistants and coordinators start their day at the call queue."""
    if may_enter_data(request.user):
        return redirect("diary:calls")
    return render(request, "home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and benchmarks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
