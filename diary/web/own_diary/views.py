"""The participant's pages (see the package's docstring)."""

from datetime import date, timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diary.declarations import NightSource
from diary.errors import TrialError
from diary.models import Language
from diary.selectors.nights import nights_between
from diary.services.nights import PARTICIPANT_DAYS_BACK, participant_follow_up_end
from diary.services.preferences import diary_preferences_update
from diary.web.own_diary.access import diary_page
from diary.web.own_diary.wizard import SEVERITY_CHOICES, answers_from

# The protocol's anchors of the 1-10 scale (the reference trial's diary).
SEVERITY_GROUPS = (
    ("mild", (1, 2, 3)),
    ("moderate", (4, 5, 6)),
    ("severe", (7, 8, 9, 10)),
)


def fillable_nights(participant, *, today: date) -> list[date]:
    """The nights the participant may fill in now, latest first: the last
    PARTICIPANT_DAYS_BACK nights, from consent to the end of follow-up."""
    end = participant_follow_up_end(participant)
    nights = []
    for back in range(1, PARTICIPANT_DAYS_BACK + 1):
        night = today - timedelta(days=back)
        if night < participant.consented_on:
            break
        if end is not None and night > end:
            continue
        nights.append(night)
    return nights


@diary_page
def home(request: HttpRequest, link, token: str) -> HttpResponse:
    participant = link.participant
    today = timezone.localdate()
    nights = fillable_nights(participant, today=today)
    entries = (
        nights_between(participant=participant, first=nights[-1], last=nights[0]) if nights else {}
    )
    rows = [entries[night] for night in nights]
    missing = [row.night for row in rows if row.record is None]
    return render(
        request,
        "own_diary/home.html",
        {
            "token": token,
            "rows": rows,
            "last_night": nights[0] if nights else None,
            "last_night_missing": bool(nights) and nights[0] in missing,
            "missing": missing,
            "languages": Language.choices,
        },
    )


def _night_or_404(participant, night: str) -> date:
    try:
        day = date.fromisoformat(night)
    except ValueError:
        raise Http404("No such night.") from None
    if day not in fillable_nights(participant, today=timezone.localdate()):
        raise Http404("This night cannot be filled in here.")
    return day


@diary_page
def night(request: HttpRequest, link, token: str, night: str) -> HttpResponse:
    participant = link.participant
    day = _night_or_404(participant, night)
    filled = nights_between(participant=participant, first=day, last=day)[day]
    if filled.record is not None:
        messages.info(request, _("This night is already in your diary."))
        return redirect("own_diary:home", token)
    data = request.POST if request.method == "POST" else {}
    answers, error = answers_from(data)
    if "back" in data:
        answers.drop_last()
        error = None
    question, number = answers.next_question()
    if request.method == "POST" and "save" in data and question == "confirm" and not error:
        from diary.services.nights import night_record

        try:
            night_record(
                participant=participant,
                night=day,
                cramps=answers.cramps(),
                source=NightSource.PARTICIPANT,
                by_user=None,
            )
        except TrialError:
            messages.error(
                request,
                _(
                    "This night could not be saved. Please tell the research assistant "
                    "about it at the weekly call."
                ),
            )
            return redirect("own_diary:home", token)
        messages.success(request, _("Thank you. The night is saved in your diary."))
        return redirect("own_diary:home", token)
    return render(
        request,
        "own_diary/question.html",
        {
            "token": token,
            "night": day,
            "question": question,
            "number": number,
            "answers": answers,
            "hidden": answers.hidden(),
            "error": error,
            "severity_groups": SEVERITY_GROUPS,
            "severity_choices": SEVERITY_CHOICES,
            "cramps": answers.cramps() if question == "confirm" else None,
        },
    )


@require_POST
@diary_page
def language(request: HttpRequest, link, token: str) -> HttpResponse:
    chosen = request.POST.get("language")
    if chosen in Language.values:
        diary_preferences_update(participant=link.participant, by_user=None, language=chosen)
    return redirect("own_diary:home", token)
