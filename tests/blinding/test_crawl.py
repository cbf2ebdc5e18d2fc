"""The blinding crawl: no arm code or label reaches a blinded role, anywhere.

On a trial with data (randomized participants, diary weeks, adverse events, a
withdrawal, a replacement bottle, an emergency unblinding, blinded and unblinded
reports and exports, a progress report), each blinded role logs in and the crawler
requests every URL pattern of the project (parameters filled with real objects)
and every link, form action, redirect and API URL it finds, the admin and /api/
included. Any arm code or label in a body, a header, a file name or a zipped file
fails the test.

The arms have made-up names that cannot occur by chance, so a hit is a leak.
"""

from datetime import date, timedelta

import pytest
from django.test import Client

from diary.models import Participant
from diary.services.adverse_events import adverse_event_record
from diary.services.calls import weekly_call_record
from diary.services.participants import participant_withdraw
from diary.services.randomization import bottle_replace, participant_randomize
from diary.services.screening import screening_record_create
from diary.services.unblinding import participant_unblind_emergency
from tests.blinding.crawler import Values, crawl, seed_urls, url_patterns
from tests.factories import make_list, make_trial, make_user, ready_to_randomize

ARMS = [
    {"code": "zq_active_7k", "label": "Quokkazine 40 mg", "role": "experimental", "ratio": 1},
    {"code": "wv_control_3p", "label": "Wombatrol dummy tablets", "role": "comparator", "ratio": 1},
]
FORBIDDEN = ["zq_active_7k", "wv_control_3p", "Quokkazine", "Wombatrol dummy tablets", "Wombatrol"]
PASSWORD = "a-long-test-password"
RANDOMIZED_ON = date(2023, 2, 1)
PAGES_PER_ROLE = 4000


def _intervention_calls(participant, *, weeks: int, missed_week: int | None = None) -> None:
    diary = participant.diary_weeks.filter(protocol_week__phase="intervention").select_related(
        "protocol_week"
    )
    for week in diary.order_by("protocol_week__week")[:weeks]:
        n = week.protocol_week.week
        if n == missed_week:
            weekly_call_record(
                diary_week=week, reached=False, call_date=week.due_date, by_user=None
            )
            continue
        cramps = (participant.pk + n) % 4
        weekly_call_record(
            diary_week=week,
            reached=True,
            call_date=week.due_date,
            cramps=cramps,
            duration_min="3.5" if cramps else None,
            severity="4.5" if cramps else None,
            capsules_missed=n % 2,
            by_user=None,
        )


def _report_requests(statistician, unblinded):
    """An open report, and two closed ones (by group, for the monitoring board)."""
    from analysis.services.reports import report_request

    report_request(by_user=statistician)  # open: before the lock
    return [
        report_request(by_user=unblinded, view=view, dsmb_reference="DSMB-2023-04")
        for view in ("coded", "unblinded")
    ]


def _release(reports, unblinded, dsmb_member) -> None:
    from analysis.services.reports import report_release

    for report in reports:
        report.refresh_from_db()
        report_release(report=report, to_user=dsmb_member, by_user=unblinded, note="Meeting 1")


def _data_management(participants, users) -> None:
    """A query answered and one open, verified weeks, a signed casebook."""
    from diary.services.casebooks import casebook_sign
    from diary.services.queries import query_answer, query_raise
    from diary.services.sdv import sdv_verify

    week = participants[0].diary_weeks.get(
        protocol_week__phase="intervention", protocol_week__week=1
    )
    for field in ("cramps", "severity"):
        query = query_raise(
            record="diary", object_id=week.pk, field=field, text="Check.", by_user=users["monitor"]
        )
    query_answer(query=query, text="Confirmed.", by_user=users["research_assistant"])
    sdv_verify(participant=participants[0], by_user=users["monitor"], weeks=[("intervention", 1)])
    casebook_sign(participant=participants[1], password=PASSWORD, by_user=users["investigator"])


def _export_requests(coordinator, unblinded) -> None:
    try:
        from diary.services.exports import export_request
        from diary.services.progress import progress_report_scheduled
    except ImportError:  # no stored exports yet
        return
    export_request(by_user=coordinator)
    export_request(by_user=unblinded, unblinded=True)
    progress_report_scheduled(schedule="Weekly", period="2023-W10", on_date=date(2023, 3, 10))


