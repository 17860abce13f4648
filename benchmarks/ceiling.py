"""What the served benchmarks' stack can serve at all on this machine: nginx in front of gunicorn's
sync workers (as benchmarks/feed.py runs them) serving benchmarks/bare_app.py, a WSGI application that
does nothing (no Django, no database, no authentication) but answer a For You page's bytes, under the
same open-loop load generator (benchmarks/openloop.py) on the same two cores.

    apt-get install nginx-light
    .venv/bin/python benchmarks/ceiling.py                  # ~4 min; no database or Redis needed

The highest rate with p99 <= 50 ms and <= 1% failed, as feed.py finds a page 100's, of `--runs`
ladders: the ceiling any endpoint of this stack can reach here, whatever the endpoint does. For You's
target against stock DRF (5x a stock 250-300 req/s, 1,250-1,500 req/s) is above it or not; the report
also gives the load generator's CPU a request, part of every served benchmark's load on two cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from pathlib import Path

from _common import SHOW_HEADER, openloop, request_lines, settle, show, start_gunicorn, start_nginx, stop_served

SLO_MS = 50.0
RATES = [500, 750, 1000, 1250, 1500, 2000, 2500, 3000, 4000, 5000]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)  # feed.py's capacity ladders' length
    parser.add_argument("--workers", type=int, default=3)  # feed.py's
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores")
    folder = Path(tempfile.mkdtemp(prefix="castfeed-ceiling-"))
    lines = request_lines(folder, "bare.txt", [("token", "/api/v1/feed?cursor=x")])
    server = start_gunicorn(args.workers, app="benchmarks.bare_app:app", config=None)
    nginx = start_nginx(folder)
    log, best = [], []
    try:
        openloop(lines, rate=200, seconds=3)  # warm-up
        for run in range(1, args.runs + 1):
            highest = 0
            for rate in RATES:
                r = openloop(lines, rate=rate, seconds=args.seconds)
                settle()
                cpu_ms = 1000 * r["generator_cpu_s"] / max(1, r["sent"])
                log.append(show(f"bare WSGI, ladder {run} (generator {cpu_ms:.2f} ms CPU a request)", r))
                if r["p99_ms"] > SLO_MS or r["failed_share"] > 0.01:
                    break
                highest = rate
            best.append(highest)
    finally:
        stop_served(server, nginx)
    print("\n" + SHOW_HEADER)
    print("\n".join(log))
    print(
        f"\nbare WSGI behind nginx, highest rate with p99 <= {SLO_MS:.0f} ms and <= 1% failed: "
        + ", ".join(f"{b} req/s" for b in best)
    )


if __name__ == "__main__":
    main()
