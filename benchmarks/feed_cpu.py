"""The Python CPU of one For You request, in one process, through Django's test client (the view,
the token, the rate limit, the ranking statement, the page's bodies; no HTTP server): to tell a code
change from a slow phase of the host, run it from two checkouts, alternating, against the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_bench REDIS_URL=redis://127.0.0.1:56379/2 \\
        .venv/bin/python benchmarks/feed_cpu.py            # from each checkout's root, in turns

Uses the database `benchmarks/feed.py --seed` made (its tokens are added with raw SQL, so that the
code of a checkout from before a column of the token table still runs against today's schema), 100
viewers, 200 warm-up requests, then `--runs` runs of `--requests` each: p50 of process CPU and wall.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout it is run from, not the one the venv installed
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "*")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from rest_framework.test import APIClient

    import accounts
    from accounts.models import User, token_digest

    print("code from", os.path.dirname(os.path.dirname(accounts.__file__)))
    viewers = list(User.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)[1000:1100])
    tokens, digests = [], []
    with connection.cursor() as cursor:
        for viewer in viewers:
            token = f"cf_{secrets.token_urlsafe(32)}"
            cursor.execute(
                "INSERT INTO accounts_authtoken (digest, created_at, user_id, last_used_at) "
                "VALUES (%s, now(), %s, now())",
                [token_digest(token), viewer],
            )
            tokens.append(token)
            digests.append(token_digest(token))
    client = APIClient()

    def run(n: int) -> tuple[float, float]:
        cpu, wall = [], []
        for i in range(n):
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens[i % len(tokens)]}")
            cpu0, wall0 = time.process_time(), time.perf_counter()
            response = client.get("/api/v1/feed", SERVER_NAME="localhost", secure=True)
            cpu.append(time.process_time() - cpu0)
            wall.append(time.perf_counter() - wall0)
            if response.status_code != 200:
                raise SystemExit(f"wrong: {response.status_code}")
        return statistics.median(cpu) * 1000, statistics.median(wall) * 1000

    try:
        run(200)
        for _ in range(args.runs):
            cpu, wall = run(args.requests)
            print(f"a request: Python CPU p50 {cpu:.2f} ms, wall p50 {wall:.2f} ms")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_authtoken WHERE digest = ANY(%s)", [digests])


if __name__ == "__main__":
    main()
