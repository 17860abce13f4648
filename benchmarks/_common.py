"""What every benchmark script starts with, written once: the project on sys.path, Django's settings
module, `django.setup()`, and the percentile the reports print.

A script run as `python benchmarks/<name>.py` has benchmarks/ on sys.path, so it imports this module as
`_common`; importing it puts the project root on sys.path and sets DJANGO_SETTINGS_MODULE (unless the
environment already does). A script sets whatever else it needs in os.environ (DATABASE_URL, ...) and
then calls `setup_django()`.

The served benchmarks (feed.py, search.py, steer.py) share the rest: the million-video seed, gunicorn
behind nginx on loopback (SERVED_ENV, start_gunicorn, start_nginx), the open-loop load generator
(openloop, benchmarks/openloop.py) and its report (show, spread, settle), and a Celery worker busy
rendering on the same machine (busy_worker).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "config.settings.base"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)


def setup_django() -> None:
    """`django.setup()` on the settings the environment names (idempotent)."""
    import django

    django.setup()


def pct(samples: list[float], q: float) -> float:
    """The q-quantile (0..1) of `samples`, nearest rank; NaN when there are none."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def p50_p99(samples: list[float], *, digits: int = 1, unit: str = "ms") -> str:
    """'p50 1.2 ms, p99 3.4 ms': the summary line most benchmarks print."""
    return f"p50 {statistics.median(samples):.{digits}f} {unit}, p99 {pct(samples, 0.99):.{digits}f} {unit}"


# --- served benchmarks: gunicorn behind nginx, under open-loop load ----------------------------------

SECRET = "benchmark-secret-key-" + "x" * 40
SERVED_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.base",
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": SECRET,
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_ROOT_URLCONF": "benchmarks.stock_feed",
    # The throttle still runs (and costs); it just never refuses.
    "CASTFEED_CORE_THROTTLE_RATES": '{"default": "100000/minute"}',
    "LOG_LEVEL": "WARNING",
}
PORT = 8811  # gunicorn
PROXY_PORT = 8810  # nginx in front of it, buffering requests as gunicorn's sync workers need
BASE = f"http://127.0.0.1:{PROXY_PORT}"
NGINX_CONF = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 2048; }}
http {{
  access_log off;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  upstream app {{ server 127.0.0.1:{port}; }}
  server {{
    listen 127.0.0.1:{proxy_port};
    location / {{
      proxy_pass http://app; proxy_set_header Host $host; proxy_buffering on;
      proxy_set_header X-Request-Start "t=${{msec}}";  # queue time, for core.middleware.ShedLateRequests
    }}
  }}
}}
"""


def seed() -> None:
    """Flush the database and seed the million-video data set (100k users, 2M follows, 10M likes)."""
    from django.core.management import call_command

    call_command("flush", "--noinput", verbosity=0)
    started = time.perf_counter()
    call_command(
        "seed",
        users=100_000,
        follows=2_000_000,
        videos=1_000_000,
        likes=10_000_000,
        views=3_000_000,
        comments=1_000_000,
    )
    print(f"seeded in {time.perf_counter() - started:.0f} s")


def viewers(count: int) -> list[tuple[int, str]]:
    """Random people who follow someone (the realistic case: closeness streams are not empty)."""
    from accounts.models import Follow, User
    from accounts.services import token_issue

    ids = list(Follow.objects.order_by("?").values_list("follower_id", flat=True).distinct()[: count * 2])
    rng = random.Random(7)
    rng.shuffle(ids)
    chosen = list(dict.fromkeys(ids))[:count]
    return [(uid, token_issue(user=User.objects.get(pk=uid))) for uid in chosen]


def request_lines(folder: Path, name: str, entries: list[tuple[str, str]]) -> Path:
    """A file of "token<TAB>path" lines, the open-loop generator's requests (one picked at random each)."""
    path = folder / name
    path.write_text("".join(f"{token}\t{url}\n" for token, url in entries))
    return path


