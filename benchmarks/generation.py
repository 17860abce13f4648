"""Generation end to end, and the queue's overhead.

    .venv/bin/python benchmarks/generation.py pipeline          # SQLite, in-process: submit → ready
    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/generation.py queue             # PostgreSQL + Redis + real workers
    .venv/bin/python benchmarks/generation.py queue --variant before --variant now --variant split

`pipeline`: a 5 s, 9:16 (576×1024, 24 fps) video with one cameo (a real face, enrolled as the
enrollment service does) on the composite backend: submit (policy, gate) → ready (checking, render,
watermark, H.264, C2PA, output scan, store), with each stage's share, over several runs.

`queue`: how long a submitted job waits before a worker has it (submit → claimed, status `checking`)
and before it renders (submit → `running`, after the worker's policy and consent checks), on Redis:
`--jobs` jobs one at a time at random intervals, each cancelled once running; `--runs` runs quiet
(the worker idle) and busy (another job, a 10 s clip on the composite backend, rendering: submitted
again as soon as the last one ends; measured jobs are submitted only while it renders). Each
`--variant` starts its workers as config/supervisord.conf does (VARIANTS: `now` is what `make run`
starts, `before` the configuration before issue 18, `threads` only the torch thread limit, `split` a
worker for `generation` and another for `default`, `unpaced` the `now` worker with renders
that never pause for the host's idle time (core.pacing), `capped` the `now` worker in the cgroup
named by BENCH_WORKER_CGROUP) and ends with a table: figure | variant |
quiet runs | busy runs (p50, p99 per run) | target | met?; then each variant's first job on fresh
workers and its pool processes' memory.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import ROOT, p50_p99, pct, setup_django

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


# How the worker processes are started, per variant: (queues, concurrency) for each worker, and the
# environment they get. `now` is what config/supervisord.conf starts; `before` is the configuration
# before issue 18 (torch's own thread count in each pool process, models loaded on the first job).
VARIANTS: dict[str, tuple[list[tuple[str, int]], dict[str, str]]] = {
    "before": (
        [("default,generation", 2)],
        {"CASTFEED_WORKER_WARMUP": "0", "CASTFEED_WORKER_TORCH_THREADS": "0"},
    ),
    "threads": ([("default,generation", 2)], {"CASTFEED_WORKER_WARMUP": "0"}),
    "now": ([("default,generation", 2)], {}),
    "unpaced": ([("default,generation", 2)], {"CASTFEED_WORKER_HOST_IDLE": "0"}),
    "split": ([("generation", 2), ("default", 1)], {}),
    # `now` in the cgroup named by BENCH_WORKER_CGROUP (made beforehand: half a core, BENCHMARKS.md § Feed)
    "capped": ([("default,generation", 2)], {}),
}
TARGET_MS = 200.0  # submit → running p99 while another job renders (issue 18)
DONE = ("ready", "blocked", "failed", "cancelled")


def _start_workers(variant: str) -> list[subprocess.Popen[bytes]]:
    """The variant's workers, started as config/supervisord.conf starts them; once they answer a ping."""
    from config.celery import app

    layout, extra = VARIANTS[variant]
    cgroup = os.environ.get("BENCH_WORKER_CGROUP", "") if variant == "capped" else ""
    if variant == "capped" and not cgroup:
        raise SystemExit("variant capped: set BENCH_WORKER_CGROUP to a cgroup's folder (BENCHMARKS.md § Feed)")
    # A 3 s lease: a cancelled job stops within 0.75 s (its next heartbeat) and its process is free again.
    env = {**os.environ, "CASTFEED_GENERATION_STALE_SECONDS": "3", **extra}
    workers = []
    for i, (queues, n) in enumerate(layout):
        command = [
            *(sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", queues, "--concurrency", str(n)),
            *("--loglevel", "WARNING", "--without-gossip", "--without-mingle", "--hostname", f"bench{i}@%h"),
        ]
        workers.append(subprocess.Popen(command, cwd=ROOT, env=env))
        if cgroup:  # before it forks its pool: the pool processes inherit it
            (Path(cgroup) / "cgroup.procs").write_text(str(workers[-1].pid))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len(app.control.inspect(timeout=1).ping() or {}) >= len(workers):
            return workers
        time.sleep(0.5)
    raise SystemExit(f"variant {variant}: the workers did not answer within 120 s")


def _pool_rss_mb(workers: list[subprocess.Popen[bytes]]) -> list[float]:
    """Resident memory (MB) of each pool process of `workers` (Linux /proc)."""
    sizes = []
    for worker in workers:
        try:
            children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
        except OSError:
            continue
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text().splitlines()
            sizes.extend(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    return sizes


def _stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _until_running(job_id: Any, started: float) -> tuple[float, float]:
    """(submit → claimed, submit → running) in ms for a job submitted at `started` (perf_counter)."""
    from generation.models import GenerationJob

    claimed = None
    while True:
        status = GenerationJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        now = (time.perf_counter() - started) * 1000
        if status != "queued" and claimed is None:
            claimed = now
        if status in ("running", "scanning", *DONE):
            return claimed or now, now
        if now > 60_000:
            raise SystemExit("a job did not start within 60 s")
        time.sleep(0.003)


class _Renderer(threading.Thread):
    """Keeps one long job (a 10 s clip, composite backend) in the worker, back to back: the next is
    submitted when the last one ends. `rendering()`: whether one is rendering now."""

    def __init__(self, author: Any) -> None:
        super().__init__(name="renderer", daemon=True)
        self.author, self.stop, self.status, self.job_id = author, threading.Event(), "", None
        self.rendered = 0

    def run(self) -> None:
        from django.db import connection

        from generation import services
        from generation.models import GenerationJob

        try:
            i = 0
            while not self.stop.is_set():
                i += 1
                prompt = f"a long drive along the coast {i}"
                job, _ = services.job_submit(author=self.author, prompt=prompt, duration_s=10)
                self.job_id = job.pk
                while not self.stop.is_set():
                    self.status = GenerationJob.objects.filter(pk=job.pk).values_list("status", flat=True).first() or ""
                    if self.status in DONE:
                        self.rendered += self.status == "ready"
                        break
                    time.sleep(0.05)
                else:
                    services.job_cancel(author=self.author, job_id=job.pk)
        finally:
            connection.close()

    def rendering(self) -> bool:
        return self.status == "running"


def _measure(author: Any, jobs: int, rng: random.Random, renderer: _Renderer | None) -> dict[str, Any]:
    """`jobs` jobs, one at a time at random intervals, each cancelled once running."""
    from generation import services

    claimed, running, busy = [], [], 0
    for i in range(jobs):
        time.sleep(rng.uniform(0.8, 1.6))  # the last one's process stops at its next heartbeat (0.75 s)
        if renderer is not None:
            while not renderer.rendering():  # measured while the long job renders, not between two
                time.sleep(0.02)
            busy += 1
        t = time.perf_counter()
        job, _ = services.job_submit(author=author, prompt=f"a lighthouse in a storm {i}", duration_s=2)
        c, r = _until_running(job.pk, t)
        busy -= renderer is not None and not renderer.rendering()  # it ended while this one waited
        services.job_cancel(author=author, job_id=job.pk)
        claimed.append(c)
        running.append(r)
    return {"claimed": claimed, "running": running, "busy": busy}


def _first_jobs(author: Any) -> float:
    """Fresh pool processes: the first job (submit → running, ms), then two at once, twice, so that each
    process has had a job before the measured runs."""
    from generation import services

    t = time.perf_counter()
    job, _ = services.job_submit(author=author, prompt="a lighthouse at dawn", duration_s=2)
    first = _until_running(job.pk, t)[1]
    services.job_cancel(author=author, job_id=job.pk)
    for k in range(2):
        pair = [services.job_submit(author=author, prompt=f"warm-up {k} {n}", duration_s=2)[0] for n in (1, 2)]
        for j in pair:
            _until_running(j.pk, time.perf_counter())
        for j in pair:
            services.job_cancel(author=author, job_id=j.pk)
        time.sleep(1.5)
    return first


def _report(results: dict[tuple[str, str], list[dict[str, Any]]], variants: list[str]) -> None:
    def runs_of(variant: str, mode: str, key: str) -> str:
        found = results.get((variant, mode), [])
        return " / ".join(f"{statistics.median(r[key]):.0f}, {pct(r[key], 0.99):.0f}" for r in found) or "—"

    print()
    print("p50, p99 in ms per run (each run: one worker start, then quiet and busy runs)")
    print("| figure | variant | quiet runs | busy runs | target | met? |")
    print("|---|---|---|---|---|---|")
    for variant in variants:
        for key, label in (("claimed", "submit → claimed"), ("running", "submit → running")):
            target, met = "", ""
            if key == "running":
                busy_runs = results.get((variant, "busy"), [])
                target = f"p99 ≤ {TARGET_MS:.0f} ms busy"
                if busy_runs:
                    met = "met" if all(pct(r["running"], 0.99) <= TARGET_MS for r in busy_runs) else "not met"
            print(
                f"| {label} | {variant} | {runs_of(variant, 'quiet', key)} | {runs_of(variant, 'busy', key)} "
                f"| {target} | {met} |"
            )


def bench_queue(jobs: int, runs: int, variants: list[str], modes: list[str]) -> None:
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
    from config.celery import app
    from generation.models import GenerationJob

    call_command("migrate", verbosity=0)
    authors = []
    for handle in ("queue.author", "queue.renderer"):
        user = User.objects.filter(handle=handle).first() or User.objects.create_user(
            handle=handle,
            password="a-long-password-1",  # noqa: S106 - a bench account
        )
        GenerationJob.objects.filter(author=user).delete()
        authors.append(user)
    author, render_author = authors
    app.control.purge()
    rng = random.Random(18)
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    first: dict[str, float] = {}
    rss: dict[str, list[float]] = {}
    print(f"{jobs} jobs per run, {runs} runs, quiet and busy (one 10 s clip always rendering); Redis, PostgreSQL")
    for variant in variants:
        started = time.perf_counter()
        workers = _start_workers(variant)
        try:
            first[variant] = _first_jobs(author)
            rss[variant] = _pool_rss_mb(workers)
            for mode in modes:
                for run in range(runs):
                    renderer = None
                    if mode == "busy":
                        renderer = _Renderer(render_author)
                        renderer.start()
                    try:
                        result = _measure(author, jobs, rng, renderer)
                    finally:
                        if renderer is not None:
                            renderer.stop.set()
                            renderer.join(timeout=120)
                            time.sleep(1.5)
                    results.setdefault((variant, mode), []).append(result)
                    busy = f", {result['busy']}/{jobs} submitted while the long job rendered" if renderer else ""
                    print(
                        f"  {variant:<8} {mode:<5} run {run + 1}: submit → running {p50_p99(result['running'])}{busy}",
                        flush=True,
                    )
        finally:
            _stop_workers(workers)
        print(f"  {variant}: {time.perf_counter() - started:.0f} s", flush=True)

    _report(results, variants)
    print()
    for variant in variants:
        memory = ", ".join(f"{mb:.0f}" for mb in rss[variant])
        print(
            f"{variant}: first job on freshly started workers: submit → running {first[variant]:.0f} ms; "
            f"pool processes' resident memory after their first jobs: {memory} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("pipeline").add_argument("--runs", type=int, default=3)
    queue = sub.add_parser("queue")
    queue.add_argument("--jobs", type=int, default=40, help="measured jobs per run")
    queue.add_argument("--runs", type=int, default=3)
    queue.add_argument(
        "--variant", action="append", choices=sorted(VARIANTS), help="worker set-ups to compare (default: before, now)"
    )
    queue.add_argument("--mode", action="append", choices=("quiet", "busy"), help="default: both")
    args = parser.parse_args()
    if args.what == "pipeline":
        bench_pipeline(args.runs)
    else:
        bench_queue(args.jobs, args.runs, args.variant or ["before", "now"], args.mode or ["quiet", "busy"])


if __name__ == "__main__":
    main()
