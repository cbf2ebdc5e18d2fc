"""No API response reachable by a blinded role names an arm: every GET operation of
the schema is crawled, list and detail, on a trial with randomized participants."""

import re

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from diary.models import Participant
from diary.presets import PRESETS
from diary.services.randomization import participant_randomize
from tests.factories import make_list, make_trial, make_user, ready_to_randomize

pytestmark = pytest.mark.django_db

SECRET_ARMS = [
    {"code": "zqactive", "label": "Zqx Secret Active", "role": "experimental", "ratio": 1},
    {"code": "zqcontrol", "label": "Zqx Secret Control", "role": "comparator", "ratio": 1},
]
SECRETS = re.compile(r"zqactive|zqcontrol|zqx secret", re.IGNORECASE)
# How each detail path's parameter is read from a list item.
LOOKUPS = {"code": "code", "screening_id": "screening_id", "participant_id": "participant_id"}


@pytest.fixture
def randomized_trial():
    trial = make_trial(arms=SECRET_ARMS)
    make_list(trial)
    for site in trial.sites.all():
        for n in (1, 2):
            participant = ready_to_randomize(trial, site, participant_id=f"{site.code}-10{n}")
            participant_randomize(participant=participant, by_user=None)
    return trial


def get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops)


def crawl(client: APIClient, paths: list[str]) -> dict[str, list[str]]:
    """GET every list, then every detail of what the lists returned."""
    seen: dict[str, list[str]] = {}
    items: dict[str, list[dict]] = {}
    for path in paths:
        if "{" in path:
            continue
        response = client.get(path, {"page_size": 500} if path != "/api/calls-due/" else {})
        seen[path] = [response.content.decode()]
        body = response.json() if response.status_code == 200 else {}
        items[path] = body.get("results", []) if isinstance(body, dict) else []
    for path in paths:
        if "{" not in path or "/files/" in path:
            continue
        prefix = path.split("{")[0]
        parameter = re.search(r"\{(\w+)\}", path).group(1)
        key = LOOKUPS.get(parameter, "id")
        seen[path] = []
        for item in items.get(prefix, []):
            url = path.replace("{" + parameter + "}", str(item[key]))
            seen[path].append(client.get(url).content.decode())
    return seen


@pytest.mark.parametrize(
    ("role", "sites"),
    [
        ("research_assistant", ["C1"]),
        ("coordinator", []),
        ("statistician", []),
        ("investigator", ["C1"]),
    ],
)
def test_no_arm_reaches_a_blinded_role(randomized_trial, role, sites):
    assert Participant.objects.filter(bottle_number__isnull=False).count() == 4
    client = APIClient()
    client.force_authenticate(make_user(role, *sites))
    client.post("/api/reports/", {}, format="json")  # a blinded report, where allowed
    paths = get_paths()
    seen = crawl(client, paths)
    assert "/api/participants/{participant_id}/" in seen
    assert any(seen["/api/participants/{participant_id}/"]), "the crawl read no participant"
    for path, bodies in seen.items():
        for body in bodies:
            assert not SECRETS.search(body), f"{role} sees an arm at {path}"


def test_the_crawl_can_see_the_secret_where_it_is(randomized_trial):
    # The sentinel is really in the database, so the crawl above would find a leak.
    assert randomized_trial.arms.filter(label__startswith="Zqx Secret").count() == 2
    assert PRESETS["vitk2-nlc-2024"]["arms"][0]["code"] != "zqactive"
