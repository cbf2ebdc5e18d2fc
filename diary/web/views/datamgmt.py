"""Data management pages: the queries of your sites and a query's page (answer, close,
re-open), raising a query on a value, a participant's casebook (every value with its
verification and queries; verifying in bulk), signing it, locking it, and the source
data verification progress. Every change goes through the services."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from diary.errors import TrialError
from diary.labels import translated
from diary.models import Query
from diary.roles import (
    CASEBOOK_LOCK_ROLES,
    QUERY_ANSWERING_ROLES,
    QUERY_RAISING_ROLES,
    SDV_ROLES,
    SIGNING_ROLES,
    Role,
    may_enter_data,
    role_of,
)
from diary.selectors.casebook import clinical_record
from diary.selectors.datamgmt import (
    casebook_forms,
    queries_for,
    query_counts,
    sdv_progress,
    signature_state,
)
from diary.selectors.scoping import participants_for, sites_for
from diary.services.audit import ensure_current
from diary.services.casebooks import (
    SIGNATURE_MEANING,
    casebook_for_update,
    casebook_lock,
    casebook_sign,
    casebook_unlock,
)
from diary.services.queries import query_answer, query_close, query_raise, query_reopen
from diary.services.sdv import FormTarget, sdv_verify
from diary.web.access import clinical_read_required, roles_in
from diary.web.errors import run_service, run_service_once
from diary.web.forms.datamgmt import (
    CasebookLockForm,
    CasebookUnlockForm,
    QueryAnswerForm,
    QueryCloseForm,
    QueryRaiseForm,
    QueryReopenForm,
    SignForm,
)

PAGE_SIZE = 50
STATES = [
    ("open", pgettext_lazy("queries", "Open")),
    ("answered", pgettext_lazy("queries", "Answered")),
    ("closed", pgettext_lazy("queries", "Closed")),
    ("all", pgettext_lazy("queries", "All")),
]


def _participant_or_404(request, participant_id: str):
    return get_object_or_404(
        participants_for(request.user).select_related("site", "trial"),
        participant_id=participant_id,
    )


# -- queries ------------------------------------------------------------------------


@clinical_read_required
def query_list(request: HttpRequest) -> HttpResponse:
    """The queries of your sites; the site staff's queue starts with the open ones."""
    state = request.GET.get("state", "open")
    if state not in dict(STATES):
        state = "open"
    queries = queries_for(request.user).select_related("participant__site", "raised_by")
    counts = query_counts(
        queries_for(request.user), sites=sites_for(request.user).values_list("code", flat=True)
    )
    if state != "all":
        queries = queries.filter(state=state)
    order = ("raised_at", "pk") if state == "open" else ("-raised_at", "-pk")
    page = Paginator(queries.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "datamgmt/query_list.html",
        {"page": page, "state": state, "states": STATES, "counts": counts},
    )


def _query_or_404(request, query_id: int) -> Query:
    return get_object_or_404(
        queries_for(request.user).select_related("participant__site", "raised_by"), pk=query_id
    )


def _query_forms(request, query, data=None, action=None):
    kind = clinical_record(query.record)
    role = role_of(request.user)
    forms = {}
    if query.state == Query.State.OPEN and role in QUERY_ANSWERING_ROLES:
        forms["answer"] = QueryAnswerForm(
            data if action == "answer" else None,
            prefix="answer",
            value=kind.value(query.field),
            may_correct=may_enter_data(request.user),
            initial={"version": query.version},
        )
    if role in QUERY_RAISING_ROLES:
        if query.state != Query.State.CLOSED:
            forms["close"] = QueryCloseForm(
                data if action == "close" else None,
                prefix="close",
                initial={"version": query.version},
            )
        if query.state != Query.State.OPEN:
            forms["reopen"] = QueryReopenForm(
                data if action == "reopen" else None,
                prefix="reopen",
                initial={"version": query.version},
            )
    return forms


