"""What the app writes for machines and records stays English whatever language the
reader's page is in: the export files (built in the background, or in-process while
a Chinese page is served), the declarations' labels, the data-file messages and the
API's labels."""

import re

import pytest
from django.utils import translation

from diary.declarations import DIARY_WEEK
from diary.exports.data import export_data
from diary.exports.formats import stored_files
from tests.exports.conftest import data_trial  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_the_export_files_are_the_same_in_a_chinese_request(data_trial):  # noqa: F811
    english = {
        fmt: stored_files(export_data(trial=data_trial, unblinded=False), fmt)
        for fmt in ("package", "codebook")
    }
    with translation.override("zh-hans"):
        chinese = {
            fmt: stored_files(export_data(trial=data_trial, unblinded=False), fmt)
            for fmt in ("package", "codebook")
        }
    assert chinese == english


def test_declarations_keep_plain_english_labels_and_data_messages():
    with translation.override("zh-hans"):
        value = DIARY_WEEK["cramps"]
        assert type(value.label) is str and value.label == "Number of cramps in the week"
        problems = DIARY_WEEK.problems({"reached": True, "cramps": -1})
        entry, data = problems["cramps"][0]
        assert CHINESE.search(entry)  # for the person at the form
        assert data == "-1 is negative"  # for a data file
    # Without an active language (a Celery task, a command) the messages are English.
    with translation.override(None):
        message = DIARY_WEEK.errors({"reached": True, "cramps": -1})["cramps"][0]
    assert message == "Enter a number between 0 and 32767."
