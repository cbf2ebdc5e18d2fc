"""The call queue and the weekly call."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diary.selectors.calls import (
    calls_due_paged,
    diary_week_for_call,
    out_of_window_calls,
    week_queue_part,
)
from diary.selectors.nights import diaries_silent
from diary.selectors.trial import trial_or_none
from diary.services.calls import weekly_call_record
from diary.web.access import clinical_read_required, data_entry_required
from diary.web.errors import run_service
from diary.web.forms.calls import WeeklyCallForm

QUEUE_PAGE_SIZE = 20
QUEUE_SECTIONS = (  # (part, short name, heading, when empty)
    ("due", _("Due now"), _("Due now"), _("No call is due today.")),
    ("overdue", _("Overdue"), _("Overdue: window closed, not reached"), _("No overdue call.")),
    ("coming_up", _("Coming up"), _("Coming up this week"), _("No call coming up this week.")),
)


@data_entry_required
def call_queue(request: HttpRequest) -> HttpResponse:
    """The queue in three parts, each shown a page at a time (`?<part>=<page>`)."""
    queue = calls_due_paged(user=request.user, on_date=timezone.localdate())
    sections = [
        {
            "key": key,
            "anchor": key.replace("_", "-"),
            "short": short,
            "title": title,
            "empty": empty,
            "page": Paginator(getattr(queue, key), QUEUE_PAGE_SIZE).get_page(request.GET.get(key)),
        }
        for key, short, title, empty in QUEUE_SECTIONS
    ]
    return render(
        request,
        "diary/calls/queue.html",
        {
            "queue": queue,
            "sections": sections,
            "trial": queue.trial,
            "silent": diaries_silent(user=request.user, on_date=queue.on_date),
        },
    )


def _week_or_404(request, participant_id: str, phase: str, week: int):
    diary_week = diary_week_for_call(
        user=request.user, participant_id=participant_id, phase=phase, week=week
    )
    if diary_week is None:
        raise Http404("No such diary week.")
    return diary_week


@data_entry_required
def week_call(request: HttpRequest, participant_id: str, phase: str, week: int) -> HttpResponse:
    diary_week = _week_or_404(request, participant_id, phase, week)
    form = WeeklyCallForm(request.POST or None, diary_week=diary_week)
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            weekly_call_record,
            diary_week=diary_week,
            by_user=request.user,
            **form.service_kwargs(),
        )
        if form.is_valid():
            args = (participant_id, phase, week)
            if form.reports_health_problem:
                url = reverse("diary:adverse_event_new", args=(participant_id,))
                return redirect(f"{url}?after={phase}-{week}")
            return redirect("diary:week_saved", *args)
    return render(
        request,
        "diary/calls/call_form.html",
        {"form": form, "diary_week": diary_week, "participant": diary_week.participant},
    )


@data_entry_required
def week_saved(request: HttpRequest, participant_id: str, phase: str, week: int) -> HttpResponse:
    diary_week = _week_or_404(request, participant_id, phase, week)
    if diary_week.reached is None and not diary_week.attempts:
        # Nothing was saved for a week never called: its form is the page to show.
        return redirect("diary:week_call", participant_id, phase, week)
    return render(
        request,
        "diary/calls/call_saved.html",
        {
            "diary_week": diary_week,
            "participant": diary_week.participant,
            "queue_part": week_queue_part(diary_week, on_date=timezone.localdate()),
        },
    )


@clinical_read_required
def deviations(request: HttpRequest) -> HttpResponse:
    """Protocol deviations of the user's sites: calls made outside their window."""
    page = Paginator(out_of_window_calls(user=request.user), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    trial = trial_or_none()
    window = trial.call_window_days if trial else 0
    for week in page.object_list:
        late = (week.call_date - week.due_date).days
        week.days_outside = late - window if late > 0 else -late - window
        week.early = late < 0
    return render(
        request,
        "diary/calls/deviations.html",
        {"page": page, "window_days": window},
    )
