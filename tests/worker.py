"""A real Celery worker process for the tests that need one.

It runs the project's own `celery -A config worker` against the test database and the configured
broker (Redis in CI, the filesystem broker by default). Tests that use it need committed data, so
they also request `transactional_db`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_all(self) -> None:
        """SIGKILL the worker and its pool processes at once: a machine dying mid-job."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def stop(self, sig: int = 15) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for(
    predicate: Callable[[], object], timeout: float = 30.0, interval: float = 0.1, worker: Worker | None = None
) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    log = f"\n--- worker log ---\n{worker.output()[-4000:]}" if worker else ""
    raise AssertionError(f"condition not met within {timeout}s{log}")


def _env(settings, extra_env: dict[str, str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        # A pool process does not load MiniLM when it starts (config/celery.py; tested alone in
        # tests/core/test_worker_warmup.py): a job that needs it loads it, and the many tests whose jobs
        # do not are spared seconds of CPU each.
        "CASTFEED_WORKER_WARMUP": "0",
        # The ordinary scheduling policy, not make run's SCHED_IDLE (config/celery.py; tested alone in
        # tests/core/test_worker.py): a test waits on its worker while other tests' processes may hold
        # both cores, and a worker that runs only on idle cores would make those waits flaky.
        "CASTFEED_WORKER_IDLE_PRIORITY": "0",
        # For the same reason no pausing for the host's idle time (core.pacing; tested in
        # tests/core/test_pacing.py and tests/core/test_worker_warmup.py).
        "CASTFEED_WORKER_HOST_IDLE": "0",
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CASTFEED_VAR_DIR": str(settings.VAR_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }


def start_beat(settings, log: Path, **extra_env: str) -> Worker:  # type: ignore[no-untyped-def]
    """The project's Celery beat (the periodic tasks, the requeue sweep among them), as `make run`
    starts it; its schedule file next to its log."""
    process = subprocess.Popen(  # noqa: S603 - our own scheduler
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
         "--schedule", str(log.with_suffix(".schedule"))],
        cwd=ROOT,
        env=_env(settings, extra_env),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    beat = Worker(process, log)
    wait_for(lambda: "Sending due task" in beat.output() or process.poll() is not None, timeout=60, worker=beat)
    if process.poll() is not None:
        raise AssertionError(f"beat failed to start:\n{beat.output()[-4000:]}")
    return beat


def start_worker(settings, log: Path, **extra_env: str) -> Worker:  # type: ignore[no-untyped-def]
    """A worker process (in its own process group, so a test can kill it with its children)."""
    env = _env(settings, extra_env)
    process = subprocess.Popen(  # noqa: S603 - our own worker
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            "default,generation",
            "--concurrency",
            "1",
            "--pool",
            "prefork",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = Worker(process, log)
    wait_for(lambda: " ready." in worker.output() or process.poll() is not None, timeout=60, worker=worker)
    if process.poll() is not None:
        raise AssertionError(f"worker failed to start:\n{worker.output()[-4000:]}")
    return worker


@pytest.fixture
def celery_worker(transactional_db: None, tmp_path: Path, settings) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """Start a worker serving every queue; tasks sent during the test go through the broker to it."""
    purge_queues()
    worker = start_worker(settings, tmp_path / "worker.log")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield worker
    finally:
        celery_app.conf.task_always_eager = eager
        worker.stop(signal.SIGQUIT)  # cold shutdown: the test is over, nothing to finish


def purge_queues() -> None:
    """Nothing left over from an earlier test."""
    with celery_app.connection_for_write() as conn:
        for queue in ("default", "generation"):
            conn.default_channel.queue_purge(queue) if _queue_exists(conn, queue) else None


def _queue_exists(conn, queue: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        conn.default_channel.queue_declare(queue=queue, passive=True)
    except Exception:  # absent queue: nothing to purge
        return False
    return True
