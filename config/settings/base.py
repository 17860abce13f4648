"""Every setting of castfeed, read from the environment (django-environ).

The defaults run the whole product on one machine with nothing to install: SQLite and Celery's
filesystem broker under `var/`, media in `var/media/`. Production values (SECRET_KEY, hosts) have no
defaults once DJANGO_DEBUG is off. Each integration switches on when its variable is set.
"""

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env") if (BASE_DIR / ".env").exists() else None

VAR_DIR = Path(env.str("CASTFEED_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

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
    "core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.CommonMiddleware",  # Django's, with no trailing-slash redirect under /api/
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'castfeed.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
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
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it before the first collectstatic
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
    CASTFEED_DRAFT_MEDIA_URL_SECONDS: feed.media); no object is ever overwritten."""
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
        expire_seconds=env.int("MEDIA_URL_EXPIRE_SECONDS", default=600),
    )
# Upload handling: files above this spill to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Whole request bodies above this are refused with 413 before anything reads them; JSON bodies
# have their own, smaller cap (core.parsers).
CASTFEED_MAX_REQUEST_BYTES = env.int("CASTFEED_MAX_REQUEST_BYTES", default=25 * 1024 * 1024)
CASTFEED_MAX_JSON_BYTES = env.int("CASTFEED_MAX_JSON_BYTES", default=64 * 1024)

# --- Celery ---------------------------------------------------------------------------------------
# Default: the filesystem broker under var/, so one machine needs no broker server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
else:
    # Unacked tasks come back after this long if their worker died (acks_late); longer than any task.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "feed-expire-fresh": {"task": "feed.expire_fresh", "schedule": 60.0},
    "cameos-expire-enrollments": {"task": "cameos.expire_enrollments", "schedule": 300.0},
    "moderation-expire-takedowns": {"task": "moderation.expire_takedowns", "schedule": 300.0},
    # Rate-limit counters of windows that have ended (database store; Redis expires its own).
    "core-sweep-rate-counters": {"task": "core.sweep_rate_counters", "schedule": 600.0},
    # Jobs whose worker died (lease run out) are queued again, and dead attempts' folders removed:
    # cheap (the partial index on status, lease_until), so often enough that a job is retaken in < 30 s.
    "generation-requeue-stale": {
        "task": "generation.requeue_stale",
        "schedule": env.float("GENERATION_REQUEUE_EVERY", default=5.0),
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
}
# Requests per period for each throttle scope ("<n>/<second|minute|hour|day>"). Read at request
# time, so tests and operators can change them without a restart of the class machinery.
CASTFEED_THROTTLE_RATES = {
    "default": env.str("THROTTLE_DEFAULT", default="1200/minute"),
    "register": env.str("THROTTLE_REGISTER", default="20/hour"),
    "sign_in": env.str("THROTTLE_SIGN_IN", default="30/minute"),
    "social": env.str("THROTTLE_SOCIAL", default="300/hour"),
    "comments": env.str("THROTTLE_COMMENTS", default="60/hour"),
    "reports": env.str("THROTTLE_REPORTS", default="30/hour"),
    "enrollment": env.str("THROTTLE_ENROLLMENT", default="20/hour"),
    "consent_check": env.str("THROTTLE_CONSENT_CHECK", default="600/hour"),
    "generation": env.str("THROTTLE_GENERATION", default="120/hour"),
    "takedowns": env.str("THROTTLE_TAKEDOWNS", default="20/hour"),  # per client address, no account
    "takedowns_status": env.str("THROTTLE_TAKEDOWNS_STATUS", default="300/hour"),
}
CASTFEED_PAGE_SIZE = 20
CASTFEED_MAX_PAGE_SIZE = 100

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

# --- Feed (docs/feed-ranking.md explains each knob) -------------------------------------------------
CASTFEED_FEED = {
    # hot_score = ln(1 + engagement) + published_epoch / TAU: a video needs e times the engagement
    # to rank level with one TAU seconds younger.
    "TAU_SECONDS": env.float("FEED_TAU_SECONDS", default=8 * 3600),
    "WEIGHT_LIKE": 1.0,
    "WEIGHT_COMPLETED_VIEW": 2.0,
    "WEIGHT_COMMENT": 3.0,
    "WEIGHT_REMIX": 4.0,
    # Closeness and freshness, in the same log units (a boost of 1.0 = e times the engagement).
    "BOOST_MUTUAL": 2.0,
    "BOOST_FOLLOWING": 1.5,
    "BOOST_SHOWS_FOLLOWED": 1.0,
    # Freshness is a bonus stored in hot_score while a video is new; feed.expire_fresh removes it.
    "BOOST_FRESH": 1.0,
    "FRESH_SECONDS": 24 * 3600,
    "MAX_IN_A_ROW": 2,
    # Rows read per stream per page, as a multiple of the page size (room for de-duplication and
    # author diversity without a second round trip).
    "OVERFETCH": 2,
    # How long a rendered video body is reused across viewers' For You pages, per process (counts
    # and captions may lag this much; who sees what is always decided fresh).
    "BODY_CACHE_SECONDS": env.float("FEED_BODY_CACHE_SECONDS", default=10.0),
}
# Lifetime of a signed URL to a draft's media (drafts are never at a stable or guessable URL).
CASTFEED_DRAFT_MEDIA_URL_SECONDS = env.int("DRAFT_MEDIA_URL_SECONDS", default=600)
# Ceilings for view events: a report beyond these is refused as absurd.
CASTFEED_MAX_WATCH_MS = 6 * 3600 * 1000

# --- Cameos (docs/liveness.md) ----------------------------------------------------------------------
CASTFEED_ENROLLMENT = {
    "CHALLENGE_SECONDS": 180,
    "MAX_BYTES": 20 * 1024 * 1024,
    "MIN_SECONDS": 2.0,
    "MAX_SECONDS": 15.0,
    "MAX_SIDE": 1920,
    # Caps on decoding an upload (enrollment video, takedown selfie), checked from the headers before
    # any frame is decoded, then again while the worker decodes (cameos.likeness.video.Caps: the
    # decoder may not allocate a frame over MAX_SIDE², every frame's long side ≤ MAX_SIDE, at most
    # MAX_FRAMES frames, a wall-clock deadline). Over a cap: 400 at upload, `rejected` in the worker.
    "MAX_FRAMES": 1000,  # 15 s at 60 fps, with room
    "DECODE_SECONDS": 60.0,  # under verify_enrollment's soft time limit (120 s)
    "CODECS": ["h264", "hevc", "vp8", "vp9", "av1"],  # what phones and browsers' MediaRecorder send
    "SAMPLE_FPS": 8.0,  # frames examined per second of video
    "STALE_SECONDS": 3600,  # a verification not finished by then is rejected and its upload deleted
    "REQUEST_COOLDOWN_SECONDS": 7 * 86400,  # before asking again after a denial or a revocation
    "RESTRICTIONS": {"MAX_ITEMS": 10, "MAX_LENGTH": 80},
    "RULES": {},  # overrides of cameos.likeness.enrollment.Rules (thresholds of the check)
}
CASTFEED_TAKEDOWNS = {
    "CHALLENGE_SECONDS": 300,  # the selfie's head poses must be answered within this
    "DUE_HOURS": 48,  # a reviewer decides within this (the TAKE IT DOWN Act's 48 hours)
    "PER_EMAIL": env.str("TAKEDOWN_PER_EMAIL", default="5/day"),  # requests per contact address
    # A selfie matches a video's face track or a cameo at this cosine (SFace); matched published
    # videos are only hidden until a person reviews them, so a false match costs a short delay.
    "MATCH_THRESHOLD": env.float("TAKEDOWN_MATCH_THRESHOLD", default=0.5),
}
CASTFEED_FACES = {
    # SFace cosine similarity. Its published same-person threshold is 0.363 on LFW pairs (1:1). A
    # 1:N search expects gallery size × false-match rate false hits per probe, so a stricter point:
    # on our impostor pairs the highest score was far below 0.5 (BENCHMARKS.md § Likeness); 0.5 keeps
    # the measured false-match rate at 0 while genuine pairs across poses stay above it.
    "MATCH_THRESHOLD": env.float("FACE_MATCH_THRESHOLD", default=0.5),
    # An enrollment whose template matches another account's active cameo this closely is refused.
    "DUPLICATE_THRESHOLD": env.float("FACE_DUPLICATE_THRESHOLD", default=0.5),
    # A face this similar to a protected person's reference photo is theirs (moderation.selectors.
    # protected_face_matches: uploads, generated frames, enrollments). The same operating point as a
    # cameo match: the registry is searched 1:N like the gallery, with a few photos per person.
    "PROTECTED_THRESHOLD": env.float("FACE_PROTECTED_THRESHOLD", default=0.5),
    # "Videos of me" (DESIGN.md §1 promise 7; docs/videos-of-me.md § Possible matches, which has the
    # derivation; benchmarks/false_match.py measures it). A face track at MATCH_THRESHOLD or above is
    # only a possible match (shown without anything of the video, not deletable, its author asked);
    # it reveals the video (media, poster, author) and lets the person delete it only when it passes
    # all four. Expected false hits of one scan of N tracks = N × FMR(t); the promise is at most 0.01
    # at 1M tracks, so FMR(t) ≤ 1e-8, read from a generalized-Pareto fit of the impostor tail (644k
    # pairs of rendered track templates; the fit's 95% bootstrap upper bound): 845 per scan at 0.5.
    # Published: 0.80 → 0.0048 per scan (0.0089 with an exponential tail): a false hit there gives
    # delete rights on a public video. Drafts, stricter (private media, and model-proof): 0.82 →
    # 0.0021 (exponential tail 0.0041). A genuine track misses (stays a possible match) at 0.80/0.82:
    # real faces 4%/6%, the blurrier rendered GAN faces 29%/34%.
    "REVEAL_PUBLISHED_THRESHOLD": env.float("FACE_REVEAL_PUBLISHED_THRESHOLD", default=0.8),
    "REVEAL_DRAFT_THRESHOLD": env.float("FACE_REVEAL_DRAFT_THRESHOLD", default=0.82),
    # Closer to the person than to any other enrolled cameo by this much: with the face's owner
    # enrolled, no impostor pair of the benchmark passed it, even at 0.5; it costs < 0.5% of genuine
    # tracks at the bars above.
    "REVEAL_MARGIN": env.float("FACE_REVEAL_MARGIN", default=0.1),
    # The quality gate: a track seen in fewer sampled frames (SCAN_FPS 4: under a second) never
    # reveals; single frames score genuine faces lower (p10 0.68 vs 0.70 for whole tracks).
    "TRACK_MIN_FRAMES": env.int("FACE_TRACK_MIN_FRAMES", default=4),
    # pgvector HNSW candidates per query (recall vs. latency: BENCHMARKS.md § Gallery).
    "EF_SEARCH": env.int("FACE_EF_SEARCH", default=100),
}
CASTFEED_CONSENT = {
    "MAX_CAMEOS": env.int("CONSENT_MAX_CAMEOS", default=3),  # people (cameos) in one video
    # A face in an uploaded image that is no cameo is a real, unenrolled person: refused.
    "REFUSE_UNKNOWN_FACES": env.bool("CONSENT_REFUSE_UNKNOWN_FACES", default=True),
    # Workers: a prompt breaks a restriction when all-MiniLM-L6-v2 puts it closer to "someone <the
    # restriction's subject>" than to any neutral sentence about someone by this much (BENCHMARKS.md).
    "RESTRICTION_LIFT": 0.02,
    # Workers: a prompt describes a protected person when some window of it is at least this similar
    # to their registry description (MiniLM), and closer by the margin than to any generic role ("a
    # president", "a singer"); chosen on tests/data/names_*.jsonl (BENCHMARKS.md § Protected people).
    "DESCRIPTION_THRESHOLD": env.float("CONSENT_DESCRIPTION_THRESHOLD", default=0.65),
    "DESCRIPTION_MARGIN": env.float("CONSENT_DESCRIPTION_MARGIN", default=0.1),
    # How often a process re-reads the registry's version (names, descriptions, faces): a change made
    # elsewhere applies within this many seconds; saves a query on every gate decision.
    "REGISTRY_POLL_S": env.float("CONSENT_REGISTRY_POLL_S", default=1.0),
    "SCAN_FPS": 4.0,  # frames per second the output scan looks at
    "SCAN_MAX_SIDE": 640,
}
CASTFEED_POLICY = {
    # The meaning-based pass (workers): a category is flagged when the prompt is at least this close to
    # one of its descriptions, and closer by MARGIN than to any everyday prompt (BENCHMARKS.md).
    "SEMANTIC_THRESHOLD": 0.40,
    "SEMANTIC_MARGIN": 0.05,
}
CASTFEED_GENERATION = {
    "BACKEND": env.str("GENERATION_BACKEND", default="composite"),  # composite | diffusers
    "FPS": 24,
    # Output size per aspect (width, height): at least 576×1024 for 9:16.
    "SIZES": {"9:16": (576, 1024), "1:1": (768, 768), "16:9": (1024, 576)},
    "MIN_SECONDS": 2,
    "MAX_SECONDS": 10,
    "MAX_PROMPT_CHARS": 1000,
    # Uploaded image (image-to-video): bytes, pixels (decompression bombs are refused before decoding).
    "IMAGE_MAX_BYTES": 10 * 1024 * 1024,
    "IMAGE_MAX_PIXELS": 24_000_000,
    "DAILY_JOBS": env.int("GENERATION_DAILY_JOBS", default=50),
    "CONCURRENT_JOBS": env.int("GENERATION_CONCURRENT_JOBS", default=3),
    "X264_PRESET": env.str("GENERATION_X264_PRESET", default="veryfast"),
    "X264_CRF": env.int("GENERATION_X264_CRF", default=23),
    # A worker's lease on its job, renewed every third of it by a background thread while it works: a
    # job whose worker died is handed to another after this (plus the requeue sweep, every 5 s).
    "STALE_SECONDS": env.int("GENERATION_STALE_SECONDS", default=15),
    # A job queued this long with no worker taking it (a lost broker message) is sent again.
    "QUEUED_RESEND_SECONDS": env.int("GENERATION_QUEUED_RESEND_SECONDS", default=120),
    # Workers' scratch space: each attempt's folder (jobs/<job>.<attempt>) and each worker process's
    # temporary files (worker-<host>-<pid>/), removed when done and, after a crash, by the sweep.
    "WORK_DIR": Path(env.str("CASTFEED_WORK_DIR", default=str(VAR_DIR / "tmp"))),
    "TASK_TIME_LIMIT": env.int("GENERATION_TASK_TIME_LIMIT", default=900),
}
# diffusers backend: a pipeline saved with save_pretrained() in a local folder (never downloaded).
CASTFEED_DIFFUSERS = {
    "PATH": env.str("DIFFUSERS_PIPELINE_PATH", default=""),
    "DEVICE": env.str("DIFFUSERS_DEVICE", default="cpu"),  # cuda on GPU workers
    "STEPS": env.int("DIFFUSERS_STEPS", default=25),
    "DTYPE": env.str("DIFFUSERS_DTYPE", default="float32"),  # float16 / bfloat16 on GPU
}
# C2PA Content Credentials: a certificate chain (PEM, leaf first) and its private key. Unset: a
# development CA and signing certificate are made on first use under var/c2pa/ (not trusted by
# anyone else; readers must be given the CA as a trust anchor).
CASTFEED_C2PA = {
    "CERT_CHAIN": env.str("C2PA_CERT_CHAIN", default=""),
    "PRIVATE_KEY": env.str("C2PA_PRIVATE_KEY", default=""),
    "TRUST_ANCHORS": env.str("C2PA_TRUST_ANCHORS", default=""),
    "DEV_DIR": VAR_DIR / "c2pa",
    "CLAIM_GENERATOR": "castfeed/0.1",
}
# Fernet keys for reference crops at rest (comma-separated; the first encrypts, all decrypt).
CASTFEED_CROP_KEYS = env.list("CAMEO_CROP_KEYS", default=[])

# --- Accounts -------------------------------------------------------------------------------------
CASTFEED_ADULT_AGE = 18
CASTFEED_MINIMUM_AGE = 13
# Handles that would read as the product or a route, never given to a person.
CASTFEED_RESERVED_HANDLES = frozenset(
    env.list(
        "CASTFEED_RESERVED_HANDLES",
        default=[
            "admin",
            "administrator",
            "api",
            "castfeed",
            "support",
            "help",
            "me",
            "root",
            "staff",
            "system",
            "moderator",
            "security",
            "official",
            "null",
            "undefined",
            "settings",
            "about",
        ],
    )
)

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
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
