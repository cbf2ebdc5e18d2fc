"""The client's address, as the login lockout (django-axes) and anything else that
records who connected should see it.

Without a trusted proxy (TRUSTED_PROXY_COUNT = 0, the default) it is REMOTE_ADDR and
no header is read: a client-supplied X-Forwarded-For would let anyone pick a fresh
address per attempt. Behind TRUSTED_PROXY_COUNT reverse proxies, each of which appends
the address it received the request from to TRUSTED_PROXY_HEADER (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`), the client is the
entry that many places from the end: what the farthest proxy saw. Entries before it
were written by the client and are never trusted. A request that did not come
through all of them (fewer entries) or an entry that is not an address falls back to
REMOTE_ADDR.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count < 1:
        return remote
    header = request.META.get(getattr(settings, "TRUSTED_PROXY_HEADER", "HTTP_X_FORWARDED_FOR"))
    entries = [e.strip() for e in (header or "").split(",") if e.strip()]
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote
