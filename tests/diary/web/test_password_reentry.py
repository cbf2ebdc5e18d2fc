"""The password re-entered for emergency and trial unblinding counts as a login
attempt (django-axes, by username and client address): guesses are limited like
logins, and failures from elsewhere do not lock the owner out of the emergency path."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from diary.models import EmergencyUnblinding, TrialEvent
from diary.services.randomization import participant_randomize
from diary.services.unblinding import trial_lock
from tests.diary.web.conftest import signed_in
from tests.factories import make_list, make_user, ready_to_randomize

# Casebooks unsigned and queries open are waived: these tests are about the lock itself.
WAIVER = "not part of this test"

PASSWORD = "a-long-test-password"
PROXY = "10.9.9.9"
OWNER = "198.51.100.5"
ATTACKER = "203.0.113.66"


@pytest.fixture(autouse=True)
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXY_COUNT = 1


@pytest.fixture
def investigator(site_c1):
    return make_user("investigator", site_c1, username="ivan")


@pytest.fixture
def participant(trial, site_c1, coordinator):
    make_list(trial)
    p = ready_to_randomize(trial, site_c1, participant_id="C1-101")
    return participant_randomize(participant=p, by_user=coordinator)


def _from(addr: str) -> dict:
    """What the app receives through the proxy from a client at `addr`."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": addr}


def _unblind(client, participant, password, addr=OWNER):
    url = reverse("diary:emergency_unblinding", args=[participant.participant_id])
    return client.post(url, {"reason": "SAE", "password": password, "confirm": "on"}, **_from(addr))


def test_the_thirteenth_guess_is_refused_even_when_right(participant, investigator):
    client = signed_in(investigator)
    statuses = [_unblind(client, participant, f"guess-{n}").status_code for n in range(12)]
    assert statuses[:4] == [200] * 4  # the form again, "The password is not correct."
    assert set(statuses[4:]) == {429}  # the fifth failure locks
    response = _unblind(client, participant, PASSWORD)
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert not EmergencyUnblinding.objects.exists()


def test_wrong_reentries_count_as_failed_logins(participant, investigator):
    client = signed_in(investigator)
    for n in range(3):
        _unblind(client, participant, f"guess-{n}")
    login = Client()
    for _ in range(2):
        login.post(reverse("login"), {"username": "ivan", "password": "nope"}, **_from(OWNER))
    response = login.post(
        reverse("login"), {"username": "ivan", "password": PASSWORD}, **_from(OWNER)
    )
    assert response.status_code == 429


def test_failures_from_elsewhere_leave_the_emergency_path_to_its_owner(participant, investigator):
    attacker = Client()
    for _ in range(6):
        attacker.post(reverse("login"), {"username": "ivan", "password": "nope"}, **_from(ATTACKER))
    assert (
        attacker.post(
            reverse("login"), {"username": "ivan", "password": PASSWORD}, **_from(ATTACKER)
        ).status_code
        == 429
    )
    # the investigator, signed in at the ward, still unblinds with the right password
    response = _unblind(signed_in(investigator), participant, PASSWORD, addr=OWNER)
    assert response.status_code == 200
    assert EmergencyUnblinding.objects.filter(participant=participant).exists()


def test_trial_unblinding_reentry_is_limited_too(trial):
    unblinded = make_user("unblinded_statistician", username="una")
    trial_lock(trial=trial, by_user=unblinded, waiver=WAIVER)
    client = signed_in(unblinded)
    url = reverse("diary:trial_lock")
    for n in range(5):
        client.post(url, {"action": "unblind", "unblind-password": f"guess-{n}"}, **_from(OWNER))
    response = client.post(url, {"action": "unblind", "unblind-password": PASSWORD}, **_from(OWNER))
    assert response.status_code == 429
    assert not TrialEvent.objects.filter(kind="unblind").exists()
    # the guesses are not kept in clear in the record of failures
    kept = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "guess-" not in kept
