"""Recording and correcting adverse events."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from diary.models import Phase
from diary.selectors.calls import diary_week_for_call
from diary.selectors.recipients import sae_alert_recipients
from diary.selectors.scoping import adverse_events_for, participants_for
from diary.services.adverse_events import adverse_event_record, adverse_event_update
from diary.validators import is_whole_number
from diary.web.access import data_entry_required
from diary.web.errors import run_service, run_service_once
from diary.web.forms.adverse_events import AdverseEventForm


def _after_call(request, participant_id: str):
    """The call just saved when the form was opened from it (`?after=<phase>-<week>`)."""
    phase, _, week = request.GET.get("after", "").partition("-")
    if phase not in Phase.values or not is_whole_number(week):
        return None
    return diary_week_for_call(
        user=request.user, participant_id=participant_id, phase=phase, week=int(week)
    )


def _say_who_is_alerted(request, participant) -> None:
    """A serious event is emailed on commit: say truthfully to whom, or that nobody can
    be yet (the alert then waits in the outbox)."""
    to = sae_alert_recipients(site=participant.site)
    if to:
        messages.info(
            request, _("Serious: the alert is emailed to %(to)s.") % {"to": ", ".join(to)}
        )
    else:
        messages.warning(
            request,
            _(
                "Serious: nobody can be alerted yet, as no coordinator, nor investigator of site "
                "%(site)s, has an email address. The alert waits and is sent as soon as one "
                "has; tell them yourself now."
            )
            % {"site": participant.site.code},
        )


@data_entry_required
def adverse_event_new(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = get_object_or_404(participants_for(request.user), participant_id=participant_id)
    after = _after_call(request, participant_id)
    form = AdverseEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event, already = run_service_once(
            form,
            adverse_event_record,
            participant=participant,
            by_user=request.user,
            **form.values(),
        )
        if already:
            messages.info(
                request, _("This form was sent already: the adverse event is recorded once.")
            )
        elif form.is_valid():
            messages.success(
                request,
                _("Adverse event recorded: %(term)s (%(onset)s).")
                % {"term": event.term, "onset": event.onset_on},
            )
            if event.serious:
                _say_who_is_alerted(request, participant)
        if form.is_valid():
            if after is not None:
                return redirect(
                    "diary:week_saved",
                    participant_id,
                    after.protocol_week.phase,
                    after.protocol_week.week,
                )
            return redirect("diary:participant", participant_id)
    return render(
        request,
        "diary/adverse_events/form.html",
        {"form": form, "participant": participant, "after": after},
    )


@data_entry_required
def adverse_event_edit(request: HttpRequest, participant_id: str, event_id: int) -> HttpResponse:
    event = get_object_or_404(
        adverse_events_for(request.user).select_related("participant"),
        pk=event_id,
        participant__participant_id=participant_id,
    )
    form = AdverseEventForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        changed = run_service(
            form,
            adverse_event_update,
            event=event,
            changes=form.values(),
            by_user=request.user,
            reason=form.cleaned_data.get("reason") or "",
            expected_version=form.cleaned_data.get("version"),
        )
        if form.is_valid():
            messages.success(
                request,
                _("Adverse event updated (%(changed)s).") % {"changed": ", ".join(changed)}
                if changed
                else _("No change."),
            )
            if changed and "serious" in changed and form.values().get("serious"):
                _say_who_is_alerted(request, event.participant)
            return redirect("diary:participant", participant_id)
    return render(
        request,
        "diary/adverse_events/form.html",
        {"form": form, "participant": event.participant, "event": event},
    )
