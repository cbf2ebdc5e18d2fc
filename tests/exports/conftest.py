import pytest

from tests.analysis.stored_trial import stored_trial


@pytest.fixture
def data_trial(db):
    """The reference protocol with 12 randomized participants, their diaries, adverse
    events (one serious), a withdrawal, screen failures and a 64-bottle list."""
    return stored_trial(randomized=12, seed=5)


def arm_words(trial) -> list[str]:
    """Every arm code and label of the trial: none may appear in a blinded file."""
    return [w for arm in trial.arms.all() for w in (arm.code, arm.label)]
