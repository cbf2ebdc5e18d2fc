"""The client's address: REMOTE_ADDR, or with trusted proxies the entry of their
header that the farthest of them wrote."""

import pytest
from django.test import RequestFactory

from config.client_ip import client_ip


def _request(remote="10.9.9.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_no_trusted_proxy_reads_remote_addr_only(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.7")) == "10.9.9.9"


@pytest.mark.parametrize(
    "count, forwarded, expected",
    [
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "192.0.2.1, 203.0.113.7", "203.0.113.7"),  # the first entry is the client's own
        (2, "192.0.2.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        (2, "203.0.113.7", "10.9.9.9"),  # fewer entries than proxies: not via them all
        (1, "", "10.9.9.9"),
        (1, "not-an-address", "10.9.9.9"),
        (1, None, "10.9.9.9"),
    ],
)
def test_trusted_proxies_name_the_client(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


def test_the_header_is_configurable(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.9.9.9", HTTP_X_REAL_IP="203.0.113.8", HTTP_X_FORWARDED_FOR="1.1.1.1"
    )
    assert client_ip(request) == "203.0.113.8"
