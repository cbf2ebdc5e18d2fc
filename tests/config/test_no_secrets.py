"""No secret is kept in the repository: not in code, settings, compose or the example
environment file."""

import base64
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PATTERNS = {
    "Fernet key": re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=(?![A-Za-z0-9_=-])"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "generated Django key": re.compile("django-" + "insecure-"),
    "AWS access key": re.compile(r"AKIA[0-9A-Z]{16}"),
    "password in a URL": re.compile(r"[a-z]+://[^/\s:@]+:[^/\s:@${}]+@"),
}
EXAMPLE_SECRETS = (
    "DJANGO_SECRET_KEY",
    "ALLOCATION_KEY",
    "POSTGRES_PASSWORD",
    "EMAIL_HOST_PASSWORD",
)


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files cannot be listed")
    return [ROOT / name for name in out.decode().split("\0") if name]


def test_no_tracked_file_holds_a_key_or_credential():
    found = []
    for path in _tracked_files():
        if not path.is_file():
            continue  # deleted in the working tree
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                found.append(f"{path.relative_to(ROOT)}: {kind}: {match.group()[:12]}...")
    assert found == []


def test_the_secret_scan_would_see_a_key():
    # Made at run time, so this file holds no key-shaped literal itself.
    key = base64.urlsafe_b64encode(b"k" * 32).decode()
    url = "postgres://trial:" + "hunter2" * 2 + "@db:5432/trial"
    assert PATTERNS["Fernet key"].search(f"ALLOCATION_KEY={key}\n")
    assert PATTERNS["password in a URL"].search(url)
    assert not PATTERNS["password in a URL"].search("postgres://trial:${POSTGRES_PASSWORD}@db/x")


def test_the_env_file_is_never_committed():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert ".env" in ignored
    assert ".env" not in [p.name for p in _tracked_files()]


def test_the_example_environment_leaves_every_secret_empty():
    values = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    for name in EXAMPLE_SECRETS:
        assert values[name] == "", name
