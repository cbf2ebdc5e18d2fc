"""The landing page and the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from diary.roles import Role, may_enter_data, role_of

# Where each role's day starts: the page with something for it to do.
LANDING = {
    Role.INVESTIGATOR: "diary:participants",
    Role.STATISTICIAN: "analysis:reports",
    Role.UNBLINDED_STATISTICIAN: "diary:allocation",
    Role.MONITOR: "diary:queries",
    Role.DSMB_MEMBER: "analysis:reports",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands where its work is: research assistants and coordinators at the
    call queue, investigators at their participants, statisticians at the reports,
    the unblinded statistician at the randomization list, lock and closed reports,
    monitors at their sites' queries, DSMB members at the reports released to them."""
    if may_enter_data(request.user):
        return redirect("diary:calls")
    landing = LANDING.get(role_of(request.user))
    if landing:
        return redirect(landing)
    return render(request, "home.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and benchmarks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
