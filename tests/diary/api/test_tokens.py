"""API tokens (django-rest-knox): stored hashed, expiring, revoked when the password
changes or the account is deactivated; DRF tokens handed out before are converted."""

import hashlib
import importlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from diary.services.api_tokens import api_token_create
from diary.services.users import staff_password_set, staff_update

pytestmark = pytest.mark.django_db


def _me(key: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/").status_code


def _token(user, **kwargs) -> str:
    out = io.StringIO()
    call_command("create_api_token", user.username, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue().strip()


def test_a_token_is_stored_only_as_a_hash_and_expires(coordinator, settings):
    key = _token(coordinator)
    stored = AuthToken.objects.get(user=coordinator)
    assert key not in (stored.digest, stored.token_key)
    assert stored.digest == hashlib.sha512(key.encode()).hexdigest()
    assert stored.expiry is not None
    expected = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    assert abs((stored.expiry - expected).total_seconds()) < 60
    assert _me(key) == 200


def test_an_expired_token_is_refused(coordinator):
    key = _token(coordinator, days=1)
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert _me(key) == 401


def test_a_password_change_revokes_the_tokens(coordinator):
    key = _token(coordinator)
    staff_password_set(user=coordinator, password="another-long-passphrase-9", via="tests")
    assert _me(key) == 401
    assert not AuthToken.objects.filter(user=coordinator).exists()


def test_a_password_set_through_any_door_revokes_the_tokens(coordinator):
    key = _token(coordinator)
    coordinator.set_password("another-long-passphrase-9")  # e.g. manage.py changepassword
    coordinator.save()
    assert _me(key) == 401


def test_deactivation_revokes_the_tokens(coordinator, ra_c1):
    key = _token(ra_c1)
    staff_update(user=ra_c1, active=False, via="tests", reason="left", email_required=False)
    assert not AuthToken.objects.filter(user=ra_c1).exists()
    assert _me(key) == 401


def test_no_token_for_an_inactive_account(coordinator):
    get_user_model().objects.filter(pk=coordinator.pk).update(is_active=False)
    with pytest.raises(CommandError, match="deactivated"):
        _token(coordinator)


def test_drf_create_token_is_gone():
    with pytest.raises(CommandError, match="Unknown command"):
        call_command("drf_create_token", "anyone")


class _Editor:
    """What the migration uses of a schema editor (SQLite refuses a real one inside
    the test's transaction)."""

    connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_tokens_handed_out_before_keep_working_once_converted(coordinator):
    """The migration hashes each DRF token's clear key into a knox token, then drops
    the table of clear keys."""
    key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # the form of a DRF token
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [key, timezone.now(), coordinator.pk],
        )
    migration = importlib.import_module("diary.migrations.0010_api_tokens_hashed")
    migration.convert_drf_tokens(apps, _Editor())
    assert "authtoken_token" not in connection.introspection.table_names()
    assert _me(key) == 200
    assert AuthToken.objects.get(user=coordinator).expiry is not None


def test_api_token_create_refuses_an_account_without_a_role(trial):
    from diary.errors import InvalidValue
    from tests.factories import UserFactory

    with pytest.raises(InvalidValue, match="no role"):
        api_token_create(user=UserFactory())
