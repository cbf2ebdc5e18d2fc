"""Sealing of arm codes in the randomization list (Fernet, key from ALLOCATION_KEY)."""

import hashlib
import hmac
from functools import cache, lru_cache

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


# Arm codes are padded to one length before sealing, so that the length of a token
# does not tell a short arm code from a long one.
ARM_PADDED_BYTES = 64


def seal_text(text: str) -> str:
    return _current().encrypt(text.encode()).decode()


def open_text(sealed: str) -> str:
    try:
        return _current().decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "The randomization list cannot be read with this ALLOCATION_KEY."
        ) from exc


def seal_arm(arm_code: str) -> str:
    raw = arm_code.encode()
    if len(raw) >= ARM_PADDED_BYTES or b"\0" in raw:
        raise ValueError("An arm code must be shorter than 64 bytes and contain no NUL.")
    return _current().encrypt(raw.ljust(ARM_PADDED_BYTES, b"\0")).decode()


def open_arm(sealed: str) -> str:
    return open_text(sealed).rstrip("\0")


def stratum_key(list_id: int, stratum: str) -> str:
    """A keyed digest of a stratum's name within one list: the next bottle of a
    stratum is found by it, and a database dump read without ALLOCATION_KEY does not
    say which stratum (or which block) a bottle belongs to."""
    _current()  # refuses clearly when the key is missing or malformed
    return _stratum_digest(settings.ALLOCATION_KEY, list_id, stratum)


@lru_cache(maxsize=4096)
def _stratum_digest(key: str, list_id: int, stratum: str) -> str:
    """The digest itself (a list's strata are few and its bottles many)."""
    message = f"stratum|{list_id}|{stratum}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
