"""Production: every secret from the environment, HTTPS only, strict headers."""

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, env

SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOCATION_KEY = env("ALLOCATION_KEY")
DEBUG = False

try:
    Fernet(ALLOCATION_KEY)
except ValueError as exc:
    raise ImproperlyConfigured(
        "ALLOCATION_KEY is not a Fernet key (32 url-safe base64-encoded bytes); "
        "see the README, 'The allocation key'."
    ) from exc
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 random characters.")

# Persistent database connections, each checked before it is reused (CONN_HEALTH_CHECKS
# in base.py), so a restarted PostgreSQL is reconnected without restarting the app.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Headers, idle-session timeout and CSP are in base.py; here the cookies go HTTPS-only.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
