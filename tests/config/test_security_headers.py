"""Security headers on every page: CSP, framing, sniffing, referrer, opener; and in
production HSTS and the HTTPS redirect (secure cookies: test_production_settings, and
the real stack in tests/stack)."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_code(client):
    csp = _csp(client.get(reverse("login")))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["form-action"] == "'self'"
    assert csp["base-uri"] == "'self'"
    assert "unsafe-inline" not in " ".join(csp.values())
    assert "unsafe-eval" not in " ".join(csp.values())


@pytest.mark.django_db
def test_pages_refuse_framing_sniffing_and_cross_site_referrers(client):
    response = client.get(reverse("login"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


PROBE = """
import json
from django.test import Client
plain = Client().get("/healthz", HTTP_HOST="trial.example.org")
secure = Client().get("/healthz", HTTP_HOST="trial.example.org", secure=True)
print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.headers.get("Location"),
    "secure_status": secure.status_code,
    "hsts": secure.headers.get("Strict-Transport-Security"),
    "csp": secure.headers.get("Content-Security-Policy"),
}))
"""


@pytest.fixture(scope="module")
def production_probe(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ALLOCATION"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOCATION_KEY=Fernet.generate_key().decode(),
        DJANGO_ALLOWED_HOSTS="trial.example.org",
        # /healthz only needs a database that answers.
        DATABASE_URL=f"sqlite:///{tmp_path_factory.mktemp('probe') / 'probe.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production_probe):
    assert production_probe["plain_status"] == 301
    assert production_probe["plain_location"] == "https://trial.example.org/healthz"


def test_production_pins_https_for_a_year_with_subdomains(production_probe):
    assert production_probe["secure_status"] == 200
    assert production_probe["hsts"] == "max-age=31536000; includeSubDomains; preload"


def test_production_pages_carry_the_content_security_policy(production_probe):
    assert "frame-ancestors 'none'" in production_probe["csp"]
    assert "script-src 'self'" in production_probe["csp"]
