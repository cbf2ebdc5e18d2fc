"""Fixtures for the web pages: signed-in clients per role, participants at each site."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from diary.models import Participant, Phase
from diary.services.calls import diary_weeks_schedule
from tests.factories import enrol, make_user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def ra(ra_c1):
    return signed_in(ra_c1)


@pytest.fixture
def ra_c2(site_c2):
    return make_user("research_assistant", site_c2)


@pytest.fixture
def participant(trial, site_c1, today):
    """A participant of C1 enrolled 20 days ago: both screening weeks are past due."""
    return enrol(trial, site_c1, screened_on=today - timedelta(days=20), participant_id="C1-001")


@pytest.fixture
def participant_c2(trial, site_c2, today):
    return enrol(trial, site_c2, screened_on=today - timedelta(days=20), participant_id="C2-001")


def make_randomized(participant, *, on, bottle: int = 1):
    """Randomized as the allocation service leaves a participant: bottle, date and the
    intervention weeks scheduled (without reading the list)."""
    Participant.objects.filter(pk=participant.pk).update(randomized_on=on, bottle_number=bottle)
    participant.refresh_from_db()
    diary_weeks_schedule(participant=participant, phase=Phase.INTERVENTION, start=on)
    return participant


def week_of(participant, phase: str, number: int):
    return participant.diary_weeks.select_related("protocol_week").get(
        protocol_week__phase=phase, protocol_week__week=number
    )