@never_cache
@clinical_read_required
def query_detail(request: HttpRequest, query_id: int) -> HttpResponse:
    query = _query_or_404(request, query_id)
    action = request.POST.get("action") if request.method == "POST" else None
    forms = _query_forms(request, query, request.POST, action)
    if action in forms and forms[action].is_valid():
        form = forms[action]
        data = form.cleaned_data
        if action == "answer":
            correct, value = form.correction()
            done = run_service(
                form,
                query_answer,
                query=query,
                text=data["text"],
                correct=correct,
                correction=value,
                reason=data.get("reason") or "",
                by_user=request.user,
                expected_version=data.get("version"),
            )
        elif action == "close":
            done = run_service(
                form,
                query_close,
                query=query,
                text=data.get("text") or "",
                by_user=request.user,
                expected_version=data.get("version"),
            )
        else:
            done = run_service(
                form,
                query_reopen,
                query=query,
                text=data["text"],
                by_user=request.user,
                expected_version=data.get("version"),
            )
        if done is not None:
            messages.success(
                request,
                _("Query %(number)s: %(state)s.")
                % {"number": query.pk, "state": translated(done.get_state_display()).lower()},
            )
            return redirect("diary:query", query.pk)
    kind = clinical_record(query.record)
    instance = kind.model.objects.filter(pk=query.object_id).first()
    from diary.selectors.casebook import record_label_shown, shown

    return render(
        request,
        "datamgmt/query_detail.html",
        {
            "query": query,
            "forms": forms,
            "steps": query.steps.select_related("by_user"),
            "record_label": record_label_shown(kind, instance)
            if instance
            else translated(kind.label),
            "value_label": translated(kind.value(query.field).label),
            "value_now": shown(getattr(instance, query.field)) if instance else "",
        },
    )


@never_cache
@roles_in(QUERY_RAISING_ROLES)
def query_new(request: HttpRequest, participant_id: str) -> HttpResponse:
    """Raise a query on a value of one of the participant's records
    (?record=diary&id=12&value=severity)."""
    participant = _participant_or_404(request, participant_id)
    source = request.POST if request.method == "POST" else request.GET
    try:
        kind = clinical_record(source.get("record", ""))
        object_id = int(source.get("id", ""))
    except (KeyError, ValueError):
        raise Http404("No such record.") from None
    instance = kind.of_participants([participant.pk]).filter(pk=object_id).first()
    if instance is None:
        raise Http404("No such record.")
    form = QueryRaiseForm(
        request.POST if request.method == "POST" else None,
        kind=kind,
        initial_value=source.get("value", ""),
    )
    if request.method == "POST" and form.is_valid():
        query, already = run_service_once(
            form,
            query_raise,
            record=kind.name,
            object_id=instance.pk,
            field=form.cleaned_data["value"],
            text=form.cleaned_data["text"],
            by_user=request.user,
            instance=instance,
        )
        if already:
            messages.info(request, _("This form was sent already: the query is raised once."))
            return redirect("diary:casebook", participant.participant_id)
        if query is not None:
            messages.success(
                request,
                _("Query %(number)s raised; the site will answer it.") % {"number": query.pk},
            )
            return redirect("diary:casebook", participant.participant_id)
    from diary.selectors.casebook import record_label_shown

    return render(
        request,
        "datamgmt/query_new.html",
        {
            "form": form,
            "participant": participant,
            "record": kind.name,
            "object_id": instance.pk,
            "record_label": record_label_shown(kind, instance),
        },
    )


# -- the casebook ---------------------------------------------------------------------


