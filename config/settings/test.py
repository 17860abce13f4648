"""Settings for the test suite: the base settings, made fast and isolated."""

import os
import tempfile
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-castfeed-0123456789-abcdefghijklmnopqrstuvwxyz")
# Each test session gets its own var/ (media, filesystem broker, SQLite file) so runs never mix; so
# does each pytest-xdist worker (`make test-fast`), rather than the var/ of the run that started it.
if os.environ.get("PYTEST_XDIST_WORKER", "") != os.environ.get("CASTFEED_TEST_VAR_OF", ""):
    os.environ["CASTFEED_VAR_DIR"] = tempfile.mkdtemp(prefix="castfeed-test-")
    os.environ["CASTFEED_TEST_VAR_OF"] = os.environ.get("PYTEST_XDIST_WORKER", "")
os.environ.setdefault("CASTFEED_VAR_DIR", tempfile.mkdtemp(prefix="castfeed-test-"))
# Likewise on Redis: each pytest-xdist worker (gwN) has its own two databases (broker 2 + 2N, cache
# 3 + 2N), so the queues and keys of one worker's tests, and of the Celery workers they start (which
# inherit this environment), never meet the other's. (pytest-django gives each its own test database.)
# Redis's default 16 databases hold gw0 to gw6.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist.startswith("gw"):
    for _var, _first in (("CELERY_BROKER_URL", 2), ("REDIS_URL", 3)):
        _url = os.environ.get(_var, "")
        if _url.startswith("redis://"):
            os.environ[_var] = urlsplit(_url)._replace(path=f"/{_first + 2 * int(_xdist[2:])}").geturl()

from .base import *  # noqa: F403, E402 - after the environment is set up above
from .base import CASTFEED_FEED, CASTFEED_MODERATION, DATABASES, LOGGING, VAR_DIR, env  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never in base
SECURE_SSL_REDIRECT = False
# Tasks run in the test process unless a test starts a real worker (tests/worker.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not ":memory:", so a real worker process started by a test can open the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# Every decision reads the registry's version: a test's rolled-back registry must not linger.
CASTFEED_MODERATION = {**CASTFEED_MODERATION, "REGISTRY_POLL_S": "0"}  # parsed as the field's float
# Publishing does not embed the video (MiniLM) unless a test turns it on (tests/feed/test_steer.py):
# hundreds of tests publish, and only steering reads embeddings.
CASTFEED_FEED = {**CASTFEED_FEED, "EMBED_VIDEOS": "false"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Quieter, with the same redaction of secrets (core.redaction), which tests/core/test_access_log.py checks.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "WARNING"},
    "filters": LOGGING["filters"],
    "loggers": {name: {"filters": ["redact"]} for name in ("django.request", "django.server", "core.errors")},
}
