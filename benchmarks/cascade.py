"""The consent cascade at 1M unpublished jobs, on PostgreSQL + Redis with a real Celery worker.

    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/likeness.py gallery --data facelike --sizes 1000000   # once: 1M users, cameos
    .venv/bin/python benchmarks/consent.py --only gate                                # once: 10M grants
    .venv/bin/python benchmarks/cascade.py

It works in the gallery benchmark's database (`<DATABASE_URL name>_gallery_bench`) and adds, once,
1,000,000 unpublished (`ready`) jobs, one per user, each showing the owner whose approved grant the
author holds (benchmarks/consent.py's grant layout), indexed in JobPerson. Then, for `--runs` owners:

- **revoke**: `DELETE /api/v1/cameo/grants/{id}` through Django's full request stack (Bearer token,
  middleware, the change, the audit row, the task queued after commit), timed from the call to its
  answer. The grantee holds `--jobs` jobs showing the owner.
- **cascade**: from the answer until every one of those jobs is `blocked`, polled every 5 ms, with a
  real worker (`celery -A config worker`) taking `moderation.consent_cascade` from Redis.
- **audience narrowed**: the owner narrows their audience to `approved` with the same jobs by
  non-grantees (`--jobs` authors who lose access), the cascade then finds the authors through the
  index. Also measured: the previous implementation's job scan (every unpublished job loaded and its
  JSON `people` filtered in Python) for one narrowing, for comparison.

Each run restores what it changed (grant approved again, jobs `ready` again, index rows back).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import ROOT, p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

JOBS = 1_000_000


def summary(samples: list[float]) -> str:
    return f"{p50_p99(samples)}, max {max(samples):.1f} ms"


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit('needs PostgreSQL and Redis: eval "$(.ci/services.sh start)"')
    return url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1].split("?")[0] + "_gallery_bench"


def seed(users: int) -> None:
    from django.db import connection, transaction

    from generation.models import GenerationJob, JobPerson

    if GenerationJob.objects.filter(prompt="bench cascade").exists():
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Author a shows the owner whose grant a holds: grantee = owner + 7 (benchmarks/consent.py).
        cursor.execute(
            f"""INSERT INTO {GenerationJob._meta.db_table} (id, prompt, duration_s, aspect, seed, image,
                idempotency_key, status, progress, error_code, error, backend, consent, cameos, people,
                attempts, created_at, updated_at, timings, author_id)
            SELECT gen_random_uuid(), 'bench cascade', 2, '9:16', 0, '', '', 'ready', 100, '', '', 'composite',
                '{{}}', '[]', jsonb_build_array(((a - 1 - 7 + %s) %% %s) + 1), 0, now(), now(), '{{}}', a
            FROM generate_series(1, %s) AS a""",  # noqa: S608 - our tables
            [users, users, min(JOBS, users)],
        )
        cursor.execute(
            f"""INSERT INTO {JobPerson._meta.db_table} (job_id, person_id, author_id)
            SELECT id, (people->>0)::bigint, author_id FROM {GenerationJob._meta.db_table}
            WHERE prompt = 'bench cascade'"""  # noqa: S608
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {GenerationJob._meta.db_table}; ANALYZE {JobPerson._meta.db_table}")
    print(f"seeded {JOBS:,} unpublished jobs and their index rows in {time.perf_counter() - started:.0f} s")


def extra_jobs(author_ids: list[int], owner_id: int, count: int) -> list[str]:
    """`count` more ready jobs showing `owner_id`, spread over `author_ids`; their ids."""
    import uuid

    from generation.models import GenerationJob, JobPerson

    jobs = [
        GenerationJob(
            id=uuid.uuid4(),
            author_id=author_ids[i % len(author_ids)],
            prompt="bench cascade extra",
            duration_s=2,
            seed=0,
            status="ready",
            progress=100,
            people=[owner_id],
        )
        for i in range(count)
    ]
    GenerationJob.objects.bulk_create(jobs)
    JobPerson.objects.bulk_create([JobPerson(job_id=j.pk, person_id=owner_id, author_id=j.author_id) for j in jobs])
    return [str(j.pk) for j in jobs]


def restore_series() -> None:
    """The seeded jobs a run blocked: ready again, with their index rows."""
    from django.db import connection

    from generation.models import GenerationJob, JobPerson

    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {JobPerson._meta.db_table} (job_id, person_id, author_id)
            SELECT id, (people->>0)::bigint, author_id FROM {GenerationJob._meta.db_table}
            WHERE prompt = 'bench cascade' AND status <> 'ready'"""  # noqa: S608 - our tables
        )
    GenerationJob.objects.filter(prompt="bench cascade").exclude(status="ready").update(status="ready")


