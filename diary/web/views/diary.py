"""Staff pages of a participant's electronic diary: the link (send, revoke), the
diary preferences, nights reported per week, and a night entered or corrected from
what the participant tells at the call."""

import contextlib
from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from diary.declarations import NightSource
from diary.roles import may_enter_data
from diary.selectors.diary_links import diary_open, diary_preferences, live_link
from diary.selectors.nights import nights_between, nights_reported_by_week
from diary.selectors.scoping import participants_for
from diary.services.diary_links import diary_link_send, diary_links_revoke
from diary.services.nights import night_record, participant_follow_up_end
from diary.services.preferences import diary_preferences_update
from diary.web.access import clinical_read_required, data_entry_required
from diary.web.errors import run_service
from diary.web.forms.diary import (
    DiaryPreferencesForm,
    RevokeLinkForm,
    SendLinkForm,
    StaffNightForm,
)

RECENT_NIGHTS = 14


def _participant_or_404(request, participant_id: str):
    return get_object_or_404(
        participants_for(request.user).select_related("site", "trial"),
        participant_id=participant_id,
    )


def _preferences_initial(preferences) -> dict:
    return {
        "language": preferences.language,
        "reminder_channel": preferences.reminder_channel,
        "reminder_time": preferences.reminder_time,
        "time_zone": preferences.time_zone,
        "email": preferences.email,
    }


@clinical_read_required
def participant_diary(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    preferences = diary_preferences(participant)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not may_enter_data(request.user):
        raise PermissionDenied("Your role may not change the diary.")
    send_form = SendLinkForm(request.POST if action == "send" else None, prefix="send")
    revoke_form = RevokeLinkForm(request.POST if action == "revoke" else None, prefix="revoke")
    prefs_form = DiaryPreferencesForm(
        request.POST if action == "preferences" else None,
        prefix="prefs",
        initial=_preferences_initial(preferences),
    )
    if action == "send" and send_form.is_valid():
        run_service(
            send_form,
            diary_link_send,
            participant=participant,
            channel=send_form.cleaned_data["channel"],
            by_user=request.user,
            base_url=request.build_absolute_uri("/"),
        )
        if send_form.is_valid():
            messages.success(
                request, _("A new diary link was sent; the previous one no longer works.")
            )
            return redirect("diary:participant_diary", participant_id)
    if action == "revoke" and revoke_form.is_valid():
        run_service(
            revoke_form,
            diary_links_revoke,
            participant=participant,
            by_user=request.user,
            reason=revoke_form.cleaned_data["reason"],
        )
        if revoke_form.is_valid():
            messages.success(request, _("The diary link was revoked."))
            return redirect("diary:participant_diary", participant_id)
    if action == "preferences" and prefs_form.is_valid():
        run_service(
            prefs_form,
            diary_preferences_update,
            participant=participant,
            by_user=request.user,
            **prefs_form.cleaned_data,
        )
        if prefs_form.is_valid():
            messages.success(request, _("The diary preferences were saved."))
            return redirect("diary:participant_diary", participant_id)
    today = timezone.localdate()
    first = max(participant.consented_on, today - timedelta(days=RECENT_NIGHTS))
    last = today - timedelta(days=1)
    end = participant_follow_up_end(participant)
    if end is not None:
        last = min(last, end)
    recent = (
        sorted(
            nights_between(participant=participant, first=first, last=last).values(),
            key=lambda e: e.night,
            reverse=True,
        )
        if first <= last
        else []
    )
    return render(
        request,
        "diary/participants/diary.html",
        {
            "participant": participant,
            "preferences": preferences,
            "link": live_link(participant),
            "diary_open": diary_open(participant),
            "weeks": _weeks(participant),
            "recent": recent,
            "send_form": send_form,
            "revoke_form": revoke_form,
            "prefs_form": prefs_form,
        },
    )


def _weeks(participant) -> list[dict]:
    counts = nights_reported_by_week(participant)
    return [{"phase": phase, "week": week, "reported": n} for (phase, week), n in counts.items()]


@data_entry_required
def staff_night(request: HttpRequest, participant_id: str, night: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    try:
        day = date.fromisoformat(night)
    except ValueError:
        raise Http404("No such night.") from None
    entry = nights_between(participant=participant, first=day, last=day)[day]
    existing = entry.record
    try:
        wanted = int(request.GET.get("rows", ""))
    except ValueError:
        wanted = 0
    rows = max(wanted, len(entry.cramps), 1)
    rows = min(rows, 20)
    initial = {}
    if existing is not None:
        initial = {"reported": "yes" if existing.reported else "no", "cramps": existing.cramps}
        for i, cramp in enumerate(entry.cramps, start=1):
            initial[f"duration_{i}"] = cramp.duration_min
            initial[f"severity_{i}"] = cramp.severity
    data = request.POST if request.method == "POST" else None
    if data is not None:
        with contextlib.suppress(ValueError):
            rows = max(rows, min(int(data.get("cramps") or 0), 20))
    form = StaffNightForm(data, initial=initial, rows=rows, correcting=existing is not None)
    if data is not None and form.is_valid():
        run_service(
            form,
            night_record,
            participant=participant,
            night=day,
            cramps=form.cramp_values(),
            source=NightSource.STAFF,
            by_user=request.user,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=existing.version if existing else None,
        )
        if form.is_valid():
            messages.success(request, _("The night of %(night)s was saved.") % {"night": day})
            return redirect("diary:participant_diary", participant_id)
    return render(
        request,
        "diary/participants/night_form.html",
        {"participant": participant, "night": day, "form": form, "existing": existing},
    )
