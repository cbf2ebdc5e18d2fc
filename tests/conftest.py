import pytest
from django.conf import settings
from rest_framework.test import APIClient

if settings.configured:  # pure tests (e.g. tests/simulation) also run with -p no:django
    from tests.factories import make_trial, make_user


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no request counted: counters are per client address,
    and every test client is the same address."""
    if settings.configured:
        from django.core.cache import caches

        caches["ratelimit"].clear()
    yield


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


TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server"}


def pytest_collection_modifyitems(items):
    """Every transactional test restores the database with serialized rollback.

    Migrations create data (roles, default schedules). A transactional test
    empties the database when it ends; with serialized rollback the next one
    starts from the migrated content again. Mixing tests with and without it
    breaks, so all of them use it.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        transactional = kwargs.get("transaction") or TRANSACTIONAL_FIXTURES & set(
            getattr(item, "fixturenames", ())
        )
        if transactional and not kwargs.get("serialized_rollback"):
            kwargs.update(transaction=True, serialized_rollback=True)
            item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user (None: anonymous)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return client_for
