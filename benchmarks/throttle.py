"""What a rate limit costs a request: `core.throttling.ScopedRateThrottle.allow_request`, timed call by
call, admitted and refused, on Redis (REDIS_URL) and on the database (`core.RateCounter`).

Every request of the API passes a throttle (the served benchmarks lift the rates, so it never refuses
there, but it still runs). This times the throttle alone, in this process, against the real stores:
a person's requests, one after another, within a budget (`admitted`) and over it (`refused`: a
budget of 1 an hour, spent). Run it from two checkouts in turns to compare them (the call is the same
in both), on a quiet machine:

    DATABASE_URL=postgres://.../castfeed REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python benchmarks/throttle.py --calls 5000 --rounds 3

The database must be migrated (`manage.py migrate`); the counters it writes are deleted at the end.
Without REDIS_URL only the database is timed.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from types import SimpleNamespace

import _common

RATES = {"bench.admitted": "100000000/minute", "bench.refused": "1/hour"}


def _timed(throttle: object, request: object, view: object, calls: int) -> tuple[list[float], int]:
    """Microseconds of each of `calls` calls, and how many were admitted."""
    samples, admitted = [], 0
    for _ in range(calls):
        start = time.perf_counter()
        admitted += throttle.allow_request(request, view)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - start) * 1e6)
    return samples, admitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000, help="timed calls of each kind, each round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["CASTFEED_CORE_THROTTLE_RATES"] = json.dumps(RATES)
    os.environ.setdefault("SECRET_KEY", _common.SECRET)  # DEBUG off: no query log in the timed calls
    os.environ.setdefault("DJANGO_DEBUG", "0")
    redis_url = os.environ.get("REDIS_URL", "")
    _common.setup_django()

    from django.test import override_settings
    from rest_framework.test import APIRequestFactory

    from core.models import RateCounter
    from core.throttling import ScopedRateThrottle, forget_redis_counters

    stores = [("redis", redis_url)] if redis_url.startswith("redis://") else []
    stores.append(("database", ""))
    request = APIRequestFactory().get("/api/v1/bench")
    print(f"throttle, {args.calls} calls of each kind a round, {args.rounds} rounds; µs a call")
    print("| store | round | admitted p50 | admitted p99 | refused p50 | refused p99 |")
    print("|---|---|---|---|---|---|")
    try:
        for store, url in stores:
            with override_settings(REDIS_URL=url):
                for round_ in range(1, args.rounds + 1):
                    request.user = SimpleNamespace(pk=10_000_000 + round_, is_authenticated=True)
                    row = []
                    for scope, admitting in (("bench.admitted", True), ("bench.refused", False)):
                        view = SimpleNamespace(throttle_scope=scope)
                        throttle = ScopedRateThrottle()
                        _timed(throttle, request, view, 200)  # warm: connections, the first window
                        samples, admitted = _timed(throttle, request, view, args.calls)
                        if admitted != (args.calls if admitting else 0):
                            raise SystemExit(f"{scope}: {admitted} of {args.calls} admitted")
                        row += [f"{_common.pct(samples, 0.5):.0f}", f"{_common.pct(samples, 0.99):.0f}"]
                    print(f"| {store} | {round_} | " + " | ".join(row) + " |")
    finally:
        if redis_url.startswith("redis://"):
            forget_redis_counters()
        RateCounter.objects.filter(key__startswith="throttle:bench.").delete()


if __name__ == "__main__":
    main()
