"""CSRF everywhere: no page is exempt, and a forged form post is refused."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from knox.auth import TokenAuthentication
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.views import APIView

from tests.factories import make_user

# Authentication that cannot be ridden by a forged cross-site request: a token in a
# header, or DRF's session authentication, which enforces CSRF itself.
CSRF_SAFE_API_AUTH = (TokenAuthentication, SessionAuthentication)


def _views(patterns=None, prefix=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _api_view_class(callback):
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    return cls if isinstance(cls, type) and issubclass(cls, APIView) else None


def _accepts_post(callback) -> bool:
    actions = getattr(callback, "actions", None)  # a viewset's method -> action map
    if actions is not None:
        return "post" in actions
    return hasattr(_api_view_class(callback), "post")


def test_no_page_is_exempt_from_csrf_except_api_views_that_enforce_it_themselves():
    exempt = []
    for route, callback in _views():
        if not getattr(callback, "csrf_exempt", False):
            continue
        api = _api_view_class(callback)
        if api is None:
            exempt.append(route)
            continue
        for auth in api.authentication_classes:
            assert issubclass(auth, BaseAuthentication)
            if not issubclass(auth, CSRF_SAFE_API_AUTH):
                exempt.append(f"{route} ({auth.__name__})")
    assert exempt == []


def test_the_url_walk_sees_the_pages():
    routes = [route for route, _ in _views()]
    assert "accounts/login/" in routes
    assert any(route.startswith("admin/") for route in routes)


@pytest.mark.django_db
def test_a_login_post_without_the_csrf_token_is_refused():
    make_user("coordinator", username="carol")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("login"), {"username": "carol", "password": "a-long-test-password"}
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_logged_in_form_post_without_the_csrf_token_is_refused(trial):
    user = make_user("coordinator", username="carol")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert client.session.get("_auth_user_id") == str(user.pk)


@pytest.mark.django_db
def test_the_api_refuses_a_session_post_without_the_csrf_token(trial):
    user = make_user("coordinator", username="carol")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    api_routes = [
        "/" + route.replace("^", "").replace("$", "")
        for route, callback in _views()
        if route.startswith("api/")
        and _api_view_class(callback) is not None
        and "<" not in route
        and "(?P" not in route
        and _accepts_post(callback)
    ]
    refused = []
    for route in api_routes:
        response = client.post(route, {}, content_type="application/json")
        assert response.status_code == 403, route
        assert b"CSRF" in response.content, route
        refused.append(route)
    assert "/api/reports/" in refused
