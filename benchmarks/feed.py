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
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from _common import SERVED_ENV, row, seed, setup_django, start_gunicorn, start_nginx, viewers, write_lines, wrk

os.environ.update(SERVED_ENV)

setup_django()

from django.db import connection

from feed.ranking import for_you_page


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
