"""Shared fixtures: people made through the real services, API clients signed in as them, and the
switch that turns skipped service-backed tests into failures in CI."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import shutil
import time
from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User

PASSWORD = "correct-horse-battery-staple"
REQUIRE_SERVICES = os.environ.get("CASTFEED_REQUIRE_SERVICES") == "1"

pytest_plugins = ["tests.worker"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI (CASTFEED_REQUIRE_SERVICES=1) a skipped test is a failure: a test that needs
    PostgreSQL, Redis or a worker must run, not quietly vanish."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped while CASTFEED_REQUIRE_SERVICES=1: {report.longrepr}"


# --- which tests run here --------------------------------------------------------------------------
# Each marker names something a test needs from its surroundings. Whether it is here is decided from the
# environment, once, in pytest_collection_modifyitems below: a test whose needs are not met is skipped
# with the reason (a failure under CASTFEED_REQUIRE_SERVICES=1, see pytest_runtest_makereport).

CHROMIUM = os.environ.get("CASTFEED_CHROMIUM", "/usr/bin/chromium")


def _is_redis(url: str) -> bool:
    return url.startswith(("redis://", "rediss://"))


def unmet_needs() -> dict[str, str]:
    """marker -> why its tests cannot run here; a marker not listed has what it needs."""
    unmet: dict[str, str] = {}
    if connection.vendor != "postgresql":
        unmet["postgres"] = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if not _is_redis(os.environ.get("REDIS_URL", "")):
        unmet["redis"] = "needs Redis (set REDIS_URL=redis://...)"
    if os.environ.get("CASTFEED_TEST_NO_WORKER") == "1":
        unmet["worker"] = "starts a Celery worker process (CASTFEED_TEST_NO_WORKER=1 says not here)"
    if shutil.which(CHROMIUM) is None:
        unmet["browser"] = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if not os.environ.get("CASTFEED_TEST_S3_ENDPOINT"):
        unmet["s3"] = "needs an S3-compatible server (set CASTFEED_TEST_S3_ENDPOINT; .ci/services.sh start)"
    return unmet


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The one place that decides which collected tests run here.

    A test marked with a need the environment does not meet (postgres, redis, worker, browser, s3) is
    skipped with the reason; a test that uses the `celery_worker` fixture counts as marked `worker`
    (and `slow`). CASTFEED_DB_TESTS_ONLY=1 (CI's second pass, on another database and
    broker) keeps only the tests that touch the database: the others (pure media, ML and text code)
    cannot behave differently there, and the first pass ran them already. It leaves out those marked
    `media` too: their subject is such code, run through jobs whose rows are all they store."""
    unmet = unmet_needs()
    for item in items:
        if "celery_worker" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("worker"):
            item.add_marker(pytest.mark.worker)  # a test that starts a worker needs one, marked or not
            item.add_marker(pytest.mark.slow)
        for marker, reason in unmet.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))
                break
    if os.environ.get("CASTFEED_DB_TESTS_ONLY") != "1":
        return
    keep, drop = [], []
    for item in items:
        uses_db = {"db", "transactional_db"} & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "django_db"
        )
        (keep if uses_db and not item.get_closest_marker("media") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Each test writes media into its own folder, so tests can assert on what is left behind."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    from core import memo, throttling
    from moderation.selectors import forget_name_index

    cache.clear()
    throttling.forget_redis_counters()  # rate-limit counters never leak from one test to another
    memo.clear_all()
    forget_name_index()


@pytest.fixture
def tasks_retried() -> Iterator[None]:
    """The tasks, run in-process (eagerly), retried as a worker retries them: a task's retry runs it
    again instead of raising out of whatever queued it. Only in-process: a retry's wait is skipped."""
    from config.celery import app

    propagates, app.conf.task_eager_propagates = app.conf.task_eager_propagates, False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = propagates


_handles = itertools.count(1)


@pytest.fixture
def mid_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """The rate limits' clock held in the middle of a minute and of an hour (so of a day too), so a
    short burst of requests never straddles two fixed windows (core.throttling counts per window).
    Returns it."""
    import types

    now = float(int(time.time()) // 3600 * 3600 + 1830)
    monkeypatch.setattr("core.throttling.time", types.SimpleNamespace(time=lambda: now))
    return now


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(
        handle: str | None = None,
        *,
        birthdate: dt.date | None = dt.date(1990, 5, 17),
        password: str = PASSWORD,
        display_name: str = "",
    ) -> User:
        return services.user_register(
            handle=handle or f"person{next(_handles)}",
            password=password,
            birthdate=birthdate,
            display_name=display_name,
        )

    return make


@pytest.fixture
def support(make_user: Callable[..., User]) -> Client:
    """A browser session of a support operator (staff, superuser), signed in to the admin."""
    staff = make_user("support.one")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def client_of() -> Callable[[User | None], APIClient]:
    """An API client signed in as `user` (anonymous for None)."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {services.token_issue(user=user)}")
        return client

    return make


@pytest.fixture
def me(make_user: Callable[..., User]) -> User:
    return make_user("me.myself", display_name="Me Myself")


@pytest.fixture
def other(make_user: Callable[..., User]) -> User:
    return make_user("other.person", display_name="Other Person")


@pytest.fixture
def blocker(make_user: Callable[..., User], me: User) -> User:
    """Someone who has blocked `me`."""
    user = make_user("the.blocker")
    services.block_create(blocker=user, blocked=me)
    return user


@pytest.fixture
def api(client_of: Callable[[User | None], APIClient], me: User) -> APIClient:
    return client_of(me)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def make_video(db: None):  # type: ignore[no-untyped-def]
    """A real (tiny) video by `author` through the feed services; published unless told otherwise."""
    from django.core.files.base import ContentFile

    from feed import services as feed_services
    from tests.media import tiny_jpeg, tiny_mp4

    def make(  # type: ignore[no-untyped-def]
        author: User,
        *,
        publish: bool = True,
        people: tuple[User, ...] = (),
        caption: str = "",
        prompt: str = "",
        remix_of=None,
    ):
        video = feed_services.video_create(
            author=author,
            media=ContentFile(tiny_mp4()),
            poster=ContentFile(tiny_jpeg()),
            duration_ms=500,
            width=64,
            height=112,
            caption=caption,
            prompt=prompt,
            remix_of=remix_of,
            people=people,
        )
        if publish:
            video = feed_services.video_publish(video=video)
        return video

    return make


@pytest.fixture
def activate_cameo(db, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Give `user` an active cameo (a random template unless one is given), as enrollment would."""
    from cameos import services
    from tests.enroll import finish_enrollment, random_template

    def activate(user, template=None, *, audience=None):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            cameo = finish_enrollment(user, template=random_template(user.pk) if template is None else template)
            if audience:  # before the scan of existing videos runs (at commit): it asks the authors it may
                services.cameo_update(owner=user, audience=audience)
                cameo.refresh_from_db()
        return cameo

    return activate