def wait_blocked(job_ids: list[str], timeout: float = 30.0) -> float:
    """Seconds until every job is blocked (polled every 5 ms)."""
    from generation.models import GenerationJob

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not GenerationJob.objects.filter(pk__in=job_ids).exclude(status="blocked").exists():
            return time.perf_counter() - started
        time.sleep(0.005)
    raise SystemExit(f"jobs not blocked within {timeout} s")


def start_worker(log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--queues",
            "default",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"worker did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.2)
    return process


def old_scan(owner_id: int) -> tuple[float, int]:
    """The previous cascade's job scan for a narrowed audience (author_ids None): every unpublished
    job with its author, filtered on its JSON people in Python (the access check per job not counted)."""
    from generation.models import GenerationJob

    started = time.perf_counter()
    found = sum(
        1
        for job in GenerationJob.objects.filter(status__in=GenerationJob.UNPUBLISHED)
        .select_related("author")
        .iterator(chunk_size=5000)
        if owner_id in (job.people or []) and job.author_id != owner_id
    )
    return time.perf_counter() - started, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=200, help="jobs each revoke must block")
    parser.add_argument("--old", action="store_true", help="also time the previous implementation's scan once")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from accounts.services import token_issue
    from cameos import services as cameo_services
    from cameos.models import CameoGrant
    from generation.models import GenerationJob, JobPerson

    users = User.objects.count()
    print(f"{users:,} users; machine: {os.cpu_count()} cores")
    seed(users)
    print(
        f"{GenerationJob.objects.filter(status__in=GenerationJob.UNPUBLISHED).count():,} unpublished jobs, "
        f"{JobPerson.objects.count():,} index rows"
    )
    log = Path("/tmp/castfeed-cascade-worker.log")  # noqa: S108 - a benchmark's log
    worker = start_worker(log)
    revoke_ms, cascade_ms, narrow_ms, narrow_cascade_ms = [], [], [], []
    try:
        grants = list(
            CameoGrant.objects.filter(status="approved", cameo__audience="approved")
            .select_related("cameo__owner")
            .order_by("pk")[: args.runs + 1]
        )
        rng = np.random.default_rng(11)
        for grant in grants:  # the first is a warm-up (imports, first queries): not counted
            owner = grant.cameo.owner
            jobs = extra_jobs([grant.grantee_id], owner.pk, args.jobs)
            client = Client(HTTP_AUTHORIZATION=f"Bearer {token_issue(user=owner)}")
            client.get("/api/v1/cameo")  # the session and connection warm, as for a signed-in user
            t = time.perf_counter()
            response = client.delete(f"/api/v1/cameo/grants/{grant.pk}")
            revoke_ms.append((time.perf_counter() - t) * 1000)
            if response.status_code != 204:
                raise SystemExit(f"revoke answered {response.status_code}: {response.content[:300]!r}")
            cascade_ms.append(wait_blocked(jobs) * 1000)
            CameoGrant.objects.filter(pk=grant.pk).update(status="approved")  # restore

            # The owner narrows their audience to `approved`: `--jobs` authors who are no grantees lose access.
            cameo_services.cameo_update(owner=owner, audience="everyone")
            strangers = [int(u) for u in rng.integers(1, users + 1, args.jobs) if u != owner.pk]  # no grant from owner
            jobs = extra_jobs(strangers, owner.pk, args.jobs)
            t = time.perf_counter()
            response = client.patch("/api/v1/cameo", {"audience": "approved"}, content_type="application/json")
            narrow_ms.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"narrowing answered {response.status_code}: {response.content[:300]!r}")
            narrow_cascade_ms.append(wait_blocked(jobs) * 1000)
            cameo_services.cameo_update(owner=owner, audience="approved")
        revoke_ms, cascade_ms, narrow_ms, narrow_cascade_ms = (
            x[1:] for x in (revoke_ms, cascade_ms, narrow_ms, narrow_cascade_ms)
        )
        print(f"revoke a grant (request, {args.runs} owners): {summary(revoke_ms)}")
        print(f"  cascade, answer → all {args.jobs} jobs blocked (real worker): {summary(cascade_ms)}")
        print(f"narrow the audience (request): {summary(narrow_ms)}")
        print(f"  cascade, answer → all {args.jobs} jobs of {args.jobs} authors blocked: {summary(narrow_cascade_ms)}")
        if args.old:
            seconds, found = old_scan(grants[0].cameo.owner_id)
            print(f"previous implementation's job scan for one narrowing: {seconds:.1f} s ({found} jobs found)")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        GenerationJob.objects.filter(prompt="bench cascade extra").delete()
        restore_series()


if __name__ == "__main__":
    main()
