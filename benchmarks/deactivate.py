"""Support deactivating, and opening again, the account of an author of thousands of videos: one
transaction each (accounts.services.user_active_set), which hides every published video of theirs
(feed.services.user_videos_hide) and publishes exactly those again (user_videos_unhide).

    eval "$(bash .ci/services.sh start)"
    createdb -h 127.0.0.1 -p 55432 -U postgres castfeed_deactivate
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_deactivate \\
        .venv/bin/python benchmarks/deactivate.py --videos 5000 --others 200000 --runs 5

Works in the database of DATABASE_URL (PostgreSQL, an empty one of its own; migrated here). Seeds
once: `--others` published videos by 100 other people, and one author with `--videos` published
videos, each showing one person (a person row), a fifth of them remixes of the others' videos. Each
run times the deactivation and the reactivation (the consent cascade runs in the same process,
eagerly, after each commit) and checks that nothing of the author is published in between and that
every count is back after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")  # the cascade after the commit, in this process


def seed(videos: int, others: int) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from feed.models import Video

    if User.objects.filter(handle="bench.prolific").exists():
        return
    started = time.perf_counter()
    row = """INSERT INTO feed_video (author_id, status, caption, media_key, media, poster, duration_ms, width,
        height, created_at, published_at, removed_reason, like_count, comment_count, view_count,
        completed_view_count, remix_count, time_score, bonus, hot_score, search_text)
        SELECT {author}, 'published', 'bench deactivate ' || v, md5(random()::text || v), 'bench/shared.mp4', '',
            5000, 576, 1024, now(), now(), '', 0, 0, 0, 0, 0, v / 1000.0, 0, v / 1000.0, ''
        FROM generate_series(1, %s) AS v"""
    with transaction.atomic(), connection.cursor() as cursor:
        people = [User.objects.create(handle=f"bench.other{i}") for i in range(100)]
        author = User.objects.create(handle="bench.prolific")
        shown = User.objects.create(handle="bench.shown")
        cursor.execute(row.format(author="(%s::bigint[])[1 + v %% 100]"), [[p.pk for p in people], others])
        cursor.execute(row.format(author=author.pk), [videos])
        sources = list(Video.objects.exclude(author=author).order_by("pk").values_list("pk", flat=True)[: videos // 5])
        mine = list(Video.objects.filter(author=author).order_by("pk").values_list("pk", flat=True))
        for remix, source in zip(mine[: len(sources)], sources, strict=False):
            cursor.execute("UPDATE feed_video SET remix_of_id = %s WHERE id = %s", [source, remix])
        cursor.execute("UPDATE feed_video SET remix_count = 1 WHERE id = ANY(%s)", [sources])
        cursor.execute(
            "INSERT INTO feed_videoperson (video_id, user_id, author_id, published, hot_score) "
            "SELECT id, %s, author_id, true, hot_score FROM feed_video WHERE author_id = %s",
            [shown.pk, author.pk],
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE feed_video")
        cursor.execute("VACUUM ANALYZE feed_videoperson")
    print(f"seeded {others:,} + {videos:,} videos in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--videos", type=int, default=5000)
    parser.add_argument("--others", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit('needs PostgreSQL: eval "$(bash .ci/services.sh start)" and a DATABASE_URL of its own')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.videos, args.others)

    from accounts.models import User
    from accounts.services import user_active_set
    from feed.models import Video, VideoPerson

    author = User.objects.get(handle="bench.prolific")
    published = Video.objects.filter(author=author, status="published")
    total = published.count()

    def remixes() -> int:  # the remix counts of the videos the author remixed
        return sum(Video.objects.filter(remixes__author=author).values_list("remix_count", flat=True))

    def check(ok: bool, what: str) -> None:
        if not ok:
            raise SystemExit(f"wrong: {what}")

    counted = remixes()
    print(f"author: {total:,} published videos, {counted:,} of them remixes, {Video.objects.count():,} videos in all")
    off, on = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        user_active_set(user=author, active=False)
        off.append((time.perf_counter() - started) * 1000)
        check(not published.exists(), "a video still published")
        check(not VideoPerson.objects.filter(author=author, published=True).exists(), "a person row published")
        check(remixes() == 0, "remix counts")
        started = time.perf_counter()
        user_active_set(user=author, active=True)
        on.append((time.perf_counter() - started) * 1000)
        check(published.count() == total and remixes() == counted, "not every video back, or remix counts")
        check(VideoPerson.objects.filter(author=author, published=True).count() == total, "person rows")
    print(f"deactivate: {p50_p99(off)} (max {max(off):.0f} ms, mean {statistics.mean(off):.0f} ms)")
    print(f"reactivate: {p50_p99(on)} (max {max(on):.0f} ms, mean {statistics.mean(on):.0f} ms)")


if __name__ == "__main__":
    main()