@never_cache
@clinical_read_required
def casebook(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    state = signature_state(participant)
    role = role_of(request.user)
    return render(
        request,
        "datamgmt/casebook.html",
        {
            "participant": participant,
            "forms": casebook_forms(participant, reader=request.user),
            "state": state,
            "may_verify": role in SDV_ROLES,
            "may_raise": role in QUERY_RAISING_ROLES,
            "may_sign": role in SIGNING_ROLES,
            "may_lock": role in CASEBOOK_LOCK_ROLES,
            "lock_form": CasebookLockForm(prefix="lock", initial={"version": state.version}),
            "unlock_form": CasebookUnlockForm(prefix="unlock", initial={"version": state.version}),
        },
    )


def _targets(post) -> tuple[list[FormTarget], list[tuple[str, int]]]:
    """What the casebook page's verify buttons and boxes name."""
    forms, weeks = [], []
    try:
        if post.get("week"):
            phase, number = post["week"].split(":")
            weeks.append((phase, int(number)))
        elif post.get("form"):
            record, object_id = post["form"].split(":")
            forms.append(FormTarget(record, int(object_id)))
        else:
            chosen: dict[tuple[str, int], list[str]] = {}
            for key in post.getlist("v"):
                record, object_id, name = key.split(":")
                chosen.setdefault((record, int(object_id)), []).append(name)
            forms = [FormTarget(r, i, tuple(names)) for (r, i), names in chosen.items()]
    except ValueError:
        return [], []
    return forms, weeks


@require_POST
@roles_in(SDV_ROLES)
def casebook_verify(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    forms, weeks = _targets(request.POST)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        with transaction.atomic():
            ensure_current(casebook_for_update(participant.pk), version)
            made = sdv_verify(
                participant=participant, by_user=request.user, forms=forms, weeks=weeks
            )
    except TrialError as exc:
        messages.error(request, _("Nothing was verified: %(why)s") % {"why": exc.message})
    else:
        messages.success(
            request,
            ngettext("%(count)s value verified.", "%(count)s values verified.", made)
            % {"count": made},
        )
    return redirect("diary:casebook", participant.participant_id)


@never_cache
@roles_in(SIGNING_ROLES)
def casebook_sign_view(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    state = signature_state(participant, with_digest=True)
    form = SignForm(request.POST or None, initial={"version": state.version})
    if request.method == "POST" and form.is_valid():
        signature = run_service(
            form,
            casebook_sign,
            participant=participant,
            password=form.cleaned_data["password"],
            by_user=request.user,
            expected_version=form.cleaned_data.get("version"),
            request=request,  # the re-entry is limited by client address
        )
        if signature is not None:
            messages.success(
                request,
                _("Signed by %(name)s on %(when)s: %(meaning)s")
                % {
                    "name": signature.signer_name,
                    "when": f"{signature.signed_at:%Y-%m-%d %H:%M}",
                    "meaning": SIGNATURE_MEANING,
                },
            )
            return redirect("diary:casebook", participant.participant_id)
    return render(
        request,
        "datamgmt/sign.html",
        {"participant": participant, "state": state, "form": form, "meaning": SIGNATURE_MEANING},
    )


@require_POST
@roles_in(CASEBOOK_LOCK_ROLES)
def casebook_lock_view(request: HttpRequest, participant_id: str) -> HttpResponse:
    participant = _participant_or_404(request, participant_id)
    unlocking = request.POST.get("action") == "unlock"
    form = (CasebookUnlockForm if unlocking else CasebookLockForm)(
        request.POST, prefix="unlock" if unlocking else "lock"
    )
    if not form.is_valid():
        messages.error(request, "; ".join(m for ms in form.errors.values() for m in ms))
        return redirect("diary:casebook", participant.participant_id)
    data = form.cleaned_data
    try:
        if unlocking:
            casebook_unlock(
                participant=participant,
                reason=data["reason"],
                by_user=request.user,
                expected_version=data.get("version"),
            )
        else:
            casebook_lock(
                participant=participant,
                note=data.get("note") or "",
                by_user=request.user,
                expected_version=data.get("version"),
            )
    except TrialError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("Casebook unlocked.") if unlocking else _("Casebook locked."))
    return redirect("diary:casebook", participant.participant_id)


@roles_in(frozenset({Role.MONITOR, Role.COORDINATOR, Role.INVESTIGATOR}))
def sdv_progress_view(request: HttpRequest) -> HttpResponse:
    by_site, by_participant = sdv_progress(participants_for(request.user))
    page = Paginator(by_participant, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "datamgmt/sdv_progress.html", {"site_rows": by_site, "page": page})


def casebook_url(participant_id: str) -> str:
    return reverse("diary:casebook", args=[participant_id])