def openloop(
    requests: Path, *, rate: float, seconds: float, timeout: float = 2.0, poisson: bool = False
) -> dict[str, float]:
    """One open-loop run (benchmarks/openloop.py, its own process) against nginx: `rate` requests per
    second scheduled, latency from the scheduled time, a request unanswered after `timeout` s a failure."""
    command = [sys.executable, str(ROOT / "benchmarks" / "openloop.py"), "--url", BASE, "--rate", str(rate)]
    command += ["--seconds", str(seconds), "--requests", str(requests), "--timeout", str(timeout)]
    # In a session of its own, as clients are another machine's: with autogroup scheduling a session
    # shares the CPU evenly with the others, so the generator neither takes from nor gives to the server's.
    out = subprocess.run(
        command + (["--poisson"] if poisson else []), capture_output=True, text=True, check=True, start_new_session=True
    )
    return json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])


def start_gunicorn(
    workers: int,
    env: dict[str, str] | None = None,
    *,
    app: str = "config.wsgi",
    config: str | None = "config/gunicorn.py",
) -> subprocess.Popen[bytes]:
    """gunicorn serving `app` (the project) on PORT with SERVED_ENV (and `env` over it), once it
    answers /healthz. With the production settings file (config/gunicorn.py: the name index built and
    the start-up frozen out of the garbage collector before the first request), its access log written
    to /dev/null (as production formats and writes a line a request) and sync workers."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            *(["--config", config] if config else []),
            "--access-logfile",
            "/dev/null",
            "--threads",
            "1",  # config/gunicorn.py's 4 would make the workers gthread ones
            app,
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--backlog",
            "2048",
            "--log-level",
            "warning",
            "--worker-tmp-dir",
            "/dev/shm",  # noqa: S108 - gunicorn's heartbeat file off the disk (its docs' advice for VMs)
        ],
        cwd=ROOT,
        env={**os.environ, **SERVED_ENV, **(env or {})},
        process_group=0,  # its own group (stopped with os.killpg), in this session: see _same_session
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def start_nginx(folder: Path) -> Path:
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(dir=folder, port=PORT, proxy_port=PROXY_PORT))
    subprocess.run(["nginx", "-c", str(conf)], check=True)
    return conf


def stop_served(server: subprocess.Popen[bytes], nginx: Path) -> None:
    """Stop what start_gunicorn and start_nginx started: nginx first, then gunicorn's process group."""
    import signal

    subprocess.run(["nginx", "-c", str(nginx), "-s", "quit"], check=False)
    os.killpg(server.pid, signal.SIGTERM)
    server.wait()


def show(label: str, r: dict[str, float]) -> str:
    """One markdown row of an open-loop run: rate, p50, p90, p99, max, answered/s, failed of sent."""
    failed = int(r["non_2xx"] + r["timeouts"] + r["errors"])
    return (
        f"| {label} | {r['rate']:.0f} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | "
        f"{r['max_ms']:.0f} | {r['rps']:.0f} | {failed} of {int(r['sent'])} |"
    )


SHOW_HEADER = (
    "| scenario | rate req/s | p50 ms | p90 ms | p99 ms | max ms | answered/s | failed |\n"
    "|---|---|---|---|---|---|---|---|"
)


def spread(values: list[float]) -> str:
    """'min–max (median m)' of runs."""
    return f"{min(values):.1f}–{max(values):.1f} (median {statistics.median(values):.1f})"


