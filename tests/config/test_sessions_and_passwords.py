"""Idle sessions expire; passwords must be long and not guessable."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_user


@pytest.fixture
def logged_in(client, trial):
    user = make_user("coordinator", username="carol")
    client.force_login(user)
    return client


def _session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_every_request_pushes_the_idle_timeout_back(logged_in, settings):
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    assert logged_in.get(reverse("admin:index")).status_code == 200
    remaining = _session(logged_in).expire_date - timezone.now()
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE - 60) < remaining
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_session_idle_past_the_timeout_is_logged_out(logged_in):
    assert logged_in.get(reverse("admin:index")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = logged_in.get(reverse("home"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("login"))


def test_the_session_cookie_dies_with_the_browser_and_is_hidden_from_scripts(logged_in):
    response = logged_in.get(reverse("admin:index"))
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    "password",
    [
        "short-pw-1",  # fewer than 12 characters
        "password1234",  # a common password
        "483920173645",  # only digits
        "carol-the-coordinator",  # too like the username
    ],
)
@pytest.mark.django_db
def test_weak_passwords_are_refused(password):
    user = make_user("coordinator", username="carol-the-coordinator")
    with pytest.raises(ValidationError):
        validate_password(password, user=user)


@pytest.mark.django_db
def test_a_long_uncommon_password_is_accepted():
    user = make_user("coordinator", username="carol")
    validate_password("calf-spasm-quinine-harbour", user=user)
