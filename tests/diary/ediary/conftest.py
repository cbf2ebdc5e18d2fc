from datetime import timedelta

import pytest
from django.utils import timezone

from diary.services.diary_links import diary_link_issue
from diary.services.randomization import participant_randomize
from tests.factories import make_list, ready_to_randomize

TODAY = timezone.localdate()


@pytest.fixture
def keeper(trial, site_c1):
    """A participant randomized 20 days ago, keeping the electronic diary."""
    make_list(trial)
    participant = ready_to_randomize(
        trial, site_c1, participant_id="C1-101", screened_on=TODAY - timedelta(days=40)
    )
    return participant_randomize(
        participant=participant, by_user=None, randomized_on=TODAY - timedelta(days=20)
    )


@pytest.fixture
def token(keeper):
    _, token = diary_link_issue(participant=keeper, by_user=None)
    return token