def settle() -> None:
    """Wait until requests queued by an overloaded run have drained (gunicorn still answers what nginx
    handed it, its clients long gone) before the next run, so one run's backlog is not the next one's
    latency: until /healthz, queued behind them, answers within 100 ms (at most 3 minutes)."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        time.sleep(1)
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=30).read()  # noqa: S310 - our loopback URL
        except OSError:
            continue
        if time.monotonic() - started < 0.1:
            return


# --- a worker busy on generation, on the same machine (the realistic single-host case) ---------------

SUPERVISORD_CONF = ROOT / "config" / "supervisord.conf"
BUSY_AUTHOR = "bench.busy"


def worker_commands(env: dict[str, str]) -> list[list[str]]:
    """The command line of every `[program:worker...]` in config/supervisord.conf, its %(ENV_X)s
    filled from `env` (bin/run's defaults where `env` has none): the benchmarks start the worker exactly
    as `make run` does, with the same queues, concurrency and priority."""
    import configparser
    import re
    import shlex

    defaults = {"CASTFEED_BIN": str(ROOT / ".venv" / "bin"), "WORKER_CONCURRENCY": "2", "WORKER_NICE": "10"}
    defaults["WORKER_LOGLEVEL"] = "WARNING"
    values = {**defaults, **env}
    parser = configparser.RawConfigParser(inline_comment_prefixes=None)
    parser.read(SUPERVISORD_CONF)
    commands = []
    for section in parser.sections():
        if section.startswith("program:worker"):
            line = " ".join(parser.get(section, "command").split())
            line = re.sub(r"%\(ENV_(\w+)\)s", lambda m: values[m.group(1)], line).replace("%%", "%")
            commands.append(shlex.split(line))
    if not commands:
        raise SystemExit(f"no [program:worker...] in {SUPERVISORD_CONF}")
    return commands


# The web server and the busy worker run in this process's session, each in a process group of its
# own (stopped with os.killpg), as supervisord runs them in its session. It matters: with the
# kernel's autogroup scheduling (Debian's default) nice orders processes only within a session, and
# between sessions the CPU is split evenly whatever their nice, so a worker started in a session of
# its own would take an even share however low its priority.


class BusyWorker:
    """A real Celery worker started as config/supervisord.conf starts it, kept rendering 5 s generation
    jobs back to back (a feeder process keeps two in progress) until stopped. After stop(): `renders`,
    how many jobs reached ready meanwhile (proof that it was busy), and `lease_left_s`, the least time
    left on a rendering job's lease that the feeder saw (every 0.5 s, at normal priority): a lease is
    15 s, renewed every 5 s, so ~10 s when renewals are on time and below 0 when one lapsed (another
    worker's sweep could then take the job again). With BENCH_WORKER_CGROUP set to a cgroup's folder
    (made beforehand, e.g. with a CPU quota: BENCHMARKS.md § Feed), the worker runs in that cgroup."""

    def __init__(self, database_url: str, broker_url: str, env: dict[str, str] | None = None) -> None:
        import tempfile

        self.folder = Path(tempfile.mkdtemp(prefix="castfeed-busy-"))
        self.env = {
            **os.environ,
            **SERVED_ENV,
            "DJANGO_ROOT_URLCONF": "config.urls",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(self.folder / "media"),
            "CASTFEED_VAR_DIR": str(self.folder / "var"),
            "CASTFEED_GENERATION_DAILY_JOBS": "100000",
            **(env or {}),
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.renders = self.ready_before = 0
        self.lease_left_s: float | None = None

    def start(self) -> BusyWorker:
        self._fail_leftovers()
        self.ready_before = self._ready_count()
        log = open(self.folder / "worker.log", "wb")  # noqa: SIM115 - closed with the process
        # As bin/run: its WORKER_* environment variables (e.g. WORKER_CONCURRENCY=1) where they are set.
        for command in worker_commands({k: v for k, v in os.environ.items() if k.startswith("WORKER_")}):
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log, process_group=0)
            self.processes.append(process)
            if cgroup := os.environ.get("BENCH_WORKER_CGROUP"):  # before it forks its pool: they inherit it
                (Path(cgroup) / "cgroup.procs").write_text(str(process.pid))
        self.feeder = subprocess.Popen(
            [sys.executable, __file__, "feed-busy-worker"], cwd=ROOT, env=self.env, process_group=0
        )
        self.processes.append(self.feeder)
        self._wait_until_rendering()
        return self

    def _count(self, statuses: tuple[str, ...]) -> int:
        """The bench author's jobs in these statuses (psycopg directly: no Django set-up needed here)."""
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as db:
            row = db.execute(
                "SELECT count(*) FROM generation_generationjob j JOIN accounts_user u ON u.id = j.author_id "
                "WHERE u.handle = %s AND j.status = ANY(%s)",
                [BUSY_AUTHOR, list(statuses)],
            ).fetchone()
        return int(row[0]) if row else 0

    def _fail_leftovers(self) -> None:
        """Jobs an earlier run's killed worker left in progress would hold the quota and look busy."""
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as db:
            db.execute(
                "UPDATE generation_generationjob SET status = 'failed' WHERE status = ANY(%s) AND author_id IN "
                "(SELECT id FROM accounts_user WHERE handle = %s)",
                [["queued", "checking", "running", "scanning"], BUSY_AUTHOR],
            )

    def _ready_count(self) -> int:
        return self._count(("ready",))

    def _wait_until_rendering(self) -> None:
        """Until a job has reached `running` (the models are loaded, a render is under way)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.feeder.poll() is not None:
                self.stop()
                raise SystemExit("the busy worker's feeder failed (its error is above)")
            if self._count(("running", "scanning")) or self._ready_count() > self.ready_before:
                return
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"the busy worker never started rendering (see {self.folder / 'worker.log'})")

    def stop(self) -> None:
        import signal

        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.renders = self._ready_count() - self.ready_before
        margin = self.folder / LEASE_LEFT_FILE
        self.lease_left_s = float(margin.read_text()) if margin.exists() else None

    def __enter__(self) -> BusyWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def add_busy_nice_option(parser: argparse.ArgumentParser) -> None:
    """--busy-nice: busy runs with the worker at nice 10 only too (busy_worker(idle=False)), side by side."""
    parser.add_argument(
        "--busy-nice", action="store_true", help="also busy runs with the worker at nice 10 only (no SCHED_IDLE)"
    )


def busy_worker(database_url: str, broker_url: str, *, idle: bool = True) -> BusyWorker:
    """`with busy_worker(db, broker): ...`: the block runs while a worker renders on this machine.
    `idle=False`: the worker keeps the ordinary scheduling policy (CASTFEED_WORKER_IDLE_PRIORITY off),
    with supervisord's nice only: what `make run` did before SCHED_IDLE, for a side-by-side figure."""
    return BusyWorker(database_url, broker_url, env={} if idle else {"CASTFEED_WORKER_IDLE_PRIORITY": "0"})


def _busy_author():  # type: ignore[no-untyped-def]
    import datetime

    from accounts.models import User

    author, _ = User.objects.get_or_create(
        handle=BUSY_AUTHOR, defaults={"display_name": "Busy Bench", "birthdate": datetime.date(1990, 1, 1)}
    )
    return author


LEASE_LEFT_FILE = "lease-left"  # in BusyWorker.folder: the feeder's least lease time left seen, seconds


def _feed_busy_worker() -> None:
    """Keep two jobs of the bench author in progress, forever (killed by BusyWorker.stop), and write
    down the least time left on a leased job's lease seen so far."""
    setup_django()
    from django.db.models import Min
    from django.utils import timezone

    from generation import services
    from generation.models import GenerationJob

    author = _busy_author()
    out = Path(os.environ["CASTFEED_VAR_DIR"]).parent / LEASE_LEFT_FILE
    least: float | None = None
    n = 0
    while True:
        active = GenerationJob.objects.filter(author=author, status__in=GenerationJob.ACTIVE)
        for _ in range(max(0, 2 - active.count())):
            n += 1
            services.job_submit(author=author, prompt=f"a dog surfing at sunset, take {n}", duration_s=5, seed=n)
        until = active.filter(lease_until__isnull=False).aggregate(m=Min("lease_until"))["m"]
        if until is not None:
            left = (until - timezone.now()).total_seconds()
            if least is None or left < least:
                least = left
                out.write_text(f"{least:.3f}")
        time.sleep(0.5)


if __name__ == "__main__" and sys.argv[1:] == ["feed-busy-worker"]:  # BusyWorker's feeder process
    _feed_busy_worker()
