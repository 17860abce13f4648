"""What video search's write-side upkeep costs (feed migration 0008): the RUM index and the word
counts kept by statement-level triggers, on every write to feed_video. Each write is timed as one
statement, on the million-video database of benchmarks/search.py, with the upkeep and without it
(index and triggers dropped inside a transaction), side by side in one run; every change is rolled
back, so the database is left as it was.

    eval "$(bash .ci/services.sh start)"
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_bench .venv/bin/python benchmarks/search_writes.py

Writes: publishing a video (an INSERT of a published row with a caption and a prompt), a like
(feed.services' UPDATE of the counters and the hot score of one video), a take-down (status to
removed), and a deletion. Then the minute's fold (feed.fold_video_words) after 1,000 and 10,000
publishes, each a statement of its own. And people search's upkeep: a follow (the followee's count,
kept by triggers, moves in the index of the most followed, accounts migration 0009), with and
without that index.
"""

from __future__ import annotations

import os
import random
import time

from _common import SERVED_ENV, p50_p99, setup_django

N = 300
UPKEEP = [
    "DROP INDEX feed_video_search_rum",
    "DROP TRIGGER feed_videoword_insert ON feed_video",
    "DROP TRIGGER feed_videoword_update ON feed_video",
    "DROP TRIGGER feed_videoword_delete ON feed_video",
]


def measure(db, ids: list[int], author: int, wal: dict[str, int]) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    """The statements' times by kind; `wal` gets the bytes of write-ahead log each kind wrote."""
    times: dict[str, list[float]] = {"publish": [], "like": [], "take down": [], "delete": []}
    rng = random.Random(7)
    words = ["harbor", "seal", "sunset", "kitchen", "tokyo", "cat", "dance", "rain", "bike", "opera", "cello"]
    for i in range(N):
        caption = " ".join(rng.sample(words, 4)) + f" take{i}"
        statements = {
            "publish": (
                "INSERT INTO feed_video (author_id, status, caption, media_key, media, poster, duration_ms, width, "
                "height, created_at, published_at, removed_reason, search_text, like_count, comment_count, "
                "view_count, completed_view_count, remix_count, time_score, bonus, hot_score) VALUES "
                "(%s, 'published', %s, %s, 'v/x.mp4', '', 5000, 576, 1024, now(), now(), '', %s, 0, 0, 0, 0, 0, "
                "62000, 0, 62000)",
                [author, caption, f"bench{os.getpid()}x{i}", "a cinematic shot of " + caption],
            ),
            "like": (
                "UPDATE feed_video SET like_count = like_count + 1, hot_score = hot_score + 0.01 WHERE id = %s",
                [ids[i]],
            ),
            "take down": ("UPDATE feed_video SET status = 'removed' WHERE id = %s", [ids[N + i]]),
            "delete": ("DELETE FROM feed_video WHERE id = %s", [ids[2 * N + i]]),
        }
        for name, (sql, params) in statements.items():
            db.execute("SAVEPOINT s")
            db.execute("SELECT pg_current_wal_insert_lsn()")
            before = db.fetchone()[0]
            start = time.perf_counter()
            db.execute(sql, params)
            times[name].append((time.perf_counter() - start) * 1000)
            db.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", [before])
            wal[name] = wal.get(name, 0) + int(db.fetchone()[0])
            db.execute("ROLLBACK TO SAVEPOINT s")
    return times


def measure_follows() -> dict[str, list[float]]:
    """A follow's time (the INSERT, its count's trigger and index) with and without the index of the
    most followed; the second of two passes, each rolled back."""
    from django.db import connection, transaction

    follows: dict[str, list[float]] = {}
    with connection.cursor() as db:
        db.execute("SELECT id FROM accounts_user ORDER BY random() LIMIT %s", [2 * N + 1])
        users = [r[0] for r in db.fetchall()]
    for label in ["with the index", "without", "with the index (again)"]:
        with transaction.atomic(), connection.cursor() as db:
            if label == "without":
                db.execute("DROP INDEX accounts_followercount_most")
            for _ in range(2):  # the first pass warms
                follows[label] = []
                for i in range(N):
                    db.execute("SAVEPOINT s")
                    start = time.perf_counter()
                    db.execute(
                        "INSERT INTO accounts_follow (follower_id, followee_id, created_at) VALUES (%s, %s, now()) "
                        "ON CONFLICT DO NOTHING",
                        [users[N + 1 + i], users[i]],
                    )
                    follows[label].append((time.perf_counter() - start) * 1000)
                    db.execute("ROLLBACK TO SAVEPOINT s")
            transaction.set_rollback(True)
    return follows


def main() -> None:
    for key, value in SERVED_ENV.items():  # production settings (DEBUG off); DATABASE_URL from the caller
        os.environ.setdefault(key, value)
    setup_django()
    from django.db import connection, transaction

    with connection.cursor() as db:
        db.execute("SELECT to_regclass('feed_video_search_rum') IS NOT NULL")
        if not db.fetchone()[0]:
            raise SystemExit("no RUM index: install the rum extension, then migrate feed (docs/configuration.md)")
        db.execute(
            "SELECT id, author_id FROM feed_video WHERE status = 'published' ORDER BY random() LIMIT %s", [3 * N]
        )
        rows = db.fetchall()
    ids, author = [r[0] for r in rows], rows[0][1]
    results, wals = {}, {}
    for label in ["with upkeep", "without", "with upkeep (again)"]:
        with transaction.atomic(), connection.cursor() as db:
            if label == "without":
                for sql in UPKEEP:
                    db.execute(sql)
            measure(db, ids, author, {})  # warm
            wals[label] = {}
            results[label] = measure(db, ids, author, wals[label])
            transaction.set_rollback(True)
    folds = []
    for published in [1000, 10000]:
        with transaction.atomic(), connection.cursor() as db:
            for i in range(published):
                db.execute(
                    "INSERT INTO feed_video (author_id, status, caption, media_key, media, poster, duration_ms, "
                    "width, height, created_at, published_at, removed_reason, search_text, like_count, "
                    "comment_count, view_count, completed_view_count, remix_count, time_score, bonus, hot_score) "
                    "VALUES (%s, 'published', %s, %s, 'v/x.mp4', '', 5000, 576, 1024, now(), now(), '', %s, "
                    "0, 0, 0, 0, 0, 62000, 0, 62000)",
                    [author, f"harbor seal opera {i}", f"fold{os.getpid()}x{i}", "a cinematic shot of a seal"],
                )
            start = time.perf_counter()
            db.execute("SELECT feed_videoword_fold()")
            taken = db.fetchone()[0]
            folds.append(f"{published} publishes ({taken} changes): {(time.perf_counter() - start) * 1000:.1f} ms")
            transaction.set_rollback(True)
    follows = measure_follows()
    print(f"feed_video writes, one statement each, {N} of each kind a pass (the second timed), rolled back:")
    for name in results["without"]:
        base = sorted(results["without"][name])[N // 2]
        for label, times in results.items():
            ratio = sorted(times[name])[N // 2] / base
            wal = wals[label][name] / N
            print(
                f"  {name:10s} {label:20s} {p50_p99(times[name], digits=2)}  "
                f"(p50 {ratio:.2f}× without), WAL {wal:,.0f} B"
            )
    print("the fold, after:", "; ".join(folds))
    print(f"a follow, {N} (the second pass timed), rolled back:")
    for label, times in follows.items():
        print(f"  {label:24s} {p50_p99(times, digits=2)}")


if __name__ == "__main__":
    main()
