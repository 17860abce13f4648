"""Benchmark of the accounts layer on a seeded database (see BENCHMARKS.md).

    DATABASE_URL=postgres://... python benchmarks/accounts.py [--users 100000 --follows 1000000]

Seeds (unless --no-seed) and times:
- `manage.py seed` itself (target: 100k users + 1M follows in under 2 minutes on PostgreSQL);
- the relation selector the consent gate calls on every generation (`relations_from`, 3 people),
  and the single-pair `are_mutuals` / `is_blocked_between`, p50 and p99 over many random pairs.
"""

import argparse
import os
import platform
import time

from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

setup_django()

import numpy as np
from django.core.management import call_command
from django.db import connection

from accounts import selectors
from accounts.models import Follow, User


def percentiles(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"{p50_p99(ms, digits=3)} (n={len(ms)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--follows", type=int, default=1_000_000)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, database: {connection.vendor}")
    if not args.no_seed:
        call_command("flush", "--noinput", verbosity=0)
        started = time.perf_counter()
        call_command("seed", users=args.users, follows=args.follows)
        print(f"seed: {args.users} users + {args.follows} follows in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    ids = np.array(User.objects.values_list("id", flat=True))
    edges = list(Follow.objects.order_by("?").values_list("follower_id", "followee_id")[: args.samples])
    rng = np.random.default_rng(1)

    timings: dict[str, list[float]] = {"relations_from (3 people)": [], "are_mutuals": [], "is_blocked_between": []}
    for i in range(args.samples):
        me = int(rng.choice(ids))
        others = [int(x) for x in rng.choice(ids, size=2)] + [edges[i % len(edges)][1]]
        t = time.perf_counter()
        selectors.relations_from(me, others)
        timings["relations_from (3 people)"].append(time.perf_counter() - t)
        a, b = edges[i % len(edges)]
        t = time.perf_counter()
        selectors.are_mutuals(a, b)
        timings["are_mutuals"].append(time.perf_counter() - t)
        t = time.perf_counter()
        selectors.is_blocked_between(a, b)
        timings["is_blocked_between"].append(time.perf_counter() - t)
    for name, samples in timings.items():
        print(f"{name}: {percentiles(samples)}")


if __name__ == "__main__":
    main()
