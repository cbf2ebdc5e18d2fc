"""Randomization pages: the unblinded statistician's list and trial lock, the
coordinator's replacement bottles, the investigator's emergency unblinding.

Pages that show an arm are for the unblinded statistician only, except the one
response to an investigator's emergency unblinding; all of them are never cached.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from diary.errors import TrialError
from diary.models import EmergencyUnblinding, RandomizationList, Trial
from diary.randomization.listfile import canonical_csv
from diary.roles import Role, role_of
from diary.selectors.allocation import (
    bottle_history,
    emergency_unblindings_for,
    list_stock,
    randomization_list_check,
    randomization_list_rows,
    randomization_list_table,
    randomized_participants_for,
    replacements_left,
    trial_events,
)
from diary.selectors.recipients import emergency_notice
from diary.selectors.trial import trial_or_none
from diary.services.randomization import bottle_replace
from diary.services.randomization_list import (
    randomization_list_discard,
    randomization_list_freeze,
    randomization_list_generate,
    randomization_list_import,
)
from diary.services.unblinding import (
    participant_unblind_emergency,
    trial_lock,
    trial_unblind,
    trial_unlock,
)
from diary.web.allocation_forms import (
    EmergencyUnblindingForm,
    GenerateListForm,
    ImportListForm,
    LockForm,
    ReplaceBottleForm,
    UnblindForm,
    UnlockForm,
)
from diary.web.errors import run_service

UNBLINDED = frozenset({Role.UNBLINDED_STATISTICIAN})
ALLOCATION_ROLES = frozenset({Role.COORDINATOR, Role.INVESTIGATOR, Role.UNBLINDED_STATISTICIAN})
LIST_PAGE_SIZE = 200
PAGE_SIZE = 50


def roles_required(roles: frozenset) -> Callable:
    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _trial() -> Trial:
    trial = trial_or_none()
    if trial is None:
        raise Http404("No trial is configured.")
    return trial


def _list_or_none(trial: Trial) -> RandomizationList | None:
    return RandomizationList.objects.filter(trial=trial).select_related("created_by").first()


# ---- every role with a part in allocation ----------------------------------------


@never_cache
@roles_required(ALLOCATION_ROLES)
def allocation_home(request: HttpRequest) -> HttpResponse:
    trial = _trial()
    role = role_of(request.user)
    randomization_list = _list_or_none(trial)
    participants = None
    query = request.GET.get("q", "").strip()
    if role in (Role.COORDINATOR, Role.INVESTIGATOR):
        randomized = randomized_participants_for(request.user)
        if query:
            randomized = randomized.filter(participant_id__icontains=query)
        participants = Paginator(randomized, PAGE_SIZE).get_page(request.GET.get("page"))
    left = replacements_left(randomization_list=randomization_list) if randomization_list else 0
    return render(
        request,
        "allocation/home.html",
        {
            "randomization_list": randomization_list,
            "randomized_here": randomized_participants_for(request.user).count(),
            "replacements_left": left,
            "page": participants,
            "query": query,
            "unblindings": emergency_unblindings_for(request.user).count(),
        },
    )


@never_cache
@roles_required(ALLOCATION_ROLES)
def emergency_unblinding_log(request: HttpRequest) -> HttpResponse:
    """Who unblinded whom, when and why; never the arm."""
    page = Paginator(emergency_unblindings_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "allocation/emergency_log.html", {"page": page})


# ---- the unblinded statistician: the list ---------------------------------------


@never_cache
@roles_required(UNBLINDED)
def randomization_list_detail(request: HttpRequest) -> HttpResponse:
    trial = _trial()
    randomization_list = _list_or_none(trial)
    if randomization_list is None:
        return render(request, "allocation/list_none.html")
    table = randomization_list_table(randomization_list=randomization_list)
    return render(
        request,
        "allocation/list_detail.html",
        {
            "randomization_list": randomization_list,
            "check": randomization_list_check(randomization_list=randomization_list),
            "stock": list_stock(randomization_list=randomization_list),
            "arms": trial.arms.order_by("code"),
            "page": Paginator(table, LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


@never_cache
@roles_required(UNBLINDED)
def randomization_list_download(request: HttpRequest) -> HttpResponse:
    """The list in its canonical form: `sha256sum` of the file is the fingerprint."""
    trial = _trial()
    randomization_list = get_object_or_404(RandomizationList, trial=trial)
    data = canonical_csv(randomization_list_rows(randomization_list=randomization_list))
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    name = f"randomization-list-{trial.code}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@roles_required(UNBLINDED)
def randomization_list_generate_view(request: HttpRequest) -> HttpResponse:
    trial = _trial()
    form = GenerateListForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = run_service(
            form,
            randomization_list_generate,
            trial=trial,
            method=data["method"],
            block_sizes=data["block_sizes"],
            stratify_by=data["stratify_by"],
            bottles_per_stratum=data["bottles_per_stratum"],
            spares=data["spares"],
            by_user=request.user,
        )
        if created is not None:
            messages.success(
                request,
                _("The list was generated; fingerprint %(sha256)s.") % {"sha256": created.sha256},
            )
            return redirect("diary:randomization_list")
    return render(
        request,
        "allocation/list_generate.html",
        {"form": form, "arms": trial.arms.order_by("code"), "existing": _list_or_none(trial)},
    )


@never_cache
@roles_required(UNBLINDED)
def randomization_list_import_view(request: HttpRequest) -> HttpResponse:
    trial = _trial()
    form = ImportListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        created = run_service(
            form,
            randomization_list_import,
            trial=trial,
            content=upload.read(),
            file_name=upload.name,
            stratify_by=form.cleaned_data["stratify_by"],
            by_user=request.user,
        )
        if created is not None:
            messages.success(
                request,
                _("The list was imported; fingerprint %(sha256)s.") % {"sha256": created.sha256},
            )
            return redirect("diary:randomization_list")
    return render(
        request,
        "allocation/list_import.html",
        {"form": form, "arms": trial.arms.order_by("code"), "existing": _list_or_none(trial)},
    )


def _list_action(request: HttpRequest, service: Callable, done: str) -> HttpResponse:
    randomization_list = get_object_or_404(RandomizationList, trial=_trial())
    try:
        service(randomization_list=randomization_list, by_user=request.user)
    except TrialError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, str(done))
    return redirect("diary:randomization_list")


@require_POST
@roles_required(UNBLINDED)
def randomization_list_discard_view(request: HttpRequest) -> HttpResponse:
    return _list_action(request, randomization_list_discard, _("The list was discarded."))


@require_POST
@roles_required(UNBLINDED)
def randomization_list_freeze_view(request: HttpRequest) -> HttpResponse:
    return _list_action(request, randomization_list_freeze, _("The list is frozen."))


# ---- the unblinded statistician: lock and unblinding ---------------------------

TRIAL_ACTIONS = {
    "lock": (LockForm, trial_lock, gettext_lazy("The database is locked.")),
    "unlock": (UnlockForm, trial_unlock, gettext_lazy("The database is unlocked.")),
    "unblind": (UnblindForm, trial_unblind, gettext_lazy("The trial is unblinded.")),
}


@never_cache
@roles_required(UNBLINDED)
def trial_lock_view(request: HttpRequest) -> HttpResponse:
    trial = _trial()
    forms = {name: spec[0](prefix=name) for name, spec in TRIAL_ACTIONS.items()}
    action = request.POST.get("action") if request.method == "POST" else None
    if action in TRIAL_ACTIONS:
        form_class, service, done = TRIAL_ACTIONS[action]
        form = forms[action] = form_class(request.POST, prefix=action)
        if form.is_valid():
            # the password re-entry is limited by client address (diary.services.reauth)
            extra = {"request": request} if service is trial_unblind else {}
            event = run_service(
                form, service, trial=trial, by_user=request.user, **form.cleaned_data, **extra
            )
            if event is not None:
                messages.success(request, str(done))
                return redirect("diary:trial_lock")
    from diary.selectors.datamgmt import lock_blockers

    blockers = None if trial.is_locked else lock_blockers(trial)
    return render(
        request,
        "allocation/trial_lock.html",
        {
            "forms": forms,
            "events": trial_events(trial=trial)[:100],
            "the_trial": trial,
            "blockers": blockers,
        },
    )


# ---- the coordinator: replacement bottles ----------------------------------------


@never_cache
@roles_required(frozenset({Role.COORDINATOR}))
def bottle_replacement(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = get_object_or_404(
        randomized_participants_for(request.user), participant_id=participant_id
    )
    form = ReplaceBottleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = run_service(
            form,
            bottle_replace,
            participant=participant,
            reason=form.cleaned_data["reason"],
            by_user=request.user,
        )
        if number is not None:
            messages.success(
                request,
                _("Replacement bottle %(number)s assigned to %(participant)s.")
                % {"number": number, "participant": participant.participant_id},
            )
            return redirect("diary:bottle_replacement", participant.participant_id)
    randomization_list = _list_or_none(participant.trial)
    left = replacements_left(randomization_list=randomization_list) if randomization_list else 0
    return render(
        request,
        "allocation/replacement.html",
        {
            "participant": participant,
            "bottles": bottle_history(participant=participant),
            "replacements_left": left,
            "form": form,
        },
    )


# ---- the investigator: emergency unblinding --------------------------------------


@never_cache
@roles_required(frozenset({Role.INVESTIGATOR}))
def emergency_unblinding(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = get_object_or_404(
        randomized_participants_for(request.user), participant_id=participant_id
    )
    earlier = EmergencyUnblinding.objects.filter(participant=participant).first()
    form = EmergencyUnblindingForm(request.POST or None)
    if request.method == "POST" and earlier is None and form.is_valid():
        reveal = run_service(
            form,
            participant_unblind_emergency,
            participant=participant,
            reason=form.cleaned_data["reason"],
            password=form.cleaned_data["password"],
            by_user=request.user,
            request=request,
        )
        if reveal is not None:
            # Shown in this response only: not stored in the session, not redirected to.
            return render(
                request,
                "allocation/emergency_result.html",
                {
                    "participant": participant,
                    "reveal": reveal,
                    "notice": emergency_notice(unblinding=reveal.unblinding),
                },
            )
    return render(
        request,
        "allocation/emergency_form.html",
        {"participant": participant, "earlier": earlier, "form": form},
    )
