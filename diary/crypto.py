"""Sealing of arm codes in the randomization list (Fernet, key from ALLOCATION_KEY)."""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@cache
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "ALLOCATION_KEY must be a Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc


def _current() -> Fernet:
    if not settings.ALLOCATION_KEY:
        raise ImproperlyConfigured("ALLOCATION_KEY is not set.")
    return _fernet(settings.ALLOCATION_KEY)


def seal_arm(arm_code: str) -> str:
    return _current().encrypt(arm_code.encode()).decode()


def open_arm(sealed: str) -> str:
    try:
        return _current().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "The randomization list cannot be read with this ALLOCATION_KEY."
        ) from exc
