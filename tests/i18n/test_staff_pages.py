"""Every staff page, for a member of staff who reads the app in Chinese, holds no
untranslated word.

On the blinding crawl's trial with data (randomized participants, calls, adverse
events, a withdrawal, a replacement bottle, an emergency unblinding, queries, a
signed casebook, reports and exports), each staff role, with Chinese chosen as its
language, opens every URL pattern of the app (parameters filled with real objects)
and the pages they link to. No page may hold a run of Latin letters but the trial's
own data (identifiers, names, free text entered), snake_case codes, what is in
<code> or marked as another language, and the few abbreviations and units the
Chinese pages keep (ALLOWED). A form sent with a mistake answers in Chinese too.
"""

import re
import zoneinfo
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve

from analysis.models import Report, ReportFile
from diary.models import (
    AdverseEvent,
    Allocation,
    Arm,
    EligibilityCriterion,
    EmergencyUnblinding,
    ExportFile,
    ExportRun,
    Participant,
    Query,
    QueryStep,
    ScreeningRecord,
    Site,
    Trial,
)
from diary.services.preferences import staff_language_set
from tests.blinding.crawler import LINK, Values, seed_urls, url_patterns
from tests.blinding.test_crawl import FORBIDDEN, trial_with_data  # noqa: F401 (fixture)
from tests.i18n.visible import LATIN, visible_texts

pytestmark = pytest.mark.django_db

# Abbreviations, units and product names the Chinese pages keep as they are.
ALLOWED = {
    "SAE", "SDV", "DSMB", "ITT", "CONSORT", "CDISC", "ODM", "XML", "CSV", "XLSX", "SPSS",
    "Stata", "Excel", "PDF", "SVG", "PNG", "HTML", "JSON", "API", "ID", "SHA", "UTF",
    "zip", "dpi", "sav", "dta", "json", "mg", "dL", "mol", "cm", "kg", "KB", "MB", "UTC",
}  # fmt: skip
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")  # codes: column names, values
TIME_ZONES = zoneinfo.available_timezones()  # a participant's time zone, as IANA names it
FINGERPRINT = re.compile(r"\b[0-9a-f]{12,}\b")  # SHA-256, whole or shortened
FILE_NAME = re.compile(r"\b[\w-]+\.(?:json|csv|zip|html|xlsx|sav|dta)\b")
SKIP = ("/admin/", "/api/", "/static/", "/media/", "/accounts/logout/", "/diary/")
PER_ROUTE = 3  # variants of one route opened (different objects, filters)
ROLES = [
    "research_assistant",
    "coordinator",
    "statistician",
    "investigator",
    "investigator_who_unblinded",
    "monitor",
    "unblinded_statistician",
    "dsmb_member",
]


PARTICIPANT = "participants/<id:participant_id>/"
REPORT = "reports/<slug:report_id>/"
# Pages each role must have opened (among all those it reaches).
OPENED = {
    "research_assistant": {
        "calls/",
        "deviations/",
        "participants/",
        PARTICIPANT,
        PARTICIPANT + "baseline/",
        PARTICIPANT + "weeks/<phase:phase>/<int:week>/",
        PARTICIPANT + "adverse-events/new/",
        PARTICIPANT + "casebook/",
        "screening/",
        "screening/new/",
        "queries/",
        "queries/<int:query_id>/",
    },
    "coordinator": {
        "allocation/",
        "allocation/emergency-unblindings/",
        "allocation/participants/<id:participant_id>/replace/",
        "reports/",
        "reports/new/",
        REPORT,
        "exports/",
        "exports/new/",
        "sdv/",
    },
    "statistician": {"reports/", "reports/new/", REPORT, "exports/", "exports/new/"},
    "investigator": {
        PARTICIPANT + "casebook/sign/",
        "allocation/participants/<id:participant_id>/emergency-unblinding/",
        "sdv/",
    },
    "investigator_who_unblinded": {
        "allocation/participants/<id:participant_id>/emergency-unblinding/",
    },
    "monitor": {"sdv/", PARTICIPANT + "casebook/", PARTICIPANT + "queries/new/"},
    "unblinded_statistician": {
        "allocation/",
        "allocation/list/",
        "allocation/trial/",
        "allocation/emergency-unblindings/",
        REPORT,
        "exports/new/",
    },
    "dsmb_member": {"reports/", REPORT},
}


def _data_values() -> list[str]:
    """The trial's own data as the pages show them: what people entered or named."""
    fields = [
        (Trial, ("code", "title")),
        (Site, ("code", "name")),
        (Arm, ("code", "label")),
        (Participant, ("participant_id", "withdrawal_reason", "treatment_stop_reason")),
        (ScreeningRecord, ("screening_id", "reason")),
        (AdverseEvent, ("term", "outcome")),
        (Allocation, ("reason",)),
        (EmergencyUnblinding, ("reason",)),
        (Query, ("text",)),
        (QueryStep, ("text",)),
        (get_user_model(), ("username", "email", "first_name", "last_name")),
        (ExportRun, ("id", "requested_by_name")),
        (Report, ("id", "requested_by_name", "dsmb_reference")),
    ]
    values = {"Meeting 1"}  # the note of the fixture's release to the DSMB
    for model, names in fields:
        for row in model.objects.values_list(*names):
            values |= {str(v) for v in row if v}
    values |= set(EligibilityCriterion.objects.values_list("text", flat=True))
    for model in (ReportFile, ExportFile):
        values |= {f.name for f in model.objects.all()}
    return sorted(values, key=len, reverse=True)


