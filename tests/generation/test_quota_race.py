"""The generation quotas hold when one person submits many jobs at once: 16 requests in 16 threads,
each with its own client and database connection, against committed data (SQLite with IMMEDIATE
transactions by default; PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts import services as accounts
from generation import tasks
from generation.models import GenerationJob
from tests.races import in_thread

URL = "/api/v1/generations"
THREADS = 16

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def queued(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """The job ids sent to the generation queue (no worker runs them here: active jobs stay active)."""
    sent: list[str] = []
    monkeypatch.setattr(tasks.run_job, "apply_async", lambda args, **kwargs: sent.append(args[0]))
    return sent


def submit_at_once(user: Any, count: int = THREADS) -> list[Any]:
    """`count` submits by `user`, released together; each thread has its own client and connection."""
    clients = []
    for _ in range(count):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {accounts.token_issue(user=user)}")
        clients.append(client)
    start = threading.Barrier(count)
    responses: list[Any] = [None] * count

    def post(i: int) -> None:
        start.wait()
        responses[i] = clients[i].post(URL, {"prompt": f"a red kite number {i}", "duration_s": 2}, format="json")

    threads = [in_thread(lambda i=i: post(i)) for i in range(count)]
    for thread in threads:
        thread.join(timeout=120)
    return responses


def test_concurrent_submits_never_exceed_the_jobs_in_progress(make_user, settings, queued):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 3, "DAILY_JOBS": 100}
    me = make_user("busy.bee")
    responses = submit_at_once(me)

    codes = sorted(r.status_code for r in responses)
    assert codes == [202] * 3 + [429] * (THREADS - 3)
    refused = [r.json() for r in responses if r.status_code == 429]
    assert {body["error"] for body in refused} == {"quota_exceeded"}
    assert all(body["retry_after"] >= 1 for body in refused)
    jobs = GenerationJob.objects.filter(author=me)
    assert jobs.count() == 3 and sorted(queued) == sorted(str(pk) for pk in jobs.values_list("pk", flat=True))


def test_concurrent_submits_never_exceed_the_daily_quota(make_user, settings, queued):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 100, "DAILY_JOBS": 2}
    me = make_user("eager.beaver")
    responses = submit_at_once(me)

    assert sorted(r.status_code for r in responses) == [202] * 2 + [429] * (THREADS - 2)
    assert {r.json()["error"] for r in responses if r.status_code == 429} == {"quota_exceeded"}
    assert GenerationJob.objects.filter(author=me).count() == 2 and len(queued) == 2


def test_one_persons_quota_does_not_hold_back_another(make_user, settings, queued):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 1, "DAILY_JOBS": 100}
    first, second = make_user("first.author"), make_user("second.author")
    assert sorted(r.status_code for r in submit_at_once(first, 4)) == [202, 429, 429, 429]
    assert sorted(r.status_code for r in submit_at_once(second, 4)) == [202, 429, 429, 429]
    assert GenerationJob.objects.filter(author=second).count() == 1
