"""The production settings: `check --deploy` is clean, and bad secrets stop the start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLOCATION"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secrets() -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOCATION_KEY": Fernet.generate_key().decode(),
    }


def test_production_settings_pass_check_deploy_without_any_warning():
    env = {**_secrets(), "DJANGO_TRUSTED_PROXY_COUNT": "1"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_when_no_proxy_is_trusted_for_the_client_address():
    result = _manage("check", "--deploy", **_secrets())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "diary.W004" in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"), ("ALLOCATION_KEY", "ALLOCATION_KEY")],
)
def test_production_refuses_to_start_without_a_secret(missing, message):
    env = _secrets()
    del env[missing]
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_refuses_an_allocation_key_that_is_not_a_fernet_key():
    result = _manage("check", **{**_secrets(), "ALLOCATION_KEY": "change-me"})
    assert result.returncode != 0
    assert "ALLOCATION_KEY is not a Fernet key" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = _manage("check", **{**_secrets(), "DJANGO_SECRET_KEY": "too-short"})
    assert result.returncode != 0
    assert "at least 50 random characters" in result.stderr


def test_production_sends_cookies_over_https_only_and_pins_https():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.DEBUG, "
        "s.AXES_ENABLED)"
    )
    result = _manage("shell", "--no-imports", "-c", code, **_secrets())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "True", "False", "True"]
