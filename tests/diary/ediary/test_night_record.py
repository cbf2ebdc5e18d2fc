from datetime import timedelta
from decimal import Decimal

import pytest

from diary.declarations import NightSource
from diary.errors import InvalidValue, ReasonRequired, RuleConflict
from diary.models import CrampEvent, Night
from diary.services.nights import night_record
from diary.services.participants import participant_withdraw
from tests.diary.ediary.conftest import TODAY

pytestmark = pytest.mark.django_db
LAST_NIGHT = TODAY - timedelta(days=1)
TWO = [{"duration_min": 1.5, "severity": 4}, {"duration_min": "2", "severity": 6}]


def test_a_participant_records_a_night_with_its_cramps(keeper):
    night = night_record(
        participant=keeper, night=LAST_NIGHT, cramps=TWO, source=NightSource.PARTICIPANT
    )
    assert (night.reported, night.cramps, night.source) == (True, 2, "participant")
    events = list(night.cramp_events.values_list("position", "duration_min", "severity"))
    assert events == [(1, Decimal("1.5"), Decimal("4")), (2, Decimal("2"), Decimal("6"))]
    assert night.history.count() == 1


def test_an_empty_list_is_a_night_without_cramps(keeper):
    night = night_record(participant=keeper, night=LAST_NIGHT, cramps=[], source="participant")
    assert (night.reported, night.cramps) == (True, 0)


def test_a_participant_cannot_record_a_night_twice(keeper):
    night_record(participant=keeper, night=LAST_NIGHT, cramps=[], source="participant")
    with pytest.raises(RuleConflict):
        night_record(participant=keeper, night=LAST_NIGHT, cramps=TWO, source="participant")


def test_a_participant_fills_in_only_the_last_seven_nights(keeper):
    night_record(
        participant=keeper, night=TODAY - timedelta(days=7), cramps=[], source="participant"
    )
    with pytest.raises(RuleConflict):
        night_record(
            participant=keeper, night=TODAY - timedelta(days=8), cramps=[], source="participant"
        )


def test_a_night_in_the_future_is_refused(keeper):
    with pytest.raises(RuleConflict):
        night_record(
            participant=keeper, night=TODAY + timedelta(days=1), cramps=[], source="participant"
        )


def test_an_entry_after_the_withdrawal_is_refused(keeper):
    participant_withdraw(
        participant=keeper, withdrawn_on=TODAY - timedelta(days=3), reason="Moved", by_user=None
    )
    with pytest.raises(RuleConflict, match="withdrew"):
        night_record(participant=keeper, night=LAST_NIGHT, cramps=[], source=NightSource.STAFF)


def test_a_cramp_out_of_range_is_refused_naming_it(keeper):
    with pytest.raises(InvalidValue) as refused:
        night_record(
            participant=keeper,
            night=LAST_NIGHT,
            cramps=[{"duration_min": 1, "severity": 4}, {"duration_min": 0, "severity": 11}],
            source="participant",
        )
    assert set(refused.value.errors) == {"cramps.1.duration_min", "cramps.1.severity"}
    assert not Night.objects.exists()


def test_staff_correct_a_night_with_a_reason_kept_in_the_history(keeper, ra_c1):
    night = night_record(participant=keeper, night=LAST_NIGHT, cramps=TWO, source="participant")
    with pytest.raises(ReasonRequired):
        night_record(
            participant=keeper,
            night=LAST_NIGHT,
            cramps=TWO[:1],
            source=NightSource.STAFF,
            by_user=ra_c1,
        )
    night = night_record(
        participant=keeper,
        night=LAST_NIGHT,
        cramps=TWO[:1],
        source=NightSource.STAFF,
        by_user=ra_c1,
        reason="The second was the same cramp",
        expected_version=night.version,
    )
    assert night.cramps == 1 and night.version == 2 and night.source == "participant"
    assert CrampEvent.objects.filter(night=night).count() == 1
    deleted = CrampEvent.history.filter(history_type="-").get()
    assert deleted.history_change_reason == "The second was the same cramp"
    assert night.history.first().history_change_reason == "The second was the same cramp"
