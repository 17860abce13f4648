"""What every benchmark script starts with, written once: the project on sys.path, Django's settings
module, `django.setup()`, and the percentile the reports print.

A script run as `python benchmarks/<name>.py` has benchmarks/ on sys.path, so it imports this module as
`_common`; importing it puts the project root on sys.path and sets DJANGO_SETTINGS_MODULE (unless the
environment already does). A script sets whatever else it needs in os.environ (DATABASE_URL, ...) and
then calls `setup_django()`.

The served benchmarks (feed.py, search.py) share the rest: the million-video seed, gunicorn behind
nginx on loopback (SERVED_ENV, start_gunicorn, start_nginx) and wrk driven by a Lua script (wrk, row).
"""

from __future__ import annotations

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


# --- served benchmarks: gunicorn behind nginx, driven by wrk -----------------------------------------

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
    location / {{ proxy_pass http://app; proxy_set_header Host $host; proxy_buffering on; }}
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


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(
    *files: Path, connections: int, seconds: int, think_ms: int = 0, script: str = "wrk_feed.lua"
) -> dict[str, float]:
    """One wrk run against nginx: `script` (in benchmarks/) gets `files` then the think time (ms) and
    prints a RESULT line; its figures, plus req/s."""
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, connections)}",  # wrk wants no more threads than connections
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "benchmarks" / script),
            BASE,
            "--",
            *map(str, files),
            str(think_ms),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / result["duration_s"]
    return result


def start_gunicorn(workers: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """gunicorn serving the project on PORT with SERVED_ENV (and `env` over it), once it answers."""
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
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
        start_new_session=True,
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


def row(name: str, r: dict[str, float]) -> str:
    return (
        f"| {name} | {r['p50_ms']:.1f} | {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['rps']:.0f} | {int(r['non_2xx'])} |"
    )
