"""The participant page flags an emergency unblinding and leads each role to its part:
coordinators to a replacement bottle, investigators to emergency unblinding."""

from datetime import date

import pytest
from django.utils import timezone

from diary.models import Participant
from tests.factories import enrol, make_user


@pytest.fixture
def randomized(trial, site_c1):
    p = enrol(trial, site_c1, screened_on=date(2023, 1, 2))
    Participant.objects.filter(pk=p.pk).update(randomized_on=date(2023, 1, 20), bottle_number=5)
    return p


def _page(client, user, participant):
    client.force_login(user)
    return client.get(f"/participants/{participant.participant_id}/").content.decode()


def test_investigator_sees_the_emergency_unblinding_link(client, randomized, site_c1):
    page = _page(client, make_user("investigator", site_c1), randomized)
    assert f"/participants/{randomized.participant_id}/emergency-unblinding/" in page
    assert "/replace/" not in page


def test_coordinator_sees_the_replacement_link_not_unblinding(client, randomized):
    page = _page(client, make_user("coordinator"), randomized)
    assert f"/participants/{randomized.participant_id}/replace/" in page
    assert "emergency-unblinding/" not in page


def test_research_assistant_sees_neither(client, randomized, site_c1):
    page = _page(client, make_user("research_assistant", site_c1), randomized)
    assert "emergency-unblinding/" not in page and "/replace/" not in page


def test_an_emergency_unblinding_is_flagged_on_the_page(client, randomized, site_c1):
    Participant.objects.filter(pk=randomized.pk).update(emergency_unblinded_at=timezone.now())
    page = _page(client, make_user("research_assistant", site_c1), randomized)
    assert "Unblinded for an emergency" in page
