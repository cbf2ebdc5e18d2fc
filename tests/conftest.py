import pytest
from django.conf import settings

if settings.configured:  # pure tests (e.g. tests/simulation) also run with -p no:django
    from tests.factories import make_trial, make_user


@pytest.fixture
def trial(db):
    """The reference protocol (two arms, two sites, 2 + 8 weeks)."""
    return make_trial()


@pytest.fixture
def site_c1(trial):
    return trial.sites.get(code="C1")


@pytest.fixture
def site_c2(trial):
    return trial.sites.get(code="C2")


@pytest.fixture
def coordinator(trial):
    return make_user("coordinator")


@pytest.fixture
def ra_c1(site_c1):
    return make_user("research_assistant", site_c1)
