from datetime import date

import pytest

from tests.factories import enrol, make_user


@pytest.fixture
def ra_c2(site_c2):
    return make_user("research_assistant", site_c2)


@pytest.fixture
def statistician(trial):
    return make_user("statistician")


@pytest.fixture
def unblinded_statistician(trial):
    return make_user("unblinded_statistician")


@pytest.fixture
def investigator_c1(site_c1):
    return make_user("investigator", site_c1)


@pytest.fixture
def p_c1(trial, site_c1):
    """A participant of C1, consented 2023-01-02 (screening weeks due 9 and 16 January)."""
    return enrol(trial, site_c1, screened_on=date(2023, 1, 2), participant_id="C1-001")


@pytest.fixture
def p_c2(trial, site_c2):
    return enrol(trial, site_c2, screened_on=date(2023, 1, 2), participant_id="C2-001")


def version_of(client, detail_url: str) -> int:
    """The version of a record as the client reads it (what a write must name)."""
    return client.get(detail_url).json()["version"]


def post_versioned(client, url: str, body: dict, *, detail: str, method: str = "post"):
    """Write based on the record as the client reads it now."""
    send = getattr(client, method)
    return send(url, {"version": version_of(client, detail), **body}, format="json")
