"""Generation end to end, and the queue's overhead.

    .venv/bin/python benchmarks/generation.py pipeline          # SQLite, in-process: submit → ready
    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/generation.py queue --jobs 150  # PostgreSQL + Redis + a real worker

`pipeline`: a 5 s, 9:16 (576×1024, 24 fps) video with one cameo (a real face, enrolled as the
enrollment service does) on the composite backend: submit (policy, gate) → ready (checking, render,
watermark, H.264, C2PA, output scan, store), with each stage's share, over several runs.

`queue`: how long a submitted job waits before a worker has it (submit → claimed, status `checking`)
and before it renders (submit → `running`, after the worker's policy and consent checks), with one
idle Celery worker on Redis; each job is cancelled once running.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, pct, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def bench_pipeline(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="castfeed-bench-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        CASTFEED_VAR_DIR=str(folder / "var"),
        MEDIA_ROOT=str(folder / "media"),
        CELERY_TASK_ALWAYS_EAGER="0",  # the message goes to a local folder; this process runs the job
    )
    setup_django()
    from django.core.management import call_command

    from accounts import services as accounts
    from generation import pipeline, services
    from generation.models import GenerationJob

    call_command("migrate", verbosity=0)
    author = accounts.user_register(handle="bench.author", password="a-long-password-1", birthdate=None)  # noqa: S106 - a bench account
    author.birthdate = __import__("datetime").date(1990, 1, 1)
    author.save(update_fields=["birthdate"])
    from tests import synthetic_faces as faces
    from tests.enroll import finish_enrollment

    finish_enrollment(author, template=faces.template("astronaut"), photo="astronaut")
    pipeline.run  # noqa: B018 - imported: the first run below loads models (measured apart)
    totals, submits, shares = [], [], {}
    for i in range(runs + 1):
        t = time.perf_counter()
        job, _ = services.job_submit(
            author=author, prompt=f"@bench.author surfing at sunset, take {i}", duration_s=5, aspect="9:16", seed=i
        )
        submit = time.perf_counter() - t
        status = pipeline.run(str(job.pk))
        total = time.perf_counter() - t
        job = GenerationJob.objects.get(pk=job.pk)
        if status != "ready":
            raise SystemExit(f"job ended {status}: {job.error}")
        if i == 0:
            print(f"first run (loads MiniLM, YuNet, SFace): {total:.2f} s")
            continue
        totals.append(total)
        submits.append(submit)
        for stage, seconds in job.timings.items():
            shares.setdefault(stage, []).append(seconds)
    print(f"5 s 9:16 576×1024 24 fps, one cameo, composite backend, {runs} runs: submit → ready")
    print(f"  median {statistics.median(totals):.2f} s, max {max(totals):.2f} s")
    median_total = statistics.median(totals)
    print(f"  submit (policy + gate, in the request): {statistics.median(submits) * 1000:.0f} ms")
    for stage in ("checking", "render", "watermark", "encode", "provenance", "scan", "store"):
        if stage in shares:
            seconds = statistics.median(shares[stage])
            print(f"  {stage:<11} {seconds:6.2f} s  {seconds / median_total:5.1%}")


def bench_queue(jobs: int) -> None:
    url = os.environ.get("DATABASE_URL", "")
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("postgres") or not broker.startswith("redis"):
        raise SystemExit('needs PostgreSQL and Redis: eval "$(.ci/services.sh start)"')
    import psycopg

    base, name = url.rsplit("/", 1)
    bench = f"{name}_generation_bench"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench]).fetchone():
            conn.execute(f'CREATE DATABASE "{bench}"')
    os.environ["DATABASE_URL"] = f"{base}/{bench}"
    folder = Path(tempfile.mkdtemp(prefix="castfeed-queue-"))
    os.environ.update(CASTFEED_VAR_DIR=str(folder / "var"), MEDIA_ROOT=str(folder / "media"))
    # No quota in the way, here and in the worker.
    os.environ.update(CASTFEED_GENERATION_DAILY_JOBS="100000", CASTFEED_GENERATION_CONCURRENT_JOBS="1000")
    setup_django()
    from django.core.management import call_command

    from accounts.models import User
    from generation import services
    from generation.models import GenerationJob

    call_command("migrate", verbosity=0)
    author = User.objects.filter(handle="queue.author").first() or User.objects.create_user(
        handle="queue.author",
        password="a-long-password-1",  # noqa: S106 - a bench account
    )
    GenerationJob.objects.filter(author=author).delete()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "generation,default", "--concurrency", "1",
         "--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        # A 2 s lease: the worker notices a cancel within 0.5 s and is idle again before the next job.
        env={**os.environ, "CASTFEED_GENERATION_STALE_SECONDS": "2"},
    )  # fmt: skip
    try:
        time.sleep(6)
        claimed, running = [], []
        for i in range(jobs + 5):
            t = time.perf_counter()
            job, _ = services.job_submit(author=author, prompt=f"a lighthouse in a storm {i}", duration_s=2)
            seen_claim = None
            while True:
                status = GenerationJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
                now = time.perf_counter() - t
                if status != "queued" and seen_claim is None:
                    seen_claim = now
                if status in ("running", "scanning", "ready", "blocked", "failed"):
                    break
                if now > 30:
                    raise SystemExit("a job did not start within 30 s")
                time.sleep(0.002)
            services.job_cancel(author=author, job_id=job.pk)
            if i >= 5:  # the first few warm the worker (models load on its first job)
                claimed.append(seen_claim * 1000)
                running.append(now * 1000)
            time.sleep(0.8)  # the worker stops at its next heartbeat and is idle again
        print(f"{jobs} jobs, one idle worker, Redis broker, PostgreSQL:")
        print(
            f"  submit → claimed (checking): p50 {statistics.median(claimed):.1f} ms, p99 {pct(claimed, 0.99):.1f} ms"
        )
        print(
            f"  submit → running:            p50 {statistics.median(running):.1f} ms, p99 {pct(running, 0.99):.1f} ms"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("pipeline").add_argument("--runs", type=int, default=3)
    sub.add_parser("queue").add_argument("--jobs", type=int, default=150)
    args = parser.parse_args()
    if args.what == "pipeline":
        bench_pipeline(args.runs)
    else:
        bench_queue(args.jobs)


if __name__ == "__main__":
    main()
