import pytest

from tests.analysis.stored_trial import stored_trial


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def stored(db):
    """A trial with 16 randomized participants and their diaries."""
    return stored_trial(randomized=16, seed=11)
