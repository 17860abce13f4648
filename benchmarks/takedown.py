"""A takedown request from submit to hidden, on PostgreSQL + Redis with a real Celery worker.

    eval "$(.ci/services.sh start)"
    .venv/bin/python benchmarks/takedown.py --tracks 1000000 --runs 5

It works in the gallery benchmark's database (`<DATABASE_URL name>_gallery_bench`; 1M users and
cameos) and adds, once, `--tracks` face tracks in the video face index (cameos.VideoFace) over as many
published videos, with face-like templates (benchmarks/likeness.py's generator) of nobody in
particular, plus `--hers` published videos whose track is the astronaut's real face (scikit-image's
photo, as the output scan would store it). Each run: a challenge, the selfie video (the astronaut
acting out the challenge, tests/synthetic_faces.py) posted through Django's request stack, then
polled every 20 ms until the request is `hidden` (the worker: liveness, exact matching against every
track and every cameo, her videos hidden). The request is then dismissed, which puts them back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def bench_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres") or not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit('needs PostgreSQL and Redis: eval "$(.ci/services.sh start)"')
    return url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1].split("?")[0] + "_gallery_bench"


def seed(tracks: int, hers: int) -> None:
    from django.db import connection, transaction

    from cameos.models import VideoFace
    from feed.models import Video
    from tests import synthetic_faces as faces

    existing = Video.objects.filter(caption="bench takedown").count()
    if existing >= tracks + hers:
        return
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {Video._meta.db_table} (author_id, status, caption, media_key, media, poster,
                duration_ms, width, height, created_at, published_at, removed_reason, like_count,
                comment_count, view_count, completed_view_count, remix_count, time_score, bonus, hot_score)
            SELECT (v %% 1000) + 1, 'published', 'bench takedown', md5(random()::text || v), 'bench/shared.mp4', '',
                5000, 576, 1024, now(), now(), '', 0, 0, 0, 0, 0, 0, 0, 0
            FROM generate_series(1, %s) AS v""",  # noqa: S608 - our tables
            [tracks + hers],
        )
        ids = list(Video.objects.filter(caption="bench takedown").order_by("-pk").values_list("pk", flat=True)[:hers])
        # Random unit directions, drawn in PostgreSQL (an exact scan costs the same whatever the data;
        # face-like data would only add look-alikes, which benchmarks/false_match.py measures).
        cursor.execute(
            f"""INSERT INTO {VideoFace._meta.db_table} (video_id, embedding, first_ms, last_ms, frames, created_at)
            SELECT v.id, l2_normalize(ARRAY(SELECT random() - 0.5 FROM generate_series(1, 128) WHERE v.id > 0)::vector),
                0, 5000, 20, now()
            FROM (SELECT id FROM {Video._meta.db_table} WHERE caption = 'bench takedown' ORDER BY id LIMIT %s) AS v""",  # noqa: S608
            [tracks],
        )
        her = faces.template("astronaut")
        for video_id in ids:
            VideoFace.objects.create(video_id=video_id, embedding=her.tolist(), first_ms=0, last_ms=5000, frames=20)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {VideoFace._meta.db_table}")
    print(f"seeded {tracks:,} face tracks and {hers} videos of her in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracks", type=int, default=1_000_000)
    parser.add_argument("--hers", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database()
    setup_django()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test import Client, override_settings

    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from cameos.models import VideoFace
    from moderation import takedowns
    from moderation.models import TakedownChallenge, TakedownRequest
    from tests.cameos import videos

    seed(args.tracks, args.hers)
    print(f"{VideoFace.objects.count():,} face tracks; machine: {os.cpu_count()} cores")
    log = Path("/tmp/castfeed-takedown-worker.log")  # noqa: S108 - a benchmark's log
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "default", "--concurrency", "1",
         "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    while " ready." not in log.read_text(errors="replace"):
        if worker.poll() is not None:
            raise SystemExit(log.read_text(errors="replace")[-2000:])
        time.sleep(0.2)
    reviewer = User.objects.order_by("pk").first()
    if reviewer is None:
        raise SystemExit("the bench database has no users: run benchmarks/likeness.py gallery first")
    selfie = videos.video()
    answer_ms, hidden_s = [], []
    # override_settings (not an assignment) refreshes the typed settings read before (core.conf).
    override_settings(CASTFEED_CORE={**settings.CASTFEED_CORE, "THROTTLE_RATES": {"takedowns": "1000/hour"}}).enable()
    override_settings(CASTFEED_MODERATION={**settings.CASTFEED_MODERATION, "TAKEDOWN_PER_EMAIL": "1000/day"}).enable()
    try:
        for run in range(args.runs + 1):  # the first is a warm-up (the worker loads its models)
            client = Client()
            challenge = client.post("/api/v1/takedowns/challenges").json()["id"]
            TakedownChallenge.objects.filter(pk=challenge).update(steps=list(videos.STEPS))
            upload = SimpleUploadedFile("selfie.mp4", selfie, content_type="video/mp4")
            t = time.perf_counter()
            response = client.post(
                "/api/v1/takedowns", {"video": upload, "challenge": challenge, "email": f"bench{run}@example.org"}
            )
            answered = time.perf_counter()
            if response.status_code != 202:
                raise SystemExit(f"submit answered {response.status_code}: {response.content[:300]!r}")
            tracking = response.json()["tracking"]
            while True:
                request = TakedownRequest.objects.get(tracking=tracking)
                if request.status != "verifying":
                    break
                if time.perf_counter() - t > 300:
                    raise SystemExit("not verified within 300 s")
                time.sleep(0.02)
            done = time.perf_counter()
            if request.status != "hidden" or request.videos_hidden != args.hers:
                raise SystemExit(f"{tracking}: {request.status} {request.reason_code}, {request.videos_hidden} hidden")
            if run:
                answer_ms.append((answered - t) * 1000)
                hidden_s.append(done - t)
            takedowns.request_dismiss(request_id=request.pk, reviewer=reviewer)
        answer = f"p50 {statistics.median(answer_ms):.0f} ms, max {max(answer_ms):.0f} ms"
        print(f"submit (request: upload checked and stored, task queued): {answer}")
        print(
            f"submit → {args.hers} videos hidden (real worker: liveness, exact match over {args.tracks:,} tracks): "
            f"p50 {statistics.median(hidden_s):.2f} s, max {max(hidden_s):.2f} s ({args.runs} runs)"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


if __name__ == "__main__":
    main()
