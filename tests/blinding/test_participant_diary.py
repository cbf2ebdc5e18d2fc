"""The participant's own diary shows nothing of the allocation and nothing of other
participants: crawling every page and API answer reachable from one participant's
link, in both languages, finds no arm code or label, no bottle number and no other
participant's id."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from diary.services.diary_links import diary_link_issue
from diary.services.nights import night_record
from diary.services.preferences import diary_preferences_update
from diary.services.randomization import participant_randomize
from tests.blinding.crawler import crawl
from tests.blinding.test_crawl import ARMS, FORBIDDEN
from tests.factories import make_list, make_trial, ready_to_randomize

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.mark.parametrize("language", ["en-gb", "zh-hans"])
def test_the_participants_diary_shows_no_arm_and_no_other_participant(language):
    trial = make_trial(arms=ARMS)
    make_list(trial, bottles_per_stratum=24, spares=6)
    site = trial.sites.get(code="C1")
    people = []
    for pid in ("C1-031", "C1-032"):
        participant = ready_to_randomize(
            trial, site, participant_id=pid, screened_on=TODAY - timedelta(days=30)
        )
        people.append(
            participant_randomize(
                participant=participant, by_user=None, randomized_on=TODAY - timedelta(days=9)
            )
        )
    me, other = people
    for person in people:
        night_record(
            participant=person,
            night=TODAY - timedelta(days=2),
            cramps=[{"duration_min": 2, "severity": 5}],
            source="participant",
        )
    diary_preferences_update(participant=me, by_user=None, language=language)
    token = diary_link_issue(participant=me, by_user=None)[1]
    diary_link_issue(participant=other, by_user=None)

    words = [*FORBIDDEN, other.participant_id, f"bottle {me.bottle_number}", "bottle"]
    seeds = [f"/diary/{token}/", f"/api/diary/{token}/nights/"]
    result = crawl(Client(), seeds, words, limit=200)
    assert result.statuses[200] >= 4, dict(result.statuses)
    assert [(leak.word, leak.url) for leak in result.leaks] == []
