"""Settings for the test suite: the base settings, made fast and isolated."""

import os
import tempfile

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "test-secret-key-castfeed-0123456789-abcdefghijklmnopqrstuvwxyz")
# Each test session gets its own var/ (media, filesystem broker, SQLite file) so runs never mix; so
# does each pytest-xdist worker (`make test-fast`), rather than the var/ of the run that started it.
if os.environ.get("PYTEST_XDIST_WORKER", "") != os.environ.get("CASTFEED_TEST_VAR_OF", ""):
    os.environ["CASTFEED_VAR_DIR"] = tempfile.mkdtemp(prefix="castfeed-test-")
    os.environ["CASTFEED_TEST_VAR_OF"] = os.environ.get("PYTEST_XDIST_WORKER", "")
os.environ.setdefault("CASTFEED_VAR_DIR", tempfile.mkdtemp(prefix="castfeed-test-"))

from .base import *  # noqa: F403
from .base import CASTFEED_FEED, CASTFEED_MODERATION, DATABASES, VAR_DIR, env

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
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
