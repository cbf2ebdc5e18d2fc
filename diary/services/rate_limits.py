"""Fixed-window request counters (the "ratelimit" cache: Redis when configured, so
every web worker counts together)."""

import time

from django.core.cache import caches


def rate_limit_exceeded(*, key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one request under `key` in the current window; True when the window's
    count is over `limit`."""
    cache = caches["ratelimit"]
    window = int(time.time() // window_seconds)
    name = f"rl:{key}:{window}"
    cache.add(name, 0, timeout=window_seconds + 60)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window_seconds + 60)
        count = 1
    return count > limit


class RateLimited(Exception):
    """Too many requests: answered 429."""


def diary_link_open(*, token: str, client_address: str):
    """The live diary link of `token`, counted against its hourly limit; None when
    there is no live link (counted against the client address's limit of misses, so
    that links cannot be guessed at speed). RateLimited when over either limit."""
    import hashlib

    from django.conf import settings

    from diary.selectors.diary_links import diary_link_for_token

    link = diary_link_for_token(token)
    if link is None:
        key = f"diary-miss:{client_address or 'unknown'}"
        if rate_limit_exceeded(key=key, limit=settings.DIARY_LINK_MISSES_PER_HOUR):
            raise RateLimited
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()[:32]
    if rate_limit_exceeded(key=f"diary-link:{digest}", limit=settings.DIARY_LINK_RATE_PER_HOUR):
        raise RateLimited
    return link
