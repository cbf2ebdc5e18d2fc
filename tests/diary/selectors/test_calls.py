"""The call queue: due, overdue and coming-up calls of the user's sites."""

from datetime import date, timedelta
from operator import attrgetter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diary.models import DiaryWeek, Participant, Phase
from diary.selectors.calls import UPCOMING_DAYS, calls_due, calls_due_paged, week_queue_part
from diary.services.calls import diary_weeks_schedule, weekly_call_record
from tests.factories import UserFactory, enrol, make_user

CONSENT = date(2024, 3, 4)  # screening week 1 due 2024-03-11, week 2 due 2024-03-18
PARTS = ("due", "overdue", "coming_up")


def _keys(rows):
    return [(r.participant_id, r.phase, r.week) for r in rows]


def _randomize(participant, on: date, bottle: int):
    Participant.objects.filter(pk=participant.pk).update(randomized_on=on, bottle_number=bottle)
    participant.refresh_from_db()
    diary_weeks_schedule(participant=participant, phase=Phase.INTERVENTION, start=on)
    return participant


@pytest.fixture
def p1(trial, site_c1):
    return enrol(trial, site_c1, screened_on=CONSENT, participant_id="C1-001")


def test_window_open_today_is_due_and_closed_window_is_overdue(p1, ra_c1):
    # Window is due ± 2 days: week 1 = 03-09..03-13, week 2 = 03-16..03-20.
    queue = calls_due(user=ra_c1, on_date=date(2024, 3, 16))
    assert _keys(queue.overdue) == [("C1-001", "screening", 1)]
    assert _keys(queue.due) == [("C1-001", "screening", 2)]
    assert queue.coming_up == []
    row = queue.due[0]
    assert (row.due_date, row.window_start, row.window_end) == (
        date(2024, 3, 18),
        date(2024, 3, 16),
        date(2024, 3, 20),
    )
    assert row.phone == "+44 20 7946 0000" and row.site_code == "C1"


def test_last_day_of_the_window_is_still_due(p1, ra_c1):
    queue = calls_due(user=ra_c1, on_date=date(2024, 3, 13))
    assert _keys(queue.due) == [("C1-001", "screening", 1)]
    assert _keys(queue.coming_up) == [("C1-001", "screening", 2)]
    assert queue.overdue == []


def test_coming_up_is_limited_to_windows_opening_within_the_horizon(p1, ra_c1):
    # Week 2's window opens 2024-03-16; seen from UPCOMING_DAYS + 1 days before, it is not listed.
    far = date(2024, 3, 16) - timedelta(days=UPCOMING_DAYS + 1)
    assert _keys(calls_due(user=ra_c1, on_date=far).coming_up) == [("C1-001", "screening", 1)]
    near = calls_due(user=ra_c1, on_date=date(2024, 3, 16) - timedelta(days=UPCOMING_DAYS))
    assert _keys(near.due) == [("C1-001", "screening", 1)]  # its window opens that day
    assert _keys(near.coming_up) == [("C1-001", "screening", 2)]


def test_not_reached_call_stays_with_its_attempts_and_reached_call_leaves(p1, ra_c1):
    week1, week2 = p1.diary_weeks.order_by("protocol_week__week")
    weekly_call_record(diary_week=week1, reached=False, call_date=date(2024, 3, 11), by_user=ra_c1)
    weekly_call_record(diary_week=week1, reached=False, call_date=date(2024, 3, 12), by_user=ra_c1)
    weekly_call_record(
        diary_week=week2, reached=True, call_date=date(2024, 3, 18), cramps=0, by_user=ra_c1
    )
    queue = calls_due(user=ra_c1, on_date=date(2024, 3, 18))
    assert _keys(queue.overdue) == [("C1-001", "screening", 1)]
    assert queue.overdue[0].attempts == 2
    assert queue.overdue[0].last_call_date == date(2024, 3, 12)
    assert queue.due == [] and queue.coming_up == []


def test_withdrawn_participants_and_finished_screening_diaries_leave_the_queue(
    trial, site_c1, p1, ra_c1
):
    randomized = _randomize(
        enrol(trial, site_c1, screened_on=CONSENT, participant_id="C1-002"),
        on=date(2024, 3, 20),
        bottle=7,
    )
    Participant.objects.filter(pk=p1.pk).update(withdrawn_on=CONSENT, withdrawal_reason="moved")
    queue = calls_due(user=ra_c1, on_date=date(2024, 3, 27))
    # Only the randomized participant's intervention week 1 (due 03-27) is left.
    assert _keys(queue.due) == [(randomized.participant_id, "intervention", 1)]
    assert queue.overdue == []
    assert _keys(queue.coming_up) == [(randomized.participant_id, "intervention", 2)]


