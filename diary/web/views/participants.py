"""Participants: the list, the timeline page, baseline, randomization, withdrawal."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from diary.roles import sees_direct_identifiers
from diary.selectors.nights import diary_compliance
from diary.selectors.scoping import participant_counts, participants_for
from diary.selectors.timeline import participant_timeline
from diary.services.participants import (
    participant_treatment_stop,
    participant_update,
    participant_withdraw,
)
from diary.services.randomization import participant_randomize
from diary.web.access import clinical_read_required, data_entry_required
from diary.web.errors import run_service
from diary.web.forms.participants import (
    BaselineForm,
    RandomizeForm,
    TreatmentStopForm,
    WithdrawForm,
)

PAGE_SIZE = 50


@clinical_read_required
def participant_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    participants = participants_for(request.user).select_related("site").order_by("participant_id")
    if query:
        participants = participants.filter(participant_id__icontains=query)
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = participant_counts(user=request.user)
    return render(
        request, "diary/participants/list.html", {"page": page, "query": query, "counts": counts}
    )


def _timeline_or_404(request, participant_id: str):
    timeline = participant_timeline(
        user=request.user, participant_id=participant_id, on_date=timezone.localdate()
    )
    if timeline is None:
        raise Http404("No such participant.")
    return timeline


@clinical_read_required
def participant_detail(request: HttpRequest, participant_id: str) -> HttpResponse:
    timeline = _timeline_or_404(request, participant_id)
    from diary.selectors.datamgmt import queried_values, signature_state

    return render(
        request,
        "diary/participants/detail.html",
        {
            "timeline": timeline,
            "participant": timeline.participant,
            "trial": timeline.participant.trial,
            "queried": queried_values(timeline.participant),
            "sees_phone": sees_direct_identifiers(request.user),
            "casebook_state": signature_state(timeline.participant),
            "diary_weeks": diary_compliance(timeline.participant),
        },
    )


def _participant_or_404(request, participant_id: str):
    return get_object_or_404(
        participants_for(request.user).select_related("site", "trial"),
        participant_id=participant_id,
    )


@data_entry_required
def baseline(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    form = BaselineForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        changed = run_service(
            form,
            participant_update,
            participant=participant,
            changes=form.changes(),
            by_user=request.user,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=form.cleaned_data.get("version"),
        )
        if form.is_valid():
            messages.success(
                request,
                _("Saved: %(changed)s.") % {"changed": ", ".join(changed)}
                if changed
                else _("Nothing changed."),
            )
            return redirect("diary:participant", participant_id)
    return render(
        request, "diary/participants/baseline.html", {"form": form, "participant": participant}
    )


@data_entry_required
def randomize(request: HttpRequest, participant_id: str) -> HttpResponse:
    """Randomize a participant; the page shows only the bottle number to hand out."""
    timeline = _timeline_or_404(request, participant_id)
    form = RandomizeForm(request.POST or None, participant=timeline.participant)
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            participant_randomize,
            participant=timeline.participant,
            by_user=request.user,
            randomized_on=form.cleaned_data["randomized_on"],
            expected_version=form.cleaned_data.get("version"),
        )
        if form.is_valid():
            return redirect("diary:randomize", participant_id)
    return render(
        request,
        "diary/participants/randomize.html",
        {"form": form, "timeline": timeline, "participant": timeline.participant},
    )


@data_entry_required
def withdraw(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    form = WithdrawForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            participant_withdraw,
            participant=participant,
            withdrawn_on=form.cleaned_data["withdrawn_on"],
            reason=form.cleaned_data["withdrawal_reason"],
            by_user=request.user,
            expected_version=form.cleaned_data.get("version"),
        )
        if form.is_valid():
            messages.success(
                request,
                _("%(participant)s withdrawn on %(date)s.")
                % {"participant": participant_id, "date": form.cleaned_data["withdrawn_on"]},
            )
            return redirect("diary:participant", participant_id)
    return render(
        request, "diary/participants/withdraw.html", {"form": form, "participant": participant}
    )


@data_entry_required
def stop_treatment(request: HttpRequest, participant_id: str) -> HttpResponse:
    """Record that the participant stopped the study product; follow-up goes on."""
    participant = _participant_or_404(request, participant_id)
    form = TreatmentStopForm(request.POST or None, participant=participant)
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            participant_treatment_stop,
            participant=participant,
            stopped_on=form.cleaned_data["treatment_stopped_on"],
            reason=form.cleaned_data["treatment_stop_reason"],
            by_user=request.user,
            expected_version=form.cleaned_data.get("version"),
        )
        if form.is_valid():
            messages.success(
                request,
                _("%(participant)s stopped the study product on %(date)s; the weekly calls go on.")
                % {
                    "participant": participant_id,
                    "date": form.cleaned_data["treatment_stopped_on"],
                },
            )
            return redirect("diary:participant", participant_id)
    return render(
        request,
        "diary/participants/stop_treatment.html",
        {"form": form, "participant": participant},
    )
