"""The personal diary link's lifecycle and rate limits."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from diary.models import DiaryLink
from diary.selectors.diary_links import diary_link_for_token
from diary.services.diary_links import diary_link_issue, diary_links_revoke
from diary.services.participants import participant_withdraw
from tests.diary.ediary.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_only_the_tokens_hash_is_stored(keeper):
    link, token = diary_link_issue(participant=keeper, by_user=None)
    assert len(token) == 43
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not DiaryLink.objects.filter(token_hash=token).exists()
    assert diary_link_for_token(token) == link


def test_a_new_link_revokes_the_previous_one(keeper):
    _, first = diary_link_issue(participant=keeper, by_user=None)
    _, second = diary_link_issue(participant=keeper, by_user=None)
    assert diary_link_for_token(first) is None
    assert diary_link_for_token(second) is not None
    assert DiaryLink.objects.get(revoked_at__isnull=False).revoke_reason == "Replaced by a new link"


def test_a_revoked_link_opens_nothing(keeper, token, ra_c1):
    diary_links_revoke(participant=keeper, by_user=ra_c1, reason="Phone lost")
    assert diary_link_for_token(token) is None


def test_a_link_dies_with_the_withdrawal(keeper, token):
    participant_withdraw(participant=keeper, withdrawn_on=TODAY, reason="Moved", by_user=None)
    assert diary_link_for_token(token) is None


def test_a_link_dies_the_day_after_the_last_night_of_follow_up(keeper, token):
    last_night = keeper.randomized_on + timedelta(days=7 * 8 - 1)
    assert diary_link_for_token(token, today=last_night + timedelta(days=1)) is not None
    assert diary_link_for_token(token, today=last_night + timedelta(days=2)) is None


def test_the_command_prints_a_link_that_opens_the_diary(keeper, client):
    out = StringIO()
    call_command("diary_link", "C1-101", stdout=out)
    url = out.getvalue().strip()
    assert "/diary/" in url
    assert client.get(url.split("8000", 1)[1]).status_code == 200


def test_the_link_is_rate_limited(keeper, token, client, settings):
    settings.DIARY_LINK_RATE_PER_HOUR = 3
    statuses = [client.get(f"/diary/{token}/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_guessing_links_is_rate_limited_per_address(keeper, client, settings):
    settings.DIARY_LINK_MISSES_PER_HOUR = 2
    statuses = [client.get(f"/diary/{'x' * 43}/").status_code for _ in range(3)]
    assert statuses == [404, 404, 429]
