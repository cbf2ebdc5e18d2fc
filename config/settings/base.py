"""Settings shared by every environment.

Everything comes from one django-environ `env`. With no environment at all the
app runs on an SQLite file under var/ and Celery runs tasks in-process.
"""

from datetime import timedelta
from pathlib import Path

from config.env import BASE_DIR, env

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "csp",
    "diary",
    "analysis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads a cookie or a parameter: a NUL is a 404 or 400, not a 500.
    "config.middleware.RejectNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The language each member of staff chose (diary.models.StaffLanguage).
    "diary.web.language.StaffLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "diary.web.context.staff",
            ],
        },
    },
]

VAR_DIR = Path(env("APP_VAR_DIR", default=str(BASE_DIR / "var")))

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A restarted PostgreSQL must not leave the app holding dead connections.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A reason for a correction may be longer than a short label.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# History is read-only: a revert would write around the services (diary.admin.audit).
SIMPLE_HISTORY_REVERT_DISABLED = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "diary.passwords.VarietyValidator", "OPTIONS": {"min_distinct": 5}},
    {"NAME": "diary.passwords.NotContainingUsernameValidator"},
    # Not a check: a password saved through any door revokes the account's API tokens.
    {"NAME": "diary.passwords.RevokeApiTokensOnChange"},
]

# Login lockout (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is refused until the cool-off ends or a coordinator runs
# `manage.py axes_reset_username USERNAME`. Locking the pair, not the address alone,
# keeps one mistyping colleague behind the hospital's NAT from locking out the ward.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# A locked-out password re-entry (diary.services.reauth) answers on its own page.
AXES_LOCKOUT_CALLABLE = "diary.web.lockout.lockout_response"
# Fields whose values axes must not keep in its record of failures.
AXES_SENSITIVE_PARAMETERS = ["unblind-password", "password1", "password2"]
# The address is the real client's (config.client_ip): REMOTE_ADDR, or behind reverse
# proxies the entry of their header that the farthest trusted proxy wrote. Without it,
# every client behind the proxy would share its address and five wrong passwords from
# anywhere would lock a username out for everyone.
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_HEADER = env("DJANGO_TRUSTED_PROXY_HEADER", default="HTTP_X_FORWARDED_FOR")

# Idle users are logged out: the session expires SESSION_COOKIE_AGE after the last
# request (every request renews it), and when the browser closes.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Content Security Policy (django-csp 4): only this site's own scripts, styles, images
# and forms; no plugins, no framing. Figures embedded as data: images are allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
# English and Simplified Chinese (the reference trial's sites): each participant's
# diary and messages in their language, each member of staff's pages in theirs.
LANGUAGES = [("en-gb", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TRIAL_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("APP_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# The REST API (diary/api, analysis/api): token or session authentication, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "diary.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["diary.api.permissions.HasTrialRole"],
    "DEFAULT_PARSER_CLASSES": ["diary.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["diary.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "diary.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "diary.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "diary.api.errors.api_exception_handler",
    "PAGE_SIZE": 50,
}
# API tokens (django-rest-knox): stored as SHA-512 hashes, each valid API_TOKEN_TTL_DAYS.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_TTL_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cramp trials API",
    "DESCRIPTION": (
        "Data capture and reports for a double-blind cramp trial. Authenticate with "
        "`Authorization: Token <token>` (manage.py create_api_token USER; tokens expire "
        "and are revoked when the password changes or the account is deactivated) or a "
        "session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH names the `version` it is based on: its schema keeps required fields.
    "COMPONENT_SPLIT_PATCH": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "diary.api.datamgmt.record_values_hook",
    ],
    "ENUM_NAME_OVERRIDES": {
        "ParticipantStatusEnum": "diary.api.serializers.PARTICIPANT_STATUSES",
        "CallStatusEnum": "diary.api.serializers.CALL_STATUSES",
        "ReportStatusEnum": "analysis.models.Report.Status",
        "WeekSourceEnum": "diary.declarations.choices.WeekSource",
        # The fixed values that tell the weekly call's request shapes apart.
        "ReachedYesEnum": [(True, True)],
        "ReachedNoEnum": [(False, False)],
        "NoCrampsEnum": [(0, 0)],
    },
}

# Celery: Redis when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = env("REDIS_URL", default="")
# (a host in the in-process URL keeps kombu from warning that none was given)
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A job whose worker died (killed, machine lost) is handed out again this many seconds
# after it was taken: longer than the slowest job, short enough to finish a report today.
# Dead brokers fail fast instead of hanging a request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=1800),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
}
# Periodic tasks live in the database (django-celery-beat), editable in the admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The key that seals arms in the randomization list (Fernet, urlsafe base64, 32 bytes).
ALLOCATION_KEY = env("ALLOCATION_KEY", default="")

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="trial-office@localhost")

# Stored exports, progress reports and analysis reports older than this many days are
# removed by the nightly schedules (0 keeps them all); download records are kept.
ARTIFACT_RETENTION_DAYS = env.int("ARTIFACT_RETENTION_DAYS", default=180)

# The most a data package's files may hold, uncompressed and together (import_trial):
# a folder or zip that states more is refused before anything is read, and the bytes
# are counted again as they are streamed. 2 GiB by default.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=2 * 1024**3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# The participants' electronic diary: the address links and reminders point to, text
# messages (diary.sms), reminders and the diary link's rate limits.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SMS_BACKEND = env("SMS_BACKEND", default="diary.sms.backends.console.SmsBackend")
SMS_FILE_PATH = env("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))
SMS_WEBHOOK_URL = env("SMS_WEBHOOK_URL", default="")
SMS_WEBHOOK_TOKEN = env("SMS_WEBHOOK_TOKEN", default="")
SMS_WEBHOOK_TIMEOUT = env.float("SMS_WEBHOOK_TIMEOUT", default=10.0)
SMS_SENDER = env("SMS_SENDER", default="")
# No reminder goes out between these local times (the participant's time zone).
DIARY_QUIET_HOURS = env("DIARY_QUIET_HOURS", default="21:30-08:00")
# Requests one diary link may make per hour, and requests with unknown links one client
# address may make per hour, before they are answered 429.
DIARY_LINK_RATE_PER_HOUR = env.int("DIARY_LINK_RATE_PER_HOUR", default=300)
DIARY_LINK_MISSES_PER_HOUR = env.int("DIARY_LINK_MISSES_PER_HOUR", default=20)
# Rate-limit counters: in Redis when there is one (shared by every web worker).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}
