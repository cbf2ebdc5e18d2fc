"""API tokens (django-rest-knox): only a hash of each token is stored, every token
expires (API_TOKEN_TTL_DAYS), and an account's tokens are revoked when its password
changes or it is deactivated (diary.services.users; diary.passwords for a password
set anywhere else)."""

from datetime import timedelta

from django.conf import settings
from knox.models import AuthToken

from diary.errors import InvalidValue
from diary.roles import role_of


def api_token_create(*, user, ttl: timedelta | None = None) -> tuple[AuthToken, str]:
    """A new token for `user`: (its record, the token itself, shown once and never
    stored)."""
    if not user.is_active:
        raise InvalidValue(f"{user.get_username()} is deactivated.", field="username")
    if role_of(user) is None:
        raise InvalidValue(
            f"{user.get_username()} has no role: the API would refuse every request.",
            field="username",
        )
    ttl = ttl if ttl is not None else settings.REST_KNOX["TOKEN_TTL"]
    if ttl <= timedelta(0):
        raise InvalidValue("A token must be valid for some time.", field="days")
    return AuthToken.objects.create(user=user, expiry=ttl)


def api_tokens_revoke(*, user) -> int:
    """Delete every API token of `user`; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
