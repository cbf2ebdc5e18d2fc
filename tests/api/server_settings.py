"""Settings of the server the schemathesis run talks to: the test settings, with
report jobs queued in memory (never run) so fuzzed report requests stay fast."""

from config.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = "cache+memory://"
ALLOWED_HOSTS = ["127.0.0.1"]
# One sync worker serves the whole run: keep its database connection between requests.
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
# The fuzzer sends far more requests under one diary link than a participant would.
DIARY_LINK_RATE_PER_HOUR = 1_000_000
