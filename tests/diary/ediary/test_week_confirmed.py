"""The weekly call confirms the diary: the week's values derived from its nights,
confirmed as they are, corrected with a reason, or told by phone; the source kept."""

from datetime import timedelta
from decimal import Decimal

import pytest

from diary.declarations import WeekSource
from diary.errors import ReasonRequired, RuleConflict
from diary.services.calls import weekly_call_record
from diary.services.nights import night_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_two(keeper):
    """Intervention week 2 (nights 7 to 13 days after randomization), every night
    reported by staff: 3 cramps."""
    start = keeper.randomized_on + timedelta(days=7)
    for day in range(7):
        cramps = []
        if day == 1:
            cramps = [{"duration_min": "1.5", "severity": 4}, {"duration_min": 2, "severity": 6}]
        if day == 5:
            cramps = [{"duration_min": "0.5", "severity": 7}]
        night_record(
            participant=keeper, night=start + timedelta(days=day), cramps=cramps, source="staff"
        )
    return keeper.diary_weeks.get(protocol_week__phase="intervention", protocol_week__week=2)


def test_confirming_stores_the_derived_values_and_their_source(week_two, ra_c1):
    week = weekly_call_record(
        diary_week=week_two,
        call_date=week_two.due_date,
        reached=True,
        capsules_missed=0,
        by_user=ra_c1,
        source="diary",
    )
    assert (week.cramps, week.duration_min, week.severity) == (3, Decimal("1.33"), Decimal("5.67"))
    assert week.source == WeekSource.DIARY


def test_confirming_other_values_than_the_diary_is_refused(week_two, ra_c1):
    with pytest.raises(RuleConflict, match="the diary gives 3"):
        weekly_call_record(
            diary_week=week_two,
            reached=True,
            cramps=4,
            duration_min=1,
            severity=5,
            capsules_missed=0,
            by_user=ra_c1,
            source="diary",
        )


def test_correcting_the_diary_needs_a_reason(week_two, ra_c1):
    values = {"cramps": 4, "duration_min": 1, "severity": 5, "capsules_missed": 0}
    values["call_date"] = week_two.due_date  # in the week's window
    with pytest.raises(ReasonRequired):
        weekly_call_record(
            diary_week=week_two, reached=True, by_user=ra_c1, source="corrected", **values
        )
    week = weekly_call_record(
        diary_week=week_two,
        reached=True,
        by_user=ra_c1,
        source="corrected",
        reason="One cramp was not entered",
        **values,
    )
    assert week.source == "corrected" and week.cramps == 4
    assert week.history.first().history_change_reason == "One cramp was not entered"


def test_the_call_form_shows_the_nights_and_the_derived_week(client, week_two, ra_c1):
    client.force_login(ra_c1)
    page = client.get("/participants/C1-101/weeks/intervention/2/").content.decode()
    assert "s diary this week" in page
    assert "Confirm the diary" in page
    answer = client.post(
        "/participants/C1-101/weeks/intervention/2/",
        {
            "version": week_two.version,
            "reached": "yes",
            "call_date": (week_two.due_date).isoformat(),
            "cramps": "3",
            "duration_min": "1.33",
            "severity": "5.67",
            "capsules_missed": "0",
            "new_health_problem": "no",
            "source": "diary",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    week_two.refresh_from_db()
    assert week_two.source == "diary" and week_two.cramps == 3


def test_the_api_confirms_the_diary_and_shows_the_source(week_two, ra_c1, api):
    url = f"/api/diary-weeks/{week_two.pk}/call/"
    client = api(ra_c1)
    told = {"reached": True, "call_date": week_two.due_date.isoformat(), "capsules_missed": 0}
    other = {**told, "cramps": 4, "duration_min": 1, "severity": 5, "version": week_two.version}
    refused = client.post(url, {**other, "source": "diary"}, format="json")
    assert refused.status_code == 409 and "the diary gives 3" in refused.json()["detail"]
    diary = {**told, "cramps": 3, "duration_min": 1.33, "severity": 5.67, "source": "diary"}
    confirmed = client.post(url, {**diary, "version": week_two.version}, format="json")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["source"] == "diary"
    assert client.get(f"/api/diary-weeks/{week_two.pk}/").json()["source"] == "diary"
    week_two.refresh_from_db()
    assert week_two.source == WeekSource.DIARY


def test_an_api_call_without_a_source_is_told_by_phone(week_two, ra_c1, api):
    values = {"reached": True, "call_date": week_two.due_date.isoformat(), "cramps": 0}
    response = api(ra_c1).post(
        f"/api/diary-weeks/{week_two.pk}/call/",
        {**values, "capsules_missed": 0, "version": week_two.version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["source"] == "phone"


def _confirmed(week, ra_c1):
    return weekly_call_record(
        diary_week=week,
        call_date=week.due_date,
        reached=True,
        capsules_missed=0,
        by_user=ra_c1,
        source="diary",
    )


def test_a_night_changed_after_the_confirmation_raises_a_query_on_the_week(week_two, keeper, ra_c1):
    from diary.models import Query

    _confirmed(week_two, ra_c1)
    assert not Query.objects.exists()
    night = keeper.randomized_on + timedelta(days=9)  # the week's third night: no cramp
    night_record(
        participant=keeper,
        night=night,
        cramps=[{"duration_min": 1, "severity": 5}],
        source="staff",
        by_user=ra_c1,
        reason="the participant remembered a cramp",
    )
    query = Query.objects.get(edit_check="diary_changed_after_confirmation")
    assert (query.object_id, query.field, query.state) == (week_two.pk, "cramps", "open")
    assert "3 cramps" in query.text


def test_a_week_told_by_phone_raises_no_such_query(week_two, keeper, ra_c1):
    from diary.models import Query

    weekly_call_record(
        diary_week=week_two,
        call_date=week_two.due_date,
        reached=True,
        cramps=3,
        duration_min="1.33",
        severity="5.67",
        capsules_missed=0,
        by_user=ra_c1,
        source="phone",
    )
    night_record(
        participant=keeper,
        night=keeper.randomized_on + timedelta(days=9),
        cramps=[{"duration_min": 1, "severity": 5}],
        source="staff",
        by_user=ra_c1,
        reason="the participant remembered a cramp",
    )
    assert not Query.objects.filter(edit_check="diary_changed_after_confirmation").exists()
