"""The embedded default: SQLite under var/, Celery in-process, console email.

Secrets here are for a developer's machine only; production.py demands real ones.
"""

import base64
import hashlib

from .base import *  # noqa: F403
from .base import ALLOCATION_KEY, STATIC_ROOT, VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")  # noqa: S105
if not ALLOCATION_KEY:
    # A stable key per checkout, so a local database stays readable across runs.
    ALLOCATION_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(f"allocation:{VAR_DIR}".encode()).digest()
    ).decode()

# Whitenoise warns on every request when the static folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
