"""Steered For You at a million videos (figures in BENCHMARKS.md § Discovery).

    eval "$(.ci/services.sh start)"              # PostgreSQL + Redis on loopback
    apt-get install nginx-light                  # the proxy gunicorn's sync workers run behind
    .venv/bin/python benchmarks/steer.py --seed  # the million-video seed (benchmarks/feed.py's), then measures
    .venv/bin/python benchmarks/steer.py         # measures again on the same data

In one run:
1. Embedding: published videos without an embedding are embedded first (`manage.py embed_videos`:
   each distinct caption + prompt once, COPY); then the time the worker takes to embed one published
   video (feed.embeddings.embed_video, model loaded): median and p99 over 200 videos, and the first
   call of a fresh process (loads MiniLM).
2. Steering: the time the worker takes to match one preference against the best-ranked videos, and
   what it does to page 1, in-process: for 200 viewers, the share of cooking and of sports videos on
   their first page, unsteered and steered "more cooking, less sports".
3. For You page 1 served by gunicorn behind nginx under open-loop load (benchmarks/openloop.py), at
   each --rates, for the same 2,000 viewers unsteered and then steered (each with one of five
   preferences), alternated --runs times; then the same at the first rate with a Celery worker busy
   rendering on the same machine: p50, p99, and the ratio of steered p99 to unsteered p99 in each
   pair of runs (target ≤ 1.5).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _common import (
    SERVED_ENV,
    SHOW_HEADER,
    busy_worker,
    openloop,
    pct,
    request_lines,
    seed,
    settle,
    setup_django,
    show,
    spread,
    start_gunicorn,
    start_nginx,
    stop_served,
    viewers,
)

os.environ.update(SERVED_ENV)
setup_django()

import numpy as np
from django.db import connection
from django.utils import timezone

from core.bulk import insert_rows
from core.sentences import embed
from feed import embeddings, steering
from feed.conf import conf
from feed.models import Steer, SteerVideo, Video
from feed.ranking import for_you_page
from feed.seed import TOPICS

PREFERENCES = (
    "more cooking, less sports",
    "more animals and nature",
    "less gaming, more music",
    "more travel",
    "no sports, more dance",
)


def stored_steer(text: str) -> tuple[dict[str, object], bytes]:
    """The Steer row fields for `text`, embedded as the worker does."""
    parts = steering.parse(text)
    vectors = embed([*parts.more, *parts.less])
    return {"text": text, "more": parts.more, "less": parts.less}, vectors.astype(np.float32).tobytes()


def set_steers(people: list[tuple[int, str]]) -> float:
    """Give each viewer one of PREFERENCES, embedded and matched as the worker does (one match per
    preference, copied to its viewers: the same videos would match). Returns the seconds one match
    took (steering.steer_match, the worker's part)."""
    ids = [uid for uid, _ in people]
    SteerVideo.objects.filter(user_id__in=ids).delete()
    Steer.objects.filter(user_id__in=ids).delete()
    groups = {
        text: [uid for i, uid in enumerate(ids) if PREFERENCES[i % len(PREFERENCES)] == text] for text in PREFERENCES
    }
    match_s = []
    for text, members in groups.items():
        fields, blob = stored_steer(text)
        Steer.objects.bulk_create(
            [Steer(user_id=uid, vectors=blob, updated_at=timezone.now(), **fields) for uid in members]
        )
        started = time.perf_counter()
        steering.steer_match(user_id=members[0])
        match_s.append(time.perf_counter() - started)
        matched = list(
            SteerVideo.objects.filter(user_id=members[0]).values_list("video_id", "kind", "author_id", "hot_score")
        )
        insert_rows(
            SteerVideo,
            ("user_id", "video_id", "kind", "author_id", "hot_score"),
            ((uid, *row) for uid in members[1:] for row in matched),
        )
        Steer.objects.filter(user_id__in=members).update(matched_at=timezone.now())
    return statistics.median(match_s)


def topic_of(caption: str) -> str | None:
    text = caption.lower()
    return next((t for t, subjects in TOPICS.items() if any(s in text for s in subjects)), None)


def page_mix(people: list[tuple[int, str]]) -> dict[str, float]:
    """Share of cooking and sports videos on these viewers' first pages."""
    counts = {"cooking": 0, "sports": 0, "all": 0}
    for uid, _ in people:
        ids = for_you_page(uid).ids
        for caption in Video.objects.filter(pk__in=ids).values_list("caption", flat=True):
            topic = topic_of(caption)
            counts["all"] += 1
            if topic in counts:
                counts[topic] += 1
    return {t: counts[t] / max(1, counts["all"]) for t in ("cooking", "sports")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", action="store_true", help="flush and seed first (~10 min)")
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rates", type=float, nargs="+", default=[50, 100], help="requests per second, scheduled")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:56379/0"))
    parser.add_argument("--skip-busy", action="store_true", help="quiet runs only")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run against PostgreSQL: export DATABASE_URL (see .ci/services.sh)")
    if not shutil.which("nginx"):
        raise SystemExit("nginx is needed: apt-get install nginx-light")
    if args.seed:
        seed()

    started = time.perf_counter()
    cold = time.perf_counter()
    any_id = Video.objects.filter(status="published").values_list("pk", flat=True).first()
    if any_id is None:
        raise SystemExit("no published videos: seed first (--seed)")
    embeddings.embed_video(any_id)
    cold = time.perf_counter() - cold
    backfilled = embeddings.embed_missing(batch=20_000)
    backfill_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FILTER (WHERE status = 'published') FROM feed_video")
        n_videos = cursor.fetchone()[0]
        cursor.execute("SELECT (SELECT count(*) FROM accounts_user), (SELECT count(*) FROM feed_videoembedding)")
        n_users, n_embedded = cursor.fetchone()
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; data: {n_users} users, "
        f"{n_videos} published videos, {n_embedded} embedded"
    )
    if backfilled:
        print(f"embed_videos: {backfilled} videos in {backfill_s:.0f} s ({backfilled / backfill_s:.0f}/s)")

    ids = list(Video.objects.filter(status="published").order_by("?").values_list("pk", flat=True)[:200])
    times = []
    for vid in ids:
        t = time.perf_counter()
        embeddings.embed_video(vid)
        times.append((time.perf_counter() - t) * 1000)
    embed_figures = {"p50_ms": statistics.median(times), "p99_ms": pct(times, 0.99), "first_call_s": cold}
    print(
        f"embed one published video (worker): p50 {embed_figures['p50_ms']:.1f} ms, p99 "
        f"{embed_figures['p99_ms']:.1f} ms; first call of a process (loads MiniLM) {cold:.1f} s"
    )

    people = viewers(args.viewers)
    sample = [p for i, p in enumerate(people) if PREFERENCES[i % len(PREFERENCES)] == PREFERENCES[0]][:200]
    unsteered_mix = page_mix(sample)
    match_s = set_steers(people)
    print(f"match one preference against the {conf().steer_candidates} best-ranked videos (worker): {match_s:.2f} s")
    mix = {"unsteered": unsteered_mix, PREFERENCES[0]: page_mix(sample)}
    for name, shares in mix.items():
        print(
            f"page 1 of {len(sample)} viewers, {name}: {shares['cooking']:.0%} cooking, {shares['sports']:.0%} sports"
        )

    folder = Path(tempfile.mkdtemp(prefix="castfeed-steer-"))
    page1 = request_lines(folder, "page1.txt", [(t, "/api/v1/feed") for _, t in people])
    server = start_gunicorn(args.workers)
    nginx = start_nginx(folder)
    ids = [uid for uid, _ in people]
    log: list[str] = []
    ratios: dict[str, list[float]] = {}

    def pairs(rate: float, mode: str) -> None:
        """--runs pairs of runs at `rate`: unsteered (the preferences not read), then steered."""
        for _ in range(args.runs):
            pair = {}
            for steered in (False, True):
                Steer.objects.filter(user_id__in=ids).update(matched_at=timezone.now() if steered else None)
                pair[steered] = openloop(page1, rate=rate, seconds=args.seconds)
                settle()
                log.append(show(f"{'steered' if steered else 'unsteered'}, {mode}", pair[steered]))
            ratios.setdefault(f"{rate:.0f} req/s, {mode}", []).append(pair[True]["p99_ms"] / pair[False]["p99_ms"])

    try:
        openloop(page1, rate=50, seconds=5)  # warm-up: connections, prepared statements
        for rate in args.rates:
            pairs(rate, "quiet")
        if not args.skip_busy:
            with busy_worker(os.environ["DATABASE_URL"], args.broker) as worker:
                pairs(args.rates[0], "busy")
            print(
                f"the busy worker finished {worker.renders} renders during the busy runs "
                f"(least lease left {worker.lease_left_s} s of 15)"
            )
    finally:
        SteerVideo.objects.filter(user_id__in=ids).delete()
        Steer.objects.filter(user_id__in=ids).delete()
        stop_served(server, nginx)
    print("\nFor You page 1, open-loop\n" + SHOW_HEADER)
    print("\n".join(log))
    print("\nsteered p99 / unsteered p99 of each pair of runs (target <= 1.5):")
    for name, values in ratios.items():
        verdict = "met" if all(v <= 1.5 for v in values) else "not met"
        print(f"  {name}: {', '.join(f'{v:.2f}' for v in values)}; spread {spread(values)}: {verdict}")
    print(json.dumps({"embed": embed_figures, "match_s": match_s, "mix": mix, "ratios": ratios}))


if __name__ == "__main__":
    main()
