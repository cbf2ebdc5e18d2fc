"""Benchmark: the call queue and a participant page for a trial of 1,000 participants
with 8 weeks of calls, against a trivial view on the same stack.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_web \\
        .venv/bin/python bench/web_pages.py [--participants 1000] [--repeat 200]

Builds a throw-away PostgreSQL database (test_<name>, created and dropped here):
the reference trial, N randomized participants written in bulk (screening diary
complete, intervention weeks recorded up to today, one in seven not reached,
randomization dates spread over nine weeks so every participant is in follow-up),
plus one participant followed through the services so that their page has a real
history of changes. Each page is rendered --repeat times with Django's test client
(the whole middleware stack: session, auth, CSP, messages) by a signed-in user, the
pages in turn (one request of each per round, so that the load of a shared machine
weighs on all of them alike).
The database connection is kept between requests (as with CONN_MAX_AGE > 0), so
the times are those of the pages, not of connecting. Printed per page: median and
p95 milliseconds, SQL queries, and the ratio to the trivial view (/healthz).
Goal: p95 <= 50 ms and <= 3x the trivial view.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

GOAL_P95_MS = 50.0
GOAL_RATIO = 3.0


def followed_participant(trial, user, today):
    """A participant entered through the services: screening, diary, randomization,
    eight weekly calls (one attempt not reached, one correction) and an adverse event."""
    from diary.services.adverse_events import adverse_event_record
    from diary.services.calls import weekly_call_record
    from diary.services.randomization import participant_randomize
    from tests.factories import enrol, make_list, screening_diary_complete

    site = trial.sites.get(code="C1")
    participant = enrol(
        trial, site, screened_on=today - timedelta(days=75), participant_id="C1-FOLLOWED"
    )
    screening_diary_complete(participant, cramps=[2, 3], by_user=user)
    make_list(trial, bottles_per_stratum=1200)
    participant = participant_randomize(
        participant=participant, by_user=user, randomized_on=today - timedelta(days=56)
    )
    weeks = participant.diary_weeks.filter(protocol_week__phase="intervention").order_by(
        "protocol_week__week"
    )
    for week in weeks:
        if week.protocol_week.week == 3:
            weekly_call_record(
                diary_week=week, reached=False, call_date=week.due_date, by_user=user
            )
        weekly_call_record(
            diary_week=week,
            reached=True,
            call_date=week.due_date,
            cramps=2,
            duration_min="2.5",
            severity="5",
            capsules_missed=0,
            by_user=user,
        )
    weekly_call_record(
        diary_week=weeks[1],
        reached=True,
        cramps=3,
        duration_min="2.5",
        severity="5",
        capsules_missed=0,
        by_user=user,
        reason="misheard",
    )
    adverse_event_record(
        participant=participant,
        onset_on=today - timedelta(days=20),
        term="Nausea",
        serious=False,
        grade="mild",
        relatedness="possible",
        by_user=user,
    )
    return participant


def measure(pages: list[tuple], repeat: int) -> list[tuple[list[float], int, int]]:
    """Each page's timings, SQL queries and size. The pages are requested in turn, one
    request of each per round, so that a change of load on a shared machine weighs on
    every page alike and the ratios to the trivial view stay fair."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = []
    for client, url in pages:
        for _ in range(max(repeat // 10, 5)):  # warm up: template cache, connections
            assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        found.append(([], len(ctx.captured_queries), len(response.content)))
    for _ in range(repeat):
        for (client, url), (timings, _queries, _size) in zip(pages, found, strict=True):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return found


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument(
        "--any-database", action="store_true", help="allow SQLite (for a quick try)"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from diary.models import DiaryWeek, Participant
    from tests.diary.web.bulk import bulk_participants
    from tests.factories import make_trial, make_user

    if connection.vendor != "postgresql" and not args.any_database:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/bench_web"
        )
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # The real template rendering, not the test runner's instrumented one; the test
    # client's host is allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        today = timezone.localdate()
        trial = make_trial()
        assistant = make_user("research_assistant", "C1")
        coordinator = make_user("coordinator")
        bulk_participants(trial, count=args.participants - 1, today=today)
        followed = followed_participant(trial, assistant, today)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        counts = (Participant.objects.count(), DiaryWeek.objects.count())
        print(
            f"database: {connection.vendor} ({test_db}); "
            f"{counts[0]:,} participants, {counts[1]:,} diary weeks"
        )
        clients = {}
        for name, user in (("research assistant (C1)", assistant), ("coordinator", coordinator)):
            clients[name] = Client()
            clients[name].force_login(user)
        pages = [
            ("trivial view /healthz", "research assistant (C1)", "/healthz"),
            ("call queue", "research assistant (C1)", "/calls/"),
            ("call queue", "coordinator", "/calls/"),
            (
                "participant page",
                "research assistant (C1)",
                f"/participants/{followed.participant_id}/",
            ),
        ]
        measured = measure([(clients[who], url) for _label, who, url in pages], args.repeat)
        results = [
            (label, who, statistics.median(timings), p95(timings), queries, size)
            for (label, who, _url), (timings, queries, size) in zip(pages, measured, strict=True)
        ]
        base_median, base_p95 = results[0][2], results[0][3]
        print(
            f"{'page':<24}{'user':<26}{'median ms':>10}{'p95 ms':>9}{'x trivial':>10}"
            f"{'queries':>9}{'KiB':>7}  goal"
        )
        for label, who, median, high, queries, size in results:
            ratio = high / base_p95
            ok = label.startswith("trivial") or (high <= GOAL_P95_MS and ratio <= GOAL_RATIO)
            print(
                f"{label:<24}{who:<26}{median:>10.1f}{high:>9.1f}{ratio:>10.1f}"
                f"{queries:>9}{size / 1024:>7.0f}  {'ok' if ok else 'MISSED'}"
            )
        print(f"(ratio = p95 / p95 of the trivial view; trivial median {base_median:.1f} ms)")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