@pytest.fixture
def trial_with_data(db, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    trial = make_trial(arms=ARMS)
    c1, c2 = trial.sites.order_by("code")
    users = {
        "research_assistant": make_user("research_assistant", c1),
        "coordinator": make_user("coordinator"),
        "statistician": make_user("statistician"),
        "investigator": make_user("investigator", c1),
        "monitor": make_user("monitor", c1),
        "investigator_who_unblinded": make_user("investigator", c2, username="investigator-c2"),
        "unblinded_statistician": make_user("unblinded_statistician"),
        "dsmb_member": make_user("dsmb_member"),
    }
    for user in users.values():
        user.email = f"{user.username}@example.org"
        user.save()
    make_list(trial, bottles_per_stratum=24, spares=6)
    screening_record_create(
        trial=trial,
        site=c1,
        screening_id="S-NOT-ELIGIBLE",
        screened_on=date(2023, 1, 3),
        sex="M",
        age=60,
        answers={c.code: c.kind == "exclusion" for c in trial.criteria.all()},
        by_user=users["research_assistant"],
    )
    participants = []
    for i in range(10):
        site = c1 if i < 6 else c2
        p = ready_to_randomize(trial, site, participant_id=f"{site.code}-{i + 1:03d}")
        participant_randomize(
            participant=p, by_user=users["coordinator"], randomized_on=RANDOMIZED_ON
        )
        participants.append(Participant.objects.get(pk=p.pk))
    ready_to_randomize(trial, c1, participant_id="C1-900")  # consented, not randomized
    for i, p in enumerate(participants):
        _intervention_calls(p, weeks=8 if i % 3 else 4, missed_week=2 if i == 1 else None)
    adverse_event_record(
        participant=participants[0],
        onset_on=RANDOMIZED_ON + timedelta(days=10),
        term="Headache",
        serious=False,
        grade="mild",
        relatedness="unlikely",
        outcome="Resolved",
        resolved_on=RANDOMIZED_ON + timedelta(days=12),
        by_user=users["research_assistant"],
    )
    adverse_event_record(
        participant=participants[7],
        onset_on=RANDOMIZED_ON + timedelta(days=20),
        term="Gastrointestinal bleeding",
        serious=True,
        grade="severe",
        relatedness="possible",
        outcome="Admitted to hospital",
        by_user=users["coordinator"],
    )
    participant_withdraw(
        participant=participants[3],
        withdrawn_on=RANDOMIZED_ON + timedelta(days=30),
        reason="Moved away",
        by_user=users["research_assistant"],
    )
    bottle_replace(participant=participants[2], reason="bottle lost", by_user=users["coordinator"])
    _data_management(participants, users)
    with django_capture_on_commit_callbacks(execute=True):
        participant_unblind_emergency(
            participant=participants[7],
            reason="Serious adverse event: bleeding",
            password=PASSWORD,
            by_user=users["investigator_who_unblinded"],
        )
        closed = _report_requests(users["statistician"], users["unblinded_statistician"])
        _export_requests(users["coordinator"], users["unblinded_statistician"])
    _release(closed, users["unblinded_statistician"], users["dsmb_member"])
    return trial, users


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _describe(result) -> str:
    lines = [f"{leak.word!r} in {leak.where} of {leak.url}" for leak in result.leaks[:40]]
    return "\n".join(lines)


BLINDED = [
    "research_assistant",
    "coordinator",
    "statistician",
    "investigator",
    "investigator_who_unblinded",
    "monitor",
]


def test_no_blinded_role_sees_an_arm_anywhere(trial_with_data, capsys):
    trial, users = trial_with_data
    patterns = url_patterns()
    seeds, unfilled = seed_urls(patterns, Values(avoid=FORBIDDEN))
    seeds = ["/", *seeds]

    # The crawler finds the arms where they are meant to be (the unblinded list page).
    control = crawl(
        _signed_in(users["unblinded_statistician"]), seeds, FORBIDDEN, limit=PAGES_PER_ROLE
    )
    assert any("/allocation/list/" in leak.url for leak in control.leaks)

    failures = {}
    for role in BLINDED:
        result = crawl(_signed_in(users[role]), seeds, FORBIDDEN, limit=PAGES_PER_ROLE)
        with capsys.disabled():
            print(
                f"\nblinding crawl as {role}: {len(result.visited)} pages, "
                f"{len(result.routes)} routes, statuses {dict(result.statuses)}"
            )
        assert len(result.visited) < PAGES_PER_ROLE, "crawl limit reached: raise PAGES_PER_ROLE"
        assert result.statuses[200] > 20
        if result.leaks:
            failures[role] = _describe(result)
    with capsys.disabled():
        print(
            f"\n{len(patterns)} URL patterns; not filled with a real value: "
            + (", ".join(p.format for p in unfilled) or "none")
        )
    assert not failures, "arm leaked:\n" + "\n".join(f"[{r}]\n{d}" for r, d in failures.items())


def test_every_url_pattern_of_the_apps_is_requested(trial_with_data):
    """The crawl covers the project's own pages: each pattern gets a real URL."""
    patterns = url_patterns()
    _, unfilled = seed_urls(patterns, Values(avoid=FORBIDDEN))
    own = [p.format for p in unfilled if not p.format.startswith("admin/")]
    assert own == []
    assert any(p.format.startswith("allocation/") for p in patterns)
    assert any(p.format.startswith("admin/") for p in patterns)


# What a DSMB member may open: the report pages and files (those released to them), their
# account, and what everybody may open (the admin's login form, the health check).
DSMB_ROUTES = (
    "reports/",
    "api/reports/",
    "accounts/",
    "api/schema/",
    "api/docs/",
    "admin/login/",
    "healthz",
)


def test_a_dsmb_member_reaches_only_the_reports_released_to_them(trial_with_data):
    trial, users = trial_with_data
    patterns = url_patterns()
    seeds, _ = seed_urls(patterns, Values(avoid=FORBIDDEN))
    # clinical text entered in the fixture: an adverse event and a withdrawal reason
    clinical = ["Gastrointestinal bleeding", "Moved away", "C1-001", "C2-007"]
    result = crawl(_signed_in(users["dsmb_member"]), ["/", *seeds], clinical, limit=PAGES_PER_ROLE)
    # (a URL the crawler made from a participant id is its own, not an answer's; a
    # withdrawal reason is in the report itself, its CONSORT diagram's "discontinued,
    # with reasons", which the DSMB reads in the reports released to them)
    in_reports = [
        leak
        for leak in result.leaks
        if leak.word == "moved away" and "/reports/" in leak.url and "/files/" in leak.url
    ]
    assert in_reports, "the released reports give the reasons for discontinuing"
    assert [leak for leak in result.leaks if leak.where != "url" and leak not in in_reports] == []
    client = _signed_in(users["dsmb_member"])
    opened = [url for url in result.visited if client.get(url).status_code == 200]
    outside = [
        url
        for url in opened
        if url.split("?")[0] != "/" and not url.lstrip("/").startswith(DSMB_ROUTES)
    ]
    assert outside == [], "\n".join(outside)
    assert any("/reports/" in url and "/files/" in url for url in opened)
