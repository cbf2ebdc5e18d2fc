"""The phone number, a direct identifier, reaches only the roles that make the calls
and the investigator (roles.DIRECT_IDENTIFIER_ROLES): not the monitor nor the
statisticians, through the casebook (API and page), the participant page and its
history, or a query (which would copy the value)."""

import json

import pytest
from django.test import Client

from diary.errors import InvalidValue
from diary.models import Participant
from diary.services.participants import participant_update
from diary.services.queries import query_raise
from tests.factories import make_user

PHONE = "+44 7700 900123"


@pytest.fixture
def with_phone(participant, ra_c1):
    participant_update(
        participant=participant, changes={"phone": PHONE}, by_user=ra_c1, reason="given at call"
    )
    participant_update(
        participant=Participant.objects.get(pk=participant.pk),
        changes={"phone": PHONE.replace("123", "124")},
        by_user=ra_c1,
        reason="new number",
    )
    return Participant.objects.get(pk=participant.pk)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_monitor_and_statisticians_read_no_phone_in_the_casebook(with_phone, monitor, api):
    pid = with_phone.participant_id
    readers = [monitor, make_user("statistician"), make_user("unblinded_statistician")]
    for reader in readers:
        response = api(reader).get(f"/api/casebooks/{pid}/")
        assert response.status_code == 200, reader
        assert "7700" not in json.dumps(response.json())
    page = _signed_in(monitor).get(f"/participants/{pid}/casebook/").content.decode()
    assert "7700" not in page


def test_the_monitor_reads_no_phone_on_the_participant_page_nor_its_history(with_phone, monitor):
    page = _signed_in(monitor).get(f"/participants/{with_phone.participant_id}/")
    assert page.status_code == 200
    assert "7700" not in page.content.decode()


def test_site_staff_and_the_investigator_still_read_it(with_phone, ra_c1, investigator, api):
    pid = with_phone.participant_id
    assert "7700" in _signed_in(ra_c1).get(f"/participants/{pid}/").content.decode()
    assert "7700" in json.dumps(api(investigator).get(f"/api/casebooks/{pid}/").json())


def test_a_phone_number_cannot_be_queried(with_phone, coordinator):
    with pytest.raises(InvalidValue) as refused:
        query_raise(
            record="participant",
            object_id=with_phone.pk,
            field="phone",
            text="Is this number right?",
            by_user=coordinator,
        )
    assert refused.value.field == "value"
