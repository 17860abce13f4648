"""The worker serves the queues tasks are sent to, and no other: a queue no task is routed to (the
`media` queue once) is one an operator would run and scale workers for, waiting on nothing."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "cameos", "core", "feed", "generation", "moderation")
# Where a worker is started with its queues: `make run`'s, the tests' and the benchmarks' workers.
STARTERS = (
    "config/supervisord.conf",
    "tests/worker.py",
    "tests/web/conftest.py",
    "benchmarks/through_worker.py",
    "benchmarks/generation.py",
    "benchmarks/worker_takeover.py",
)


def routed() -> set[str]:
    """The default queue, the queues of CELERY_TASK_ROUTES and every `queue="…"` the apps send to."""
    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    queues |= {route["queue"] for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values()}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            queues |= set(re.findall(r"\bqueue=\"([\w.-]+)\"", path.read_text()))
    return queues


def test_the_worker_serves_exactly_the_queues_tasks_are_sent_to():
    command = (ROOT / "config/supervisord.conf").read_text()
    served = re.findall(r"--queues ([\w.,-]+)", command)
    assert [set(q.split(",")) for q in served] == [routed()]  # `make run`'s one worker: all of them


def test_every_worker_the_tests_and_benchmarks_start_serves_only_queues_tasks_are_sent_to():
    queues = routed()
    for starter in STARTERS:
        text = (ROOT / starter).read_text()
        lists = re.findall(r"\"((?:default|generation)(?:,[\w-]+)*)\"|--queues ([\w.,-]+)", text)
        named = {q for pair in lists for joined in pair if joined for q in joined.split(",")}
        assert named, starter
        assert named <= queues, (starter, named - queues)
