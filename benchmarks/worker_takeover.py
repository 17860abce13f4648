"""A worker killed mid-job: how long until another worker takes the job again, and until it is done.

    .venv/bin/python benchmarks/worker_takeover.py --runs 5              # the embedded default
    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... \\
        .venv/bin/python benchmarks/worker_takeover.py --runs 5          # and on PostgreSQL + Redis

Two real Celery workers (concurrency 1) and one Celery beat run as `make run` runs them, with the
default lease and requeue sweep: one serves every queue, the other is idle on every queue but
`generation`. A 10 s, 9:16 job is submitted; once it renders, the first worker is SIGKILLed with its
pool (its process group) and the idle one is told to consume `generation` (a broadcast). Measured
from the kill: the job claimed again (attempts + 1), and the job ready. The killed worker comes back
as the idle one before the next run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _worker(name: str, folder: Path, queues: str) -> subprocess.Popen[bytes]:
    log = folder / f"{name}.log"
    process = _start(
        ["worker", "-Q", queues, "-c", "1", "--without-gossip", "--without-mingle",
         "--hostname", f"{name}@%h", "--loglevel", "INFO"],
        log,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while " ready." not in _log(folder, name):
        if time.monotonic() > deadline or process.poll() is not None:
            raise SystemExit(f"worker {name} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process


def _log(folder: Path, name: str) -> str:
    """The worker's log since it was last started."""
    return (folder / f"{name}.log").read_text(errors="replace").split("--- start ---")[-1]


def _wait(predicate, timeout: float, what: str) -> float:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise SystemExit(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.05)
    return time.monotonic() - start


def bench(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="castfeed-takeover-"))
    os.environ.update(CASTFEED_VAR_DIR=str(folder / "var"), MEDIA_ROOT=str(folder / "media"))
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder / 'db.sqlite3'}")
    os.environ.update(CASTFEED_GENERATION_DAILY_JOBS="100000", CASTFEED_GENERATION_CONCURRENT_JOBS="1000")
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from accounts import services as accounts
    from accounts.models import User
    from generation import services
    from generation.conf import conf
    from generation.models import GenerationJob

    call_command("migrate", verbosity=0)
    author = User.objects.filter(handle="takeover.author").first() or accounts.user_register(
        handle="takeover.author",
        password="a-long-password-1",  # noqa: S106 - a bench account
        birthdate=None,
    )
    User.objects.filter(pk=author.pk).update(birthdate=dt.date(1990, 1, 1))
    author.refresh_from_db()
    beat_every = settings.CELERY_BEAT_SCHEDULE["generation-requeue-stale"]["schedule"]
    print(f"broker {settings.CELERY_BROKER_URL.split('://')[0]}, database {settings.DATABASES['default']['ENGINE']}")
    lease = conf().stale_seconds
    print(f"lease {lease} s (renewed every {lease / 3:.0f} s), sweep every {beat_every} s")

    from config.celery import app

    holder, standby = "a", "b"
    workers = {
        holder: _worker(holder, folder, "default,generation"),
        standby: _worker(standby, folder, "default"),
    }
    beat = _start(["beat", "--schedule", str(folder / "beat-schedule"), "--loglevel", "WARNING"], folder / "beat.log")
    retake, finish = [], []
    try:
        for i in range(runs):
            job, _ = services.job_submit(author=author, prompt=f"a lighthouse in a storm, take {i}", duration_s=10)
            job_id = job.pk
            jobs = GenerationJob.objects.filter(pk=job_id)
            _wait(lambda: jobs.get().status == "running", 180, "the job rendering")  # noqa: B023
            time.sleep(1.0)  # well inside the render
            os.killpg(workers[holder].pid, signal.SIGKILL)
            workers[holder].wait()
            killed = time.monotonic()
            app.control.add_consumer("generation", destination=[f"{standby}@{socket.gethostname()}"])
            _wait(lambda: jobs.get().attempts >= 2, 300, "the job taken again")  # noqa: B023
            retake.append(time.monotonic() - killed)
            _wait(lambda: jobs.get().status in ("ready", "failed"), 600, "the job done")  # noqa: B023
            finish.append(time.monotonic() - killed)
            print(f"  run {i + 1}: taken again after {retake[-1]:.1f} s, {jobs.get().status} after {finish[-1]:.1f} s")
            with (folder / f"{holder}.log").open("a") as log:
                log.write("\n--- start ---\n")
            workers[holder] = _worker(holder, folder, "default")
            holder, standby = standby, holder
        print(f"{runs} runs: kill → taken again: median {statistics.median(retake):.1f} s, max {max(retake):.1f} s")
        print(f"{runs} runs: kill → ready:       median {statistics.median(finish):.1f} s, max {max(finish):.1f} s")
    finally:
        for process in (*workers.values(), beat):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    bench(parser.parse_args().runs)


if __name__ == "__main__":
    main()
