"""Feed benchmark: For You served by gunicorn, measured with wrk on loopback (figures in BENCHMARKS.md).

    eval "$(.ci/services.sh start)"            # PostgreSQL + Redis on loopback
    apt-get install wrk                        # the load generator
    .venv/bin/python benchmarks/feed.py --seed # seed once (100k users, 2M follows, 1M videos, 10M likes)
    .venv/bin/python benchmarks/feed.py        # measure again on the same data

In one run, against one gunicorn:
gunicorn (sync workers) behind nginx, as deployed; wrk drives nginx on loopback.
1. For You page 1, 50 clients that pause between requests (~400 ms, then ~150 ms): p50, p99, req/s.
2. For You page 1, 50 clients with no pause: the capacity in req/s.
3. Page 1 and page 500 of the same viewers' feeds under the same load: the p99 ratio.
4. Page 100 served by our endpoint and by a stock DRF ModelViewSet (benchmarks/stock_feed.py), same
   concurrency: latency and throughput ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from _common import ROOT, setup_django

SECRET = "benchmark-secret-key-" + "x" * 40
ENV = {
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
os.environ.update(ENV)

setup_django()

from django.core.management import call_command
from django.db import connection

from accounts.models import Follow, User
from accounts.services import token_issue
from feed.ranking import for_you_page

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
    ids = list(Follow.objects.order_by("?").values_list("follower_id", flat=True).distinct()[: count * 2])
    rng = random.Random(7)
    rng.shuffle(ids)
    chosen = list(dict.fromkeys(ids))[:count]
    return [(uid, token_issue(user=User.objects.get(pk=uid))) for uid in chosen]


def deep_cursors(people: list[tuple[int, str]], pages: tuple[int, ...]) -> dict[int, list[tuple[str, str]]]:
    """For each viewer, the cursor that opens page N of their feed (by reading pages 1..N-1)."""
    out: dict[int, list[tuple[str, str]]] = {p: [] for p in pages}
    for uid, token in people:
        cursor = None
        for page in range(1, max(pages) + 1):
            if page in pages and cursor:
                out[page].append((token, cursor))
            result = for_you_page(uid, cursor=cursor, limit=20)
            cursor = result.next
            if not cursor:
                break
    return out


def write_lines(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(lines: Path, *, connections: int, seconds: int, think_ms: int = 0) -> dict[str, float]:
    script = ROOT / "benchmarks" / "wrk_feed.lua"
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            BASE,
            "--",
            str(lines),
            str(think_ms),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / result["duration_s"]
    return result


def start_gunicorn(workers: int) -> subprocess.Popen[bytes]:
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
        env={**os.environ, **ENV},
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true", help="flush and seed the database first")
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--deep-viewers", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=3)  # best of 2-6 here: 2 cores shared with PostgreSQL
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run against PostgreSQL: export DATABASE_URL (see .ci/services.sh)")
    if not shutil.which("wrk") or not shutil.which("nginx"):
        raise SystemExit("wrk and nginx are needed: apt-get install wrk nginx-light")
    if args.seed:
        seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'published') FROM feed_video")
        n_videos = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM accounts_follow), "
            "(SELECT count(*) FROM feed_like)"
        )
        n_users, n_follows, n_likes = cursor.fetchone()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; data: {n_users} users, "
        f"{n_follows} follows, {n_videos} published videos, {n_likes} likes"
    )

    people = viewers(args.viewers)
    started = time.perf_counter()
    deep = deep_cursors(people[: args.deep_viewers], (100, 500))
    print(f"walked {args.deep_viewers} feeds to page 500 in-process in {time.perf_counter() - started:.0f} s")
    folder = Path(tempfile.mkdtemp(prefix="castfeed-bench-"))
    page1 = write_lines(folder, "page1.txt", [f"{t}\t/api/v1/feed" for _, t in people])
    page1_deep = write_lines(folder, "page1-deep.txt", [f"{t}\t/api/v1/feed" for _, t in people[: args.deep_viewers]])
    page100 = write_lines(folder, "page100.txt", [f"{t}\t/api/v1/feed?cursor={c}" for t, c in deep[100]])
    page500 = write_lines(folder, "page500.txt", [f"{t}\t/api/v1/feed?cursor={c}" for t, c in deep[500]])
    stock100 = write_lines(folder, "stock100.txt", ["\t/api/v1/stock-feed/?page=100"])

    server = start_gunicorn(args.workers)
    nginx = start_nginx(folder)
    try:
        wrk(page1, connections=20, seconds=5)  # warm-up: connections, caches
        s = args.seconds
        results = {
            "page 1, 50 clients pausing ~400 ms": wrk(page1, connections=50, seconds=s, think_ms=400),
            "page 1, 50 clients pausing ~150 ms": wrk(page1, connections=50, seconds=s, think_ms=150),
            "page 1, 50 clients, no pause (capacity)": wrk(page1, connections=50, seconds=s),
            "page 1 of the deep-walk viewers, 50 clients pausing ~400 ms": wrk(
                page1_deep, connections=50, seconds=s, think_ms=400
            ),
            "page 500 of the same viewers, 50 clients pausing ~400 ms": wrk(
                page500, connections=50, seconds=s, think_ms=400
            ),
            "page 100, ours, 4 clients": wrk(page100, connections=4, seconds=s),
            "page 100, stock DRF, 4 clients": wrk(stock100, connections=4, seconds=s),
        }
    finally:
        subprocess.run(["nginx", "-c", str(nginx), "-s", "quit"], check=False)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
    print("\n| scenario | p50 ms | p90 ms | p99 ms | req/s | non-2xx |\n|---|---|---|---|---|---|")
    for name, result in results.items():
        print(row(name, result))
    deep_ratio = (
        results["page 500 of the same viewers, 50 clients pausing ~400 ms"]["p99_ms"]
        / results["page 1 of the deep-walk viewers, 50 clients pausing ~400 ms"]["p99_ms"]
    )
    ours, stock = results["page 100, ours, 4 clients"], results["page 100, stock DRF, 4 clients"]
    print(f"\npage 500 p99 / page 1 p99 (same viewers): {deep_ratio:.2f} (target <= 1.5)")
    print(
        f"page 100: stock p50 / ours p50 = {stock['p50_ms'] / ours['p50_ms']:.1f}x, "
        f"ours req/s / stock req/s = {ours['rps'] / stock['rps']:.1f}x (target >= 5x)"
    )
    fifty = {k: r for k, r in results.items() if "50 clients" in k}
    met = [k for k, r in fifty.items() if r["p99_ms"] <= 50 and r["rps"] >= 300]
    print(f"p99 <= 50 ms with >= 300 req/s at 50 clients: {'met by ' + met[0] if met else 'not met'}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
