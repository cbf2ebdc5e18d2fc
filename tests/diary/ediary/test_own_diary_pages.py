"""The participant's pages, without a browser: one question at a time, the answers
carried in the form, saved on confirmation; nothing of the allocation shown."""

from datetime import timedelta
from decimal import Decimal

import pytest

from diary.models import Night
from diary.services.diary_links import diary_links_revoke
from tests.diary.ediary.conftest import TODAY

pytestmark = pytest.mark.django_db
LAST = (TODAY - timedelta(days=1)).isoformat()


def test_the_home_page_offers_last_night_and_the_missed_nights(client, token):
    page = client.get(f"/diary/{token}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f"/diary/{token}/nights/{LAST}/" in body
    assert "7 nights are not filled in yet" in body
    assert page["Referrer-Policy"] == "same-origin" and page["Cache-Control"] == "no-store"


def test_a_night_with_two_cramps_is_asked_one_question_at_a_time(client, token, keeper):
    url = f"/diary/{token}/nights/{LAST}/"
    assert "Did you have a leg cramp" in client.get(url).content.decode()
    steps = [
        ({"had": "yes"}, "How many cramps"),
        ({"had": "yes", "count": "2"}, "Cramp 1 of 2: how long"),
        ({"had": "yes", "count": "2", "d1": "1.5"}, "Cramp 1 of 2: how much"),
        ({"had": "yes", "count": "2", "d1": "1.5", "s1": "4"}, "Cramp 2 of 2: how long"),
        ({"had": "yes", "count": "2", "d1": "1.5", "s1": "4", "d2": "3"}, "Cramp 2 of 2: how much"),
        (
            {"had": "yes", "count": "2", "d1": "1.5", "s1": "4", "d2": "3", "s2": "8"},
            "Is this right",
        ),
    ]
    for data, question in steps:
        assert question in client.post(url, data).content.decode()
    saved = client.post(url, {**steps[-1][0], "save": "1"})
    assert saved.status_code == 302
    night = Night.objects.get(participant=keeper)
    assert night.cramps == 2
    assert list(night.cramp_events.values_list("severity", flat=True)) == [Decimal(4), Decimal(8)]


def test_a_wrong_answer_asks_the_same_question_again(client, token):
    url = f"/diary/{token}/nights/{LAST}/"
    page = client.post(url, {"had": "yes", "count": "2", "d1": "0"}).content.decode()
    assert "Cramp 1 of 2: how long" in page and 'role="alert"' in page


@pytest.mark.parametrize(
    "data",
    [
        {"had": "yes", "count": "\u00b2"},
        {"had": "yes", "count": "1", "d1": "2", "s1": "\u00b2", "save": "1"},
    ],
)
def test_a_superscript_digit_asks_the_same_question_again(client, token, data):
    """ "²" is a digit to str.isdigit() but not to int()."""
    page = client.post(f"/diary/{token}/nights/{LAST}/", data)
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert not Night.objects.exists()


def test_back_forgets_the_last_answer(client, token):
    url = f"/diary/{token}/nights/{LAST}/"
    page = client.post(url, {"had": "yes", "count": "2", "back": "1"}).content.decode()
    assert "How many cramps" in page


def test_a_night_older_than_seven_days_is_not_offered(client, token):
    old = (TODAY - timedelta(days=8)).isoformat()
    assert client.get(f"/diary/{token}/nights/{old}/").status_code == 404


def test_a_revoked_link_answers_404(client, token, keeper):
    diary_links_revoke(participant=keeper, by_user=None, reason="Phone lost")
    assert client.get(f"/diary/{token}/").status_code == 404


def test_the_language_switch_shows_the_pages_in_chinese(client, token, keeper):
    client.post(f"/diary/{token}/language/", {"language": "zh-hans"})
    page = client.get(f"/diary/{token}/")
    assert page["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in page.content.decode()
    assert keeper.diary_preferences.language == "zh-hans"
