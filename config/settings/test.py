"""Settings for the test suite: fast hashing, in-memory email, eager Celery unless told."""

import base64

from .base import *  # noqa: F403
from .base import STATIC_ROOT, env

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
ALLOCATION_KEY = env("ALLOCATION_KEY", default=base64.urlsafe_b64encode(b"t" * 32).decode())
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False

# Tasks run in-process in unit tests even when REDIS_URL is set; the integration
# tests start a real worker against Redis themselves.
CELERY_TASK_ALWAYS_EAGER = True

# Login lockout off by default (Client.login() has no request for django-axes to see);
# the lockout tests switch it on.
AXES_ENABLED = False

# Whitenoise warns on every request when the static folder is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

SMS_BACKEND = "diary.sms.backends.locmem.SmsBackend"
# Rate-limit counters per test process, never shared with another run's Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
}