def untranslated_words(html: str, data: list[str]) -> list[str]:
    """Each visible text holding a Latin word that is neither data nor ALLOWED."""
    found = []
    for shown in visible_texts(html):
        text = shown
        for value in data:
            text = text.replace(value, " ")
        if text in TIME_ZONES:
            continue
        for pattern in (SNAKE_CASE, FILE_NAME, FINGERPRINT):
            text = pattern.sub(" ", text)
        words = [w for w in LATIN.findall(text) if w not in ALLOWED]
        if words:
            found.append(f"{' '.join(words)} «{shown[:80]}»")
    return found


def _chinese_client(user) -> Client:
    staff_language_set(user=user, language="zh-hans")
    client = Client()
    client.force_login(user)
    return client


def _own(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP) or "/files/" in parts.path or "download" in parts.path:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl_in_chinese(client: Client, seeds: list[str], data: list[str]):
    """GET every staff page reachable from the seeds (each route a few times):
    {url: untranslated words}, the statuses met and the routes opened."""
    queue, seen = deque(seeds), set(seeds)
    per_route: Counter = Counter()  # pages of each route opened
    problems, statuses, opened = {}, Counter(), set()
    while queue:
        url = queue.popleft()
        try:
            route = resolve(urlsplit(url).path).route
        except Resolver404:
            route = url
        if per_route[route] >= PER_ROUTE and url not in seeds:
            continue
        response = client.get(url)
        statuses[response.status_code] += 1
        if response.status_code == 200:
            per_route[route] += 1
            opened.add(route)
        if "html" not in response.get("Content-Type", "") or response.streaming:
            continue
        page = response.content.decode()
        if response.status_code in (301, 302) and response.get("Location"):
            links = [response["Location"]]
        else:
            links = [href.replace("&amp;", "&") for href in LINK.findall(page)]
            words = untranslated_words(page, data)
            if words:
                problems[url] = sorted(set(words))
            assert response.headers.get("Content-Language") == "zh-hans", url
        for link in links:
            own = _own(urljoin("http://testserver" + url, link))
            if own and own not in seen:
                seen.add(own)
                queue.append(own)
    return problems, statuses, opened


@pytest.fixture
def seeds(trial_with_data):  # noqa: F811 (the fixture imported above)
    urls, _ = seed_urls(url_patterns(), Values(avoid=FORBIDDEN))
    return ["/", "/accounts/login/", "/no-such-page/", *[u for u in urls if _own(u)]]


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_a_role_opens_is_in_chinese(trial_with_data, seeds, role):  # noqa: F811
    _, users = trial_with_data
    client = _chinese_client(users[role])
    problems, statuses, opened = crawl_in_chinese(client, seeds, _data_values())
    assert statuses[404] and (role == "unblinded_statistician" or statuses[403])
    assert {"accounts/login/", *OPENED[role]} <= opened, OPENED[role] - opened
    assert problems == {}, "\n".join(f"{url}: {words}" for url, words in problems.items())


def test_a_form_with_mistakes_answers_in_chinese(trial_with_data):  # noqa: F811
    _, users = trial_with_data
    client = _chinese_client(users["research_assistant"])
    participant = Participant.objects.filter(
        randomized_on__isnull=False, withdrawn_on__isnull=True, site__code="C1"
    ).first()
    week = participant.diary_weeks.filter(reached__isnull=True).select_related("protocol_week")
    week = week.order_by("protocol_week__week").first().protocol_week
    url = f"/participants/{participant.participant_id}/weeks/{week.phase}/{week.week}/"
    data = _data_values()
    for form in (
        {"reached": "yes", "call_date": "2999-01-01", "cramps": "x"},
        {"reached": "yes", "call_date": "", "cramps": "3", "severity": "11"},
        {"reached": "no", "call_date": "2000-01-01", "cramps": "2"},
    ):
        page = client.post(url, form)
        assert page.status_code == 200, form
        html = page.content.decode()
        assert "未保存任何内容" in html, form
        assert untranslated_words(html, data) == [], form
    page = client.post("/screening/new/", {"action": "check", "age": "abc"})
    assert page.status_code == 200
    assert "未保存任何内容" in page.content.decode()
    assert untranslated_words(page.content.decode(), data) == []


def test_dates_and_numbers_follow_the_language(trial_with_data):  # noqa: F811
    _, users = trial_with_data
    client = _chinese_client(users["coordinator"])
    participant = Participant.objects.filter(randomized_on__isnull=False).first()
    page = client.get(f"/participants/{participant.participant_id}/").content.decode()
    assert "受试者" in page and "随机化" in page
    assert "月" in page  # month names written in Chinese (the date filter's "M")
    staff_language_set(user=users["coordinator"], language="en-gb")
    english = client.get(f"/participants/{participant.participant_id}/").content.decode()
    assert "Randomized" in english and "受试者" not in english


def test_a_service_refusal_answers_in_chinese(trial_with_data):  # noqa: F811
    _, users = trial_with_data
    client = _chinese_client(users["investigator"])
    participant = Participant.objects.filter(site__code="C1").order_by("pk").last()
    url = f"/participants/{participant.participant_id}/casebook/sign/"
    version = re.search(r'name="version" value="(\d+)"', client.get(url).content.decode())
    page = client.post(
        url, {"confirm": "on", "password": "not-the-password", "version": version.group(1)}
    )
    assert page.status_code == 200
    assert "密码不正确" in page.content.decode()
    assert untranslated_words(page.content.decode(), _data_values()) == []
