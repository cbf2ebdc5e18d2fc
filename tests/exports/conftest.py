import pytest

from tests.analysis.stored_trial import stored_trial
from tests.factories import make_user


@pytest.fixture
def data_trial(db):
    """The reference protocol with 12 randomized participants, their diaries, adverse
    events (one serious), a withdrawal, screen failures and a 64-bottle list."""
    return stored_trial(randomized=12, seed=5)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def arm_words(trial) -> list[str]:
    """Every arm code and label of the trial: none may appear in a blinded file."""
    return [w for arm in trial.arms.all() for w in (arm.code, arm.label)]


def staff(role: str, *sites, username: str | None = None):
    """A member of staff with an email address (username@trial.test)."""
    user = make_user(role, *sites, username=username)
    user.email = f"{user.username}@trial.test"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed(): ...` runs what the block queues on commit (the jobs, in-process)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
