"""The consent gate's request path for a prompt with three @mentions, in process, on a small PostgreSQL
database: for comparing two versions of the gate side by side on a development machine (the 1M-cameo
figures and their target are benchmarks/consent.py's).

    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/gate_small.py setup          # <DATABASE_URL name>_gate_small: migrate, 3,000 cameos
    .venv/bin/python benchmarks/gate_small.py run            # prints p50 and p99 of --runs checks
    PYTHONPATH=/path/to/other/tree .venv/bin/python /path/to/other/tree/benchmarks/gate_small.py run

Each run warms up with 200 checks, then times `--runs` (2,000) `consent.check(author, prompt,
record=False)` calls, each naming three different people (audiences everyone, mutuals and approved
in turn, no follows or grants: one allowed, two refused a prompt). The database is migrated by the
tree that runs `setup`; a tree from before a later migration runs against it as long as that
migration only added columns with database defaults.
"""

from __future__ import annotations

import argparse
import os
import time

import _common

PEOPLE = 3000
AUDIENCES = ("everyone", "mutuals", "approved")


def _database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("gate_small.py needs PostgreSQL: set DATABASE_URL (.ci/services.sh start prints it)")
    os.environ["DATABASE_URL"] = f"{url.rsplit('/', 1)[0]}/{url.rsplit('/', 1)[1]}_gate_small"
    os.environ.setdefault("DJANGO_DEBUG", "1")


def setup() -> None:
    import psycopg
    from django.core.management import call_command

    server, name = os.environ["DATABASE_URL"].rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    _common.setup_django()
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from cameos.models import Cameo

    if User.objects.filter(handle="gate.author").exists():
        print("already set up")
        return
    User.objects.bulk_create(
        [User(handle=f"gate.p{i}", display_name=f"P {i}", birthdate="1990-01-01") for i in range(PEOPLE)],
        batch_size=1000,
    )
    User.objects.create(handle="gate.author", birthdate="1990-01-01")
    ids = User.objects.filter(handle__startswith="gate.p").order_by("pk").values_list("pk", flat=True)
    Cameo.objects.bulk_create(
        [Cameo(owner_id=pk, audience=AUDIENCES[i % 3]) for i, pk in enumerate(ids)], batch_size=1000
    )
    print(f"{PEOPLE} people with a cameo, and the author")


def run(runs: int) -> None:
    _common.setup_django()
    from accounts.models import User
    from moderation import consent

    author = User.objects.get(handle="gate.author")
    prompts = [
        f"@gate.p{(3 * i) % PEOPLE} and @gate.p{(3 * i + 1) % PEOPLE} and @gate.p{(3 * i + 2) % PEOPLE} dancing"
        for i in range(runs)
    ]
    for prompt in prompts[:200]:
        consent.check(author, prompt, record=False)
    samples = []
    for prompt in prompts:
        start = time.perf_counter()
        consent.check(author, prompt, record=False)
        samples.append((time.perf_counter() - start) * 1000)
    print(_common.p50_p99(samples, digits=3))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["setup", "run"])
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    _database()
    setup() if args.what == "setup" else run(args.runs)


if __name__ == "__main__":
    main()
