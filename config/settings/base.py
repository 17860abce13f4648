"""Every setting of castfeed, read from the environment (django-environ).

The defaults run the whole product on one machine with nothing to install: SQLite and Celery's
filesystem broker under `var/`, media in `var/media/`. Production values (SECRET_KEY, hosts) have no
defaults once DJANGO_DEBUG is off. Each integration switches on when its variable is set.
"""

import re
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from core.typed_settings import env_group

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

# Made at start-up (core.apps.CoreConfig.ready), with the folders below it: importing settings
# creates nothing.
VAR_DIR = Path(env.str("CASTFEED_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-castfeed-never-use-in-production-0123456789")
elif not env.str("SECRET_KEY", default=""):
    raise ImproperlyConfigured("Set SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # required: no production default
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, in import order from the base up (DESIGN.md §2): each may import those above it.
    "core",
    "accounts",
    "feed",
    "cameos",
    "moderation",
    "generation",
    "web",
]

MIDDLEWARE = [
    # First: every error under /api/ and /healthz leaves in the JSON error shape, whatever DEBUG says.
    "core.middleware.ApiErrorMiddleware",
    # Then the security headers (nosniff, Referrer-Policy, Cross-Origin-Opener-Policy, HSTS and
    # X-Frame-Options), above every middleware that answers by itself: its refusals (413, 400, 503)
    # carry them like any other answer. XFrameOptionsMiddleware only sets a header on the way out.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A signed-in caller's answers (theirs alone) are kept by no cache, refusals included.
    "core.middleware.PrivateApiAnswers",
    "core.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A request that waited past QUEUE_BUDGET_MS for a worker is refused before sessions, the
    # database or the body (overload); static files above are served whatever the wait.
    "core.middleware.ShedLateRequests",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",  # Django's, with no trailing-slash redirect under /api/
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = env.str("DJANGO_ROOT_URLCONF", default="config.urls")  # benchmarks mount extra routes
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]


# --- Database -------------------------------------------------------------------------------------
def _conn_max_age(value: str) -> int | None:
    """DATABASE_CONN_MAX_AGE: seconds a connection is kept, or "none" (the default) for as long as its
    process lives. A new connection costs its first requests a new PostgreSQL backend, cold caches and
    the plans of the prepared statements made again (15 ms for the first For You page, 5-6 ms for the
    next few, against 2.7): with an age, every web process's connection expired at the same moment
    under load, and For You's p99 at 300 req/s went from 9 to 50 ms once a minute (BENCHMARKS.md
    § Feed). A connection that fails is still closed and made again at the end of its request."""
    if value.strip().lower() == "none":
        return None
    if not value.strip().isdigit():
        raise ImproperlyConfigured(f"DATABASE_CONN_MAX_AGE must be a number of seconds or 'none', not {value!r}")
    return int(value)


DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'castfeed.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", _conn_max_age(env.str("DATABASE_CONN_MAX_AGE", default="none")))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # Server-side binding lets PostgreSQL keep the plans of repeated statements (the For You query
    # plans in ~4 ms and runs in less). Turn off behind PgBouncer in transaction mode.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 3})
# A health check is a round trip (SELECT 1) at the start of every request; off by default, as in
# Django. Turn it on where connections die under the app (a restarting pooler).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DATABASE_CONN_HEALTH_CHECKS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; a busy timeout instead of
    # "database is locked" errors when both write at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("handle", "display_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache (throttling, feed pages) ----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"  # made at start-up: whitenoise expects it before the first collectstatic
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# S3-compatible storage (AWS, MinIO, R2...) when a bucket is named (docs/configuration.md § S3;
# tests/core/test_s3_media.py runs it against a real S3-compatible server).


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    addressing_style: str | None = None,
    expire_seconds: int = 600,
) -> dict[str, Any]:
    """The STORAGES["default"] entry for a private bucket: every object private (the bucket's own
    ACL), served only at SigV4-signed URLs that expire (published after `expire_seconds`, drafts after
    feed.conf's DRAFT_MEDIA_URL_SECONDS: feed.media); no object is ever overwritten."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "addressing_style": addressing_style,
            "signature_version": "s3v4",  # SigV2 presigning is refused by newer regions and MinIO
            "default_acl": None,
            "querystring_auth": True,  # private objects: signed, expiring URLs
            "querystring_expire": expire_seconds,
            "file_overwrite": False,
        },
    }


AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    if env.str("AWS_S3_CUSTOM_DOMAIN", default=""):
        # django-storages signs nothing on a custom domain without a CloudFront key pair: every
        # draft would sit at a permanent, unsigned URL.
        raise ImproperlyConfigured("AWS_S3_CUSTOM_DOMAIN is not supported: media URLs must be signed.")
    STORAGES["default"] = s3_storage(
        bucket=AWS_STORAGE_BUCKET_NAME,
        endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default=None),
        region=env.str("AWS_S3_REGION_NAME", default=None),
        access_key=env.str("AWS_ACCESS_KEY_ID", default=None),
        secret_key=env.str("AWS_SECRET_ACCESS_KEY", default=None),
        addressing_style=env.str("AWS_S3_ADDRESSING_STYLE", default=None),
        # Lifetime of a published video's signed URL (django-storages' own name for it).
        expire_seconds=env.int("AWS_QUERYSTRING_EXPIRE", default=600),
    )
# Upload handling: files above this spill to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Celery ---------------------------------------------------------------------------------------
# Default: the filesystem broker under var/, so one machine needs no broker server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    # The folders are made at start-up (core.apps.CoreConfig.ready).
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    # kombu's filesystem transport with each message written whole before a worker can take it.
    CELERY_BROKER_TRANSPORT = "core.broker:Transport"
else:
    # Unacked tasks come back after this long if their worker died (acks_late); longer than any task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Each pool process (config/celery.py warm_up): torch limited to this many threads (0: torch's own
# default, one per core), and the checking step's model (MiniLM) loaded when it starts, not on its first job.
CASTFEED_WORKER_TORCH_THREADS = env.int("CASTFEED_WORKER_TORCH_THREADS", default=1)
CASTFEED_WORKER_WARMUP = env.bool("CASTFEED_WORKER_WARMUP", default=True)
# The worker runs under Linux's SCHED_IDLE (config/celery.py lowest_priority): it gets a core only when
# no ordinary process (web, PostgreSQL) wants it. Off: the worker keeps supervisord's nice only.
CASTFEED_WORKER_IDLE_PRIORITY = env.bool("CASTFEED_WORKER_IDLE_PRIORITY", default=True)
# A render's frames and the output scan's pause while the machine's CPUs are less idle than this share
# and others than the worker (requests) are using them (core.pacing, set in each pool process by
# config/celery.py): a saturated VM has vCPUs taken away by its host. 0: never pause.
CASTFEED_WORKER_HOST_IDLE = env.float("CASTFEED_WORKER_HOST_IDLE", default=0.3)
if not 0 <= CASTFEED_WORKER_HOST_IDLE < 1:
    raise ImproperlyConfigured(
        f"CASTFEED_WORKER_HOST_IDLE must be a share of the CPUs from 0 (never pause) to below 1, "
        f"not {CASTFEED_WORKER_HOST_IDLE}"
    )
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "feed-expire-fresh": {"task": "feed.expire_fresh", "schedule": 60.0},
    # Steered For You pages take in new videos (CASTFEED_FEED_STEER_REFRESH_SECONDS).
    "feed-refresh-steers": {"task": "feed.refresh_steers", "schedule": 60.0},
    # The counts of the words video search completes a last word to (feed migration 0008).
    "feed-fold-video-words": {"task": "feed.fold_video_words", "schedule": 60.0},
    "cameos-expire-enrollments": {"task": "cameos.expire_enrollments", "schedule": 300.0},
    # Sign-ins unused for CASTFEED_ACCOUNTS_TOKEN_IDLE_DAYS (refused on use anyway; this clears the rest).
    "accounts-purge-idle-tokens": {"task": "accounts.purge_idle_tokens", "schedule": 86400.0},
    "moderation-expire-takedowns": {"task": "moderation.expire_takedowns", "schedule": 300.0},
    # Rate-limit counters of windows that have ended (database store; Redis expires its own).
    "core-sweep-rate-counters": {"task": "core.sweep_rate_counters", "schedule": 600.0},
    # Jobs whose worker died (lease run out) are queued again, and dead attempts' folders removed:
    # cheap (the partial index on status, lease_until), so often enough that a job is retaken in < 30 s.
    "generation-requeue-stale": {
        "task": "generation.requeue_stale",
        "schedule": env.float("CASTFEED_REQUEUE_EVERY", default=5.0),
        "options": {"expires": 30},
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")

# --- REST framework and the API conventions (core/) ------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserOrIPRateThrottle", "core.throttling.ScopedRateThrottle"],
    "EXCEPTION_HANDLER": "core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_PAGINATION_CLASS": None,
    # `format` is no parameter of this API: ignored as every unknown query parameter is (DRF's override
    # answered 404 on every endpoint to a `?format=` it had no renderer for). The schema's format is
    # chosen by Accept (docs/api-conventions.md § Schema).
    "URL_FORMAT_OVERRIDE": None,
}
# Every castfeed knob lives in its app's `conf.py` (a typed dataclass: type, default, meaning; see
# core.typed_settings and docs/configuration.md). Settings hold one dictionary of overrides per app,
# read from the environment as CASTFEED_<APP>_<FIELD>; a bad or unknown one stops start-up.
CASTFEED_CORE = env_group("CORE")

SPECTACULAR_SETTINGS = {
    "TITLE": "castfeed API",
    "DESCRIPTION": "Generated short videos with consented cameos. Contract: API.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "APPEND_COMPONENTS": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    },
    "SECURITY": [{"bearer": []}],
    # Every operation documents the errors any request can get (401, 429, 404, 400/413/415), all in
    # the error shape (core.apis.error_responses); views declare only their own.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.apis.error_responses"],
}

# --- Feed (feed/conf.py; docs/feed-ranking.md explains the ranking knobs) ---------------------------
CASTFEED_FEED = env_group("FEED")

# --- Cameos (cameos/conf.py; docs/liveness.md, docs/videos-of-me.md) ------------------------------
CASTFEED_CAMEOS = env_group("CAMEOS")

# --- Moderation (moderation/conf.py; docs/consent.md, docs/takedowns.md) --------------------------
CASTFEED_MODERATION = env_group("MODERATION")

# Generation (generation/conf.py): jobs, quotas, the worker's lease and scratch space, the encoder, the
# diffusers backend and the C2PA signing material.
CASTFEED_GENERATION = env_group("GENERATION")

# --- Accounts (accounts/conf.py) ------------------------------------------------------------------
CASTFEED_ACCOUNTS = env_group("ACCOUNTS")

# --- Mail (moderation.takedowns): to operators (Django's mail_admins: an overdue takedown request) ----
# --- and to a takedown requester (their request received, verified or not, decided) ----------------


def _admins(value: str) -> list[tuple[str, str]]:
    """DJANGO_ADMINS: comma-separated addresses, each `Name <address>` or a bare address, as the
    (name, address) pairs Django's ADMINS holds. Unset: no one is mailed."""
    admins = [(name, address) for name, address in getaddresses([value]) if name or address]
    if not all(re.fullmatch(r"[^@\s<>,]+@[^@\s<>,]+", address) for _, address in admins):
        raise ImproperlyConfigured(
            f"DJANGO_ADMINS must be comma-separated email addresses ('Name <a@example.org>' or 'a@example.org'), "
            f"not {value!r}"
        )
    return admins


