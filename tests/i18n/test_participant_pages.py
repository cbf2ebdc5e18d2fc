"""Every page and message a participant sees, in Chinese, holds no untranslated word:
no run of Latin letters outside what names another language (the English button)."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from diary.services.preferences import diary_preferences_update
from tests.diary.ediary.conftest import TODAY
from tests.i18n.visible import LATIN, untranslated

pytestmark = pytest.mark.django_db
LAST = (TODAY - timedelta(days=1)).isoformat()


@pytest.fixture
def chinese(keeper, token):
    diary_preferences_update(participant=keeper, by_user=None, language="zh-hans")
    return token


STEPS = [
    {},
    {"had": "yes"},
    {"had": "yes", "count": "x"},  # the error message too
    {"had": "yes", "count": "2"},
    {"had": "yes", "count": "2", "d1": "0"},
    {"had": "yes", "count": "2", "d1": "1.5"},
    {"had": "yes", "count": "2", "d1": "1.5", "s1": "4", "d2": "2", "s2": "7"},
    {"had": "no"},
]


def test_every_question_of_a_night_is_in_chinese(client, chinese):
    url = f"/diary/{chinese}/nights/{LAST}/"
    for data in STEPS:
        page = client.post(url, data) if data else client.get(url)
        assert page.status_code == 200
        assert untranslated(page.content.decode()) == [], data


def test_the_diary_home_and_its_messages_are_in_chinese(client, chinese):
    url = f"/diary/{chinese}/nights/{LAST}/"
    client.post(url, {"had": "no", "save": "1"})
    page = client.get(f"/diary/{chinese}/")
    assert untranslated(page.content.decode()) == []
    assert "昨晚" in page.content.decode()


def test_the_too_many_requests_page_has_no_untranslated_word_in_english(client, settings):
    settings.DIARY_LINK_MISSES_PER_HOUR = 0
    page = client.get(f"/diary/{'y' * 43}/")
    assert page.status_code == 429


def test_the_link_and_the_reminder_are_in_chinese(keeper):
    context = {"participant": keeper, "url": "https://trial.example/diary/TOKEN/", "night": TODAY}
    with translation.override("zh-hans"):
        for name in ("link", "link_subject", "reminder", "reminder_subject"):
            text = render_to_string(f"own_diary/messages/{name}.txt", context)
            words = LATIN.findall(text.replace(context["url"], ""))
            assert words == [], (name, words)
