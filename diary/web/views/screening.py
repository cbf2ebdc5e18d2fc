"""The screening log and the screening of a candidate."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from diary.labels import translated
from diary.selectors.scoping import screenings_for, sites_for
from diary.selectors.trial import trial_or_none
from diary.services.screening import (
    eligibility_decide,
    next_participant_id,
    screening_record_create,
)
from diary.web.access import clinical_read_required, data_entry_required
from diary.web.errors import run_service
from diary.web.forms.screening import ScreeningForm

PAGE_SIZE = 50


@clinical_read_required
def screening_log(request: HttpRequest) -> HttpResponse:
    records = (
        screenings_for(request.user)
        .select_related("site", "participant")
        .order_by("-screened_on", "-pk")
    )
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "diary/screening/log.html", {"page": page})


def _suggest_consent(data, form: ScreeningForm):
    """Fill the study id and the consent date the first time the consent part shows."""
    data = data.copy()
    if not data.get("participant_id"):
        data["participant_id"] = next_participant_id(site=form.cleaned_data["site"])
    if not data.get("consented_on"):
        data["consented_on"] = form.cleaned_data["screened_on"].isoformat()
    return data


@data_entry_required
def screening_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the answers -> the app decides eligibility and explains it.
    Step 2: consent (enrol) or decline, or log the ineligible candidate; saved as one record."""
    trial = trial_or_none()
    if trial is None:
        return render(request, "home.html")
    sites = sites_for(request.user).filter(trial=trial)
    criteria = list(trial.criteria.all())
    form = ScreeningForm(request.POST or None, sites=sites, criteria=criteria)
    decision = None
    if request.method == "POST" and form.is_valid():
        decision = run_service(form, eligibility_decide, trial=trial, **form.decision_kwargs())
        saving = request.POST.get("action") == "save"
        if decision and decision.eligible and not form.cleaned_data.get("consent"):
            if saving:
                form.add_error("consent", "Record whether the candidate consents or declines.")
            else:
                form = ScreeningForm(
                    _suggest_consent(request.POST, form), sites=sites, criteria=criteria
                )
                form.is_valid()
        elif decision and saving:
            consent = form.consent_record() if decision.eligible else None
            if form.is_valid():
                record = run_service(
                    form,
                    screening_record_create,
                    trial=trial,
                    by_user=request.user,
                    **form.record_kwargs(consent),
                )
                if form.is_valid():
                    return _saved(request, record)
    return render(
        request,
        "diary/screening/form.html",
        {"form": form, "decision": decision, "trial": trial},
    )


def _saved(request, record) -> HttpResponse:
    if record.outcome == "enrolled":
        participant_id = record.participant.participant_id
        messages.success(
            request,
            _(
                "%(screening)s is eligible and enrolled as %(participant)s. "
                "Enter the baseline characteristics now."
            )
            % {"screening": record.screening_id, "participant": participant_id},
        )
        return redirect("diary:baseline", participant_id)
    messages.success(
        request,
        (
            _("%(screening)s saved to the screening log: %(outcome)s (%(reason)s).")
            if record.reason
            else _("%(screening)s saved to the screening log: %(outcome)s.")
        )
        % {
            "screening": record.screening_id,
            "outcome": translated(record.get_outcome_display()),
            "reason": record.reason,
        },
    )
    return redirect("diary:screening_log")
