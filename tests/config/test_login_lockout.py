"""Login lockout (django-axes): repeated failures lock the username from that address."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import make_user

PASSWORD = "a-long-test-password"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def user(trial):
    return make_user("coordinator", username="carol")


def _login(client: Client, username: str, password: str, addr: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def _fail(client: Client, times: int, username: str = "carol", addr: str = "10.0.0.1"):
    """Fail `times` logins; the fifth failure is answered with the lockout page."""
    for n in range(1, times + 1):
        response = _login(client, username, "wrong-password", addr)
        assert response.status_code == (429 if n >= 5 else 200)


def test_five_failed_logins_lock_the_account_even_for_the_right_password(axes_on, user, client):
    _fail(client, 5)
    response = _login(client, "carol", PASSWORD)
    assert response.status_code == 429
    assert b"Login locked" in response.content
    assert "_auth_user_id" not in client.session


def test_four_failed_logins_do_not_lock(axes_on, user, client):
    _fail(client, 4)
    response = _login(client, "carol", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_successful_login_resets_the_failure_count(axes_on, user, client):
    _fail(client, 4)
    assert _login(client, "carol", PASSWORD).status_code == 302
    client.logout()
    _fail(client, 4)
    assert _login(client, "carol", PASSWORD).status_code == 302


def test_the_lock_holds_the_username_from_that_address_only(axes_on, user, client):
    make_user("statistician", username="stan")
    _fail(client, 5)
    assert _login(Client(), "stan", PASSWORD).status_code == 302
    assert _login(Client(), "carol", PASSWORD, addr="10.0.0.2").status_code == 302


def test_the_coordinator_can_unlock_a_username(axes_on, user, client):
    _fail(client, 5)
    assert _login(client, "carol", PASSWORD).status_code == 429
    call_command("axes_reset_username", "carol", verbosity=0)
    assert _login(client, "carol", PASSWORD).status_code == 302


def test_a_client_supplied_forwarded_address_does_not_dodge_the_lock(axes_on, user, client):
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "carol", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = client.post(
        reverse("login"),
        {"username": "carol", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert response.status_code == 429


# -- behind the reverse proxy: the real client address, from the trusted header only ---

PROXY = "10.9.9.9"  # the hospital's reverse proxy, the only peer the app sees


def _via_proxy(client: Client, username: str, password: str, client_addr: str, forged=""):
    """A login passed on by the proxy, which appends the address it received it from."""
    forwarded = f"{forged}, {client_addr}" if forged else client_addr
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def test_failures_from_elsewhere_behind_the_proxy_do_not_lock_out_the_owner(
    axes_on, one_proxy, user
):
    attacker = Client()
    for _ in range(5):
        _via_proxy(attacker, "carol", "wrong-password", "203.0.113.66")
    assert _via_proxy(attacker, "carol", PASSWORD, "203.0.113.66").status_code == 429
    assert _via_proxy(Client(), "carol", PASSWORD, "198.51.100.5").status_code == 302


def test_a_forwarded_address_forged_before_the_proxy_does_not_dodge_the_lock(
    axes_on, one_proxy, user
):
    attacker = Client()
    for n in range(5):
        _via_proxy(attacker, "carol", "wrong-password", "203.0.113.66", forged=f"192.0.2.{n}")
    response = _via_proxy(attacker, "carol", PASSWORD, "203.0.113.66", forged="192.0.2.99")
    assert response.status_code == 429


def test_without_a_trusted_proxy_every_client_behind_it_shares_its_address(axes_on, user):
    """The default (no proxy configured) never reads the header: safe, but then the
    proxy's address is everyone's, which the deployment check warns about."""
    for _ in range(5):
        _via_proxy(Client(), "carol", "wrong-password", "203.0.113.66")
    assert _via_proxy(Client(), "carol", PASSWORD, "198.51.100.5").status_code == 429
