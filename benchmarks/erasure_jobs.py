"""An erasure among many jobs: how long `generation.services.jobs_forget_person` takes to find and
rewrite the others' jobs that name the erased person (their cameos, people and consent subjects), in
the transaction of `DELETE /api/v1/me`. Side by side in the same run, on the same data: with the GIN
indexes of migration generation 0007 and without them (dropped inside a transaction that is rolled
back, so the next call has them again), alternating, each call rolled back so every call finds the
person's jobs as they were.

Then a video's deletion among the same jobs (`feed.services.video_delete`, as `DELETE
/api/v1/videos/{id}` by its author, and an erasure for each of the person's videos): it locks the
jobs that made or remixed the video and unlinks the remixes. With the partial index over
`remix_of` of migration generation 0008 and without it, the same way (`--videos` published videos,
each remixed by one job, seeded once).

    eval "$(bash .ci/services.sh start)"
    createdb -h 127.0.0.1 -p 55432 -U postgres castfeed_erasure_jobs
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_erasure_jobs \\
        .venv/bin/python benchmarks/erasure_jobs.py --people 100000 --jobs 1000000 --calls 30

Works in the database of DATABASE_URL (PostgreSQL, an empty one of its own; migrated here). Seeds
once: `--people` accounts and `--jobs` finished jobs by random authors, each naming two random
people as its cameos, people and consent subjects (a job's record as the gate stores it), with a
prompt and timings of realistic size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

INDEXES = ("generation_job_people_gin", "generation_job_cameos_gin", "generation_job_subjects_gin")
REMIX_INDEX = "generation_job_remix_of"


def seed(people: int, jobs: int) -> None:
    from django.db import connection, transaction

    from accounts.models import User

    if User.objects.filter(handle="bench.erased1").exists():
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (password, is_superuser, handle, handle_skeleton, display_name, "
            "is_staff, is_active, date_joined, birthdate) "
            "SELECT '!', false, 'bench.erased' || v, NULL, '', false, true, now(), NULL "
            "FROM generate_series(1, %s) AS v",
            [people],
        )
        cursor.execute("SELECT min(id), max(id) FROM accounts_user WHERE handle LIKE 'bench.erased%%'")
        low, high = cursor.fetchone()
        # Two people a job: a mention allowed by a grant and a face the output scan matched.
        cursor.execute(
            "INSERT INTO generation_generationjob (id, prompt, duration_s, aspect, seed, image, "
            "idempotency_key, status, progress, error_code, error, backend, consent, cameos, people, "
            "attempts, created_at, finished_at, updated_at, timings, author_id, request_digest) "
            "SELECT gen_random_uuid(), '@bench.erased' || a || ' surfing at sunset with a friend, golden light', "
            "5, '9:16', v, '', '', 'published', 100, '', '', 'composite', "
            "jsonb_build_object('allowed', true, 'stage', 'publish', 'subjects', jsonb_build_array("
            "  jsonb_build_object('source', 'mention', 'handle', 'bench.erased' || a, 'verdict', 'allowed', "
            "    'reason', 'granted', 'detail', 'They allowed you to use their cameo.'), "
            "  jsonb_build_object('source', 'output_face', 'handle', 'bench.erased' || b, 'verdict', 'allowed', "
            "    'reason', 'granted', 'detail', 'They allowed you to use their cameo.')), "
            "  'subject_ids', jsonb_build_array(a, b)), "
            "jsonb_build_array(jsonb_build_object('user_id', a, 'handle', 'bench.erased' || a)), "
            "jsonb_build_array(a, b), 1, now(), now(), now(), "
            '\'{"checking": 0.41, "rendering": 1.52, "scanning": 0.62, "publishing": 0.05}\', '
            "author, repeat('0', 64) "
            "FROM (SELECT v, %(low)s + floor(random() * %(n)s)::bigint AS author, "
            "  %(low)s + floor(random() * %(n)s)::bigint AS a, %(low)s + floor(random() * %(n)s)::bigint AS b "
            "  FROM generate_series(1, %(jobs)s) AS v) AS drawn",
            {"low": low, "n": high - low + 1, "jobs": jobs},
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE generation_generationjob")
    print(f"seeded {people:,} people and {jobs:,} jobs in {time.perf_counter() - started:.0f} s")


def seed_videos(count: int) -> None:
    """`count` published videos by bench people, each remixed by one of the jobs (no files: every
    deletion timed here is rolled back, and a deletion removes files only once it commits)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from feed.models import Video

    have = Video.objects.filter(media__startswith="bench/erasure-").count()
    if have >= count:
        return
    authors = list(User.objects.filter(handle__startswith="bench.erased").values_list("pk", flat=True)[:count])
    with transaction.atomic():
        videos = Video.objects.bulk_create(
            Video(
                author_id=author,
                status=Video.Status.PUBLISHED,
                media=f"bench/erasure-{n}.mp4",
                duration_ms=5000,
                width=576,
                height=1024,
                published_at=timezone.now(),
            )
            for n, author in enumerate(authors[have:count], start=have)
        )
        with connection.cursor() as cursor:
            for video in videos:  # one job remixes it (a random finished job: remixes are few)
                cursor.execute(
                    "UPDATE generation_generationjob SET remix_of_id = %s WHERE id = "
                    "(SELECT id FROM generation_generationjob WHERE remix_of_id IS NULL LIMIT 1)",
                    [video.pk],
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE generation_generationjob")


class RolledBack(Exception):
    pass


def timed_delete(video_id: int, *, indexed: bool) -> float:
    from django.db import connection, transaction

    from accounts.models import User
    from feed.models import Video
    from feed.services import video_delete

    try:
        with transaction.atomic():
            if not indexed:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX {REMIX_INDEX}")
            video = Video.objects.get(pk=video_id)
            author = User.objects.get(pk=video.author_id)
            started = time.perf_counter()
            video_delete(video=video, by=author)
            elapsed = (time.perf_counter() - started) * 1000
            raise RolledBack
    except RolledBack:
        pass
    return elapsed


def timed_forget(person_id: int, *, indexed: bool) -> tuple[float, int]:
    from django.db import connection, transaction

    from generation.services import jobs_forget_person

    changed = 0
    try:
        with transaction.atomic():
            if not indexed:
                with connection.cursor() as cursor:
                    for name in INDEXES:
                        cursor.execute(f"DROP INDEX {name}")
            started = time.perf_counter()
            changed = jobs_forget_person(person_id=person_id)
            elapsed = (time.perf_counter() - started) * 1000
            raise RolledBack
    except RolledBack:
        pass
    return elapsed, changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=30, help="erasures timed each way")
    parser.add_argument("--videos", type=int, default=30, help="video deletions timed each way")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User

    if connection.vendor != "postgresql":
        raise SystemExit("needs PostgreSQL: export DATABASE_URL (see .ci/services.sh)")
    call_command("migrate", verbosity=0)
    seed(args.people, args.jobs)
    ids = list(User.objects.filter(handle__startswith="bench.erased").values_list("pk", flat=True))
    people = random.Random(7).sample(ids, args.calls)
    timed_forget(people[0], indexed=True)  # warm: the indexes and the table's pages in the cache
    timed_forget(people[0], indexed=False)
    results: dict[bool, list[float]] = {True: [], False: []}
    changed = []
    for person in people:
        for indexed in (True, False):
            elapsed, count = timed_forget(person, indexed=indexed)
            results[indexed].append(elapsed)
        changed.append(count)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM generation_generationjob")
        (jobs,) = cursor.fetchone()
    print(f"{jobs:,} jobs; {args.calls} erasures each way, alternating; jobs rewritten a person: "
          f"{min(changed)}–{max(changed)} (median {sorted(changed)[len(changed) // 2]})")  # fmt: skip
    for indexed, label in ((True, "with the GIN indexes (0007)"), (False, "without them")):
        print(f"jobs_forget_person {label}: {p50_p99(results[indexed])}")
    ratio = statistics.median(results[False]) / statistics.median(results[True])
    print(f"ratio of the p50s: {ratio:.0f}x")

    from feed.models import Video

    seed_videos(args.videos)
    videos = list(Video.objects.filter(media__startswith="bench/erasure-").values_list("pk", flat=True))
    timed_delete(videos[0], indexed=True)  # warm
    timed_delete(videos[0], indexed=False)
    deletes: dict[bool, list[float]] = {True: [], False: []}
    for video in videos[: args.videos]:
        for indexed in (True, False):
            deletes[indexed].append(timed_delete(video, indexed=indexed))
    print(f"\n{len(deletes[True])} video deletions each way, alternating, each video remixed by one job:")
    for indexed, label in ((True, "with the remix_of index (0008)"), (False, "without it")):
        print(f"video_delete {label}: {p50_p99(deletes[indexed])}")
    ratio = statistics.median(deletes[False]) / statistics.median(deletes[True])
    print(f"ratio of the p50s: {ratio:.0f}x")


if __name__ == "__main__":
    main()