def test_research_assistant_sees_only_their_sites_and_coordinator_sees_all(
    trial, site_c1, site_c2, p1, ra_c1, coordinator
):
    enrol(trial, site_c2, screened_on=CONSENT, participant_id="C2-001")
    on = date(2024, 3, 11)
    assert _keys(calls_due(user=ra_c1, on_date=on).due) == [("C1-001", "screening", 1)]
    ra_c2 = make_user("research_assistant", site_c2)
    assert _keys(calls_due(user=ra_c2, on_date=on).due) == [("C2-001", "screening", 1)]
    assert {r.participant_id for r in calls_due(user=coordinator, on_date=on).due} == {
        "C1-001",
        "C2-001",
    }


def test_user_without_role_gets_an_empty_queue(p1):
    assert len(calls_due(user=UserFactory(), on_date=date(2024, 3, 11))) == 0


def test_no_trial_configured_gives_an_empty_queue(db):
    user = make_user("coordinator")
    assert len(calls_due(user=user, on_date=date(2024, 3, 11))) == 0


def test_query_count_does_not_grow_with_the_trial(trial, site_c1, ra_c1):
    def count_queries() -> int:
        fresh = type(ra_c1).objects.get(pk=ra_c1.pk)  # no cached role
        with CaptureQueriesContext(connection) as ctx:
            calls_due(user=fresh, on_date=date(2024, 3, 16))
        return len(ctx.captured_queries)

    enrol(trial, site_c1, screened_on=CONSENT)
    small = count_queries()
    for _ in range(15):
        enrol(trial, site_c1, screened_on=CONSENT)
    assert len(calls_due(user=ra_c1, on_date=date(2024, 3, 16)).due) == 16
    assert count_queries() == small


def test_an_overdue_week_leaves_the_queue_two_weeks_after_its_phase_ended(p1, ra_c1):
    week = p1.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=1)
    # The screening phase has two weeks: its last window closes 7 + 2 days after week 1's due.
    phase_closed = week.due_date + timedelta(days=7 + p1.trial.call_window_days)
    still = calls_due(user=ra_c1, on_date=phase_closed + timedelta(days=14))
    gone = calls_due(user=ra_c1, on_date=phase_closed + timedelta(days=15))
    assert week.pk in [r.diary_week_id for r in still.overdue]
    assert week.pk not in [r.diary_week_id for r in gone.overdue]


def test_queue_parts_read_in_the_database_follow_queue_part_day_by_day(trial, site_c1, p1, ra_c1):
    randomized = _randomize(
        enrol(trial, site_c1, screened_on=CONSENT, participant_id="C1-002"),
        on=date(2024, 3, 20),
        bottle=7,
    )
    week1 = p1.diary_weeks.get(protocol_week__phase="screening", protocol_week__week=1)
    weekly_call_record(diary_week=week1, reached=False, call_date=date(2024, 3, 11), by_user=ra_c1)
    open_weeks = [
        week
        for week in DiaryWeek.objects.select_related("participant__trial", "protocol_week")
        if not (week.participant == randomized and week.protocol_week.phase == Phase.SCREENING)
    ]
    order = attrgetter("due_date", "participant.participant_id", "protocol_week.week")
    for day in range(100):
        on = CONSENT + timedelta(days=day)
        expected = {part: [] for part in PARTS}
        for week in sorted(open_weeks, key=order):
            part = week_queue_part(week, on_date=on)
            if part is not None:
                expected[part].append(week.pk)
        queue = calls_due(user=ra_c1, on_date=on)
        paged = calls_due_paged(user=ra_c1, on_date=on)
        for part in PARTS:
            assert [r.diary_week_id for r in getattr(queue, part)] == expected[part], (on, part)
            assert getattr(paged, part)[0:100] == getattr(queue, part), (on, part)
            assert len(getattr(paged, part)) == len(expected[part])


def test_paged_queue_reads_a_page_of_each_part_in_a_constant_number_of_queries(
    trial, site_c1, ra_c1
):
    def count_queries() -> int:
        fresh = type(ra_c1).objects.get(pk=ra_c1.pk)  # no cached role
        with CaptureQueriesContext(connection) as ctx:
            queue = calls_due_paged(user=fresh, on_date=date(2024, 3, 16))
            pages = [getattr(queue, part)[0:20] for part in PARTS]
        assert all(pages)
        return len(ctx.captured_queries)

    for offset in (0, 7, -10):
        enrol(trial, site_c1, screened_on=CONSENT - timedelta(days=offset))
    small = count_queries()
    for _ in range(15):
        for offset in (0, 7, -10):
            enrol(trial, site_c1, screened_on=CONSENT - timedelta(days=offset))
    assert len(calls_due_paged(user=ra_c1, on_date=date(2024, 3, 16))) > 30
    assert count_queries() == small
