"""The electronic diary's nights and cramps are clinical records like the others: in
the casebook, queried, corrected through their own service with a reason, and a
change after signing invalidates the signature."""

from datetime import timedelta
from decimal import Decimal

import pytest

from diary.declarations import NightSource
from diary.errors import RuleConflict
from diary.models import CrampEvent, Signature
from diary.selectors.casebook import clinical_record
from diary.services.casebooks import casebook_sign
from diary.services.nights import night_record
from diary.services.queries import query_answer, query_raise
from diary.services.randomization import participant_randomize
from tests.datamgmt.conftest import PASSWORD
from tests.diary.ediary.conftest import TODAY
from tests.factories import make_list, ready_to_randomize

pytestmark = pytest.mark.django_db
LAST_NIGHT = TODAY - timedelta(days=1)


@pytest.fixture
def keeper(trial, site_c1, coordinator):
    """A participant at C1 randomized 20 days ago: last night is in follow-up."""
    make_list(trial)
    participant = ready_to_randomize(
        trial, site_c1, participant_id="C1-101", screened_on=TODAY - timedelta(days=40)
    )
    return participant_randomize(
        participant=participant, by_user=coordinator, randomized_on=TODAY - timedelta(days=20)
    )


@pytest.fixture
def night(keeper):
    return night_record(
        participant=keeper,
        night=LAST_NIGHT,
        cramps=[{"duration_min": "1.5", "severity": 4}, {"duration_min": "2", "severity": 6}],
        source=NightSource.PARTICIPANT,
    )


def test_a_cramps_severity_is_queried_and_corrected_through_the_nights_service(
    night, coordinator, ra_c1
):
    second = night.cramp_events.get(position=2)
    query = query_raise(
        record="cramp", object_id=second.pk, field="severity", text="6?", by_user=coordinator
    )
    assert query.value_shown == "6"
    query_answer(
        query=query,
        text="The participant meant 7.",
        correct=True,
        correction="7",
        reason="told at the call",
        by_user=ra_c1,
    )
    events = CrampEvent.objects.filter(night=night).order_by("position")
    assert [e.severity for e in events] == [Decimal("4"), Decimal("7")]
    second.refresh_from_db()
    assert second.history.first().history_change_reason == "told at the call"
    night.refresh_from_db()
    assert night.version == 2  # the night counts its cramps' changes


def test_a_nights_count_is_not_corrected_from_a_query(night, coordinator, ra_c1):
    query = query_raise(
        record="night", object_id=night.pk, field="cramps", text="3?", by_user=coordinator
    )
    with pytest.raises(RuleConflict, match="diary page"):
        query_answer(query=query, text="x", correct=True, correction="3", reason="r", by_user=ra_c1)


def test_the_nights_are_in_the_casebook_and_a_later_night_invalidates_the_signature(
    keeper, night, investigator
):
    assert clinical_record("night").of_participants([keeper.pk]).get() == night
    assert clinical_record("cramp").of_participants([keeper.pk]).count() == 2
    casebook_sign(participant=keeper, password=PASSWORD, by_user=investigator)
    night_record(
        participant=keeper,
        night=LAST_NIGHT - timedelta(days=1),
        cramps=[],
        source=NightSource.PARTICIPANT,
    )
    signature = Signature.objects.get(participant=keeper)
    assert signature.invalidated_at is not None
    assert "Diary night" in signature.invalidated_note