ADMINS = _admins(env.str("DJANGO_ADMINS", default=""))
SERVER_EMAIL = env.str("DJANGO_SERVER_EMAIL", default="castfeed@localhost")  # the sender of operators' mail
# The sender of the mail to takedown requesters (people without an account); unset, the operators'.
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default=SERVER_EMAIL)
EMAIL_SUBJECT_PREFIX = "[castfeed] "
# How mail leaves: EMAIL_URL (django-environ: smtp+tls://user:password@host:587, smtp+ssl://…:465,
# consolemail://, dummymail://); unset, Django's default, SMTP on localhost:25, but in development
# (DJANGO_DEBUG, `make run`) printed to the log: a machine with no mail server sends nothing anywhere.
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# A mail server that does not answer fails the send (retried by its task) instead of holding a worker.
EMAIL_TIMEOUT = 10


def _site_url(value: str) -> str:
    """CASTFEED_SITE_URL: the address people open the site at, e.g. https://castfeed.example, which
    mail gives links under (a takedown requester's page, an overdue request's admin page): an http(s)
    URL with a host, and a path only if the site is served under one; no query, fragment or
    credentials, which a link built under it would break or give away. Kept without its trailing
    slash. Unset (""): mail names the page instead of linking it."""
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is no number, an unclosed [IPv6 bracket
        parts, port_ok = None, False
    if (
        parts is None
        or not port_ok
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or re.search(r"[?#\s]", value)
    ):
        raise ImproperlyConfigured(
            f"CASTFEED_SITE_URL must be the site's public address, an http:// or https:// URL with a host "
            f"and no query, fragment or credentials (e.g. https://castfeed.example), not {value!r}"
        )
    return value.rstrip("/")


# Unset (or empty) under `make run` (DJANGO_DEBUG): the address the development server is opened at.
CASTFEED_SITE_URL = _site_url(env.str("CASTFEED_SITE_URL", default="") or ("http://127.0.0.1:8000" if DEBUG else ""))

# --- Security (production) ------------------------------------------------------------------------
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Django's request log names the path: a takedown's tracking number in it is redacted (core.redaction).
    "filters": {"redact": {"()": "core.redaction.RedactSecretPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact"]},
        "django.server": {"filters": ["redact"]},
        "core.errors": {"filters": ["redact"]},
    },
}
