"""Videos of me at scale: the scan of existing videos, deleting (or removing, a takedown) a busy video,
and erasing an account that engaged with many videos.

    eval "$(.ci/services.sh start)"
    .venv/bin/python manage.py seed ...            # the feed benchmark's data set (1M videos, 100k users)
    .venv/bin/python benchmarks/appearances.py scan --tracks 1000000
    .venv/bin/python benchmarks/appearances.py delete --videos 20
    .venv/bin/python benchmarks/appearances.py remove --videos 20
    .venv/bin/python benchmarks/appearances.py erase --people 20 --engaged 300

Works in the database of DATABASE_URL (the seeded one). `scan` fills the video face index with one
face-like template per video (from the distribution of real SFace templates, as in
benchmarks/likeness.py) and times `cameos.services.existing_videos_scan` for cameos whose face is in
some of those videos. `delete` makes videos with 10,000 likes and 1,000 comments each and times
`DELETE /api/v1/cameo/appearances/{id}` by a person in them, through Django's request handling.
`remove` makes the same videos and times `feed.services.video_remove` of each (what a confirmed
takedown does to each video it removes), called directly. `erase` makes people who each liked,
commented on and watched `--engaged` published videos (of as many authors as the seed has) and times
`DELETE /api/v1/me` by each, the same way: the erasure takes each off those videos' counts, and holds
those videos' authors and the people they show first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from _common import ROOT, pct, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")


def bench_scan(tracks: int, probes: int) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from cameos import gallery
    from cameos import services as cameos
    from cameos.models import Appearance, Cameo, GalleryEntry, VideoFace
    from core.bulk import insert_rows
    from feed.models import Video, VideoPerson

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import likeness

    video_ids = np.array(Video.objects.order_by("pk").values_list("pk", flat=True)[:tracks])
    if len(video_ids) < tracks:
        raise SystemExit(f"only {len(video_ids)} videos: seed more (manage.py seed --videos ...)")
    if VideoFace.objects.count() < tracks:
        started = time.perf_counter()
        VideoFace.objects.all().delete()
        with transaction.atomic():

            def rows():  # type: ignore[no-untyped-def]
                for chunk in np.array_split(video_ids, max(1, tracks // 50_000)):
                    for video_id, vector in zip(chunk.tolist(), likeness._centres(chunk), strict=True):
                        yield (video_id, gallery._literal(vector), 0, 5000, 20, "2026-01-01T00:00:00Z")

            insert_rows(VideoFace, ["video_id", "embedding", "first_ms", "last_ms", "frames", "created_at"], rows())
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE cameos_videoface")
        print(f"loaded {tracks:,} face tracks in {time.perf_counter() - started:.0f} s")
    print(f"{VideoFace.objects.count():,} face tracks in the video face index")
    rng = np.random.default_rng(4)
    owners = list(User.objects.order_by("pk").values_list("pk", flat=True)[:probes])
    times, found = [], []
    for owner_id in owners:
        target = int(rng.choice(video_ids))
        # This person's template: the same identity as the track in `target`, seen again (cosine ~0.7).
        centre = likeness._centres(np.array([target]))[0]
        noisy = centre + rng.normal(size=128).astype(np.float32) / np.sqrt(128)
        template = noisy / np.linalg.norm(noisy)
        cameo, _ = Cameo.objects.get_or_create(owner_id=owner_id)
        GalleryEntry.objects.update_or_create(cameo=cameo, defaults={"embedding": template.tolist()})
        Appearance.objects.filter(user_id=owner_id).delete()
        VideoPerson.objects.filter(user_id=owner_id, video_id=target).delete()
        t = time.perf_counter()
        new = cameos.existing_videos_scan(cameo_id=cameo.pk)
        times.append((time.perf_counter() - t) * 1000)
        found.append(target in new)
    print(
        f"scan of existing videos ({probes} cameos): p50 {statistics.median(times):.0f} ms, "
        f"p99 {pct(times, 0.99):.0f} ms; the planted video found {sum(found)}/{len(found)}"
    )


def _busy_video(source, clip: bytes, poster: bytes | None, engagers: list[int], *, likes: int, comments: int):  # type: ignore[no-untyped-def]
    """A published video of `source`'s author with its own copy of the files, liked by `likes` of
    `engagers` and commented on `comments` times (inserted in bulk, counts set to match)."""
    from django.core.files.base import ContentFile

    from core.bulk import insert_rows
    from feed import services as feed
    from feed.models import Comment, Like, Video

    video = feed.video_create(  # its own files, in its own folder, as a generated video has
        author=source.author,
        media=ContentFile(clip, name="video.mp4"),
        poster=ContentFile(poster, name="poster.jpg") if poster is not None else None,
        duration_ms=source.duration_ms,
        width=source.width,
        height=source.height,
    )
    feed.video_publish(video=video)
    Video.objects.filter(pk=video.pk).update(like_count=likes, comment_count=comments)
    insert_rows(Like, ["video_id", "user_id", "created_at"], ((video.pk, u, "2026-01-01") for u in engagers[:likes]))
    insert_rows(
        Comment,
        ["video_id", "author_id", "text", "created_at"],
        ((video.pk, engagers[i], "so good", "2026-01-01") for i in range(comments)),
    )
    return video


def bench_delete(videos: int, likes: int, comments: int) -> None:
    from django.test import Client
    from django.urls import get_resolver

    from accounts import services as accounts
    from accounts.models import User
    from cameos.models import Appearance
    from feed.models import Like, Video, VideoPerson

    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True)[: likes + 2])
    if len(user_ids) < likes + 2:
        raise SystemExit("seed at least likes + 2 users")
    person = User.objects.get(pk=user_ids[0])
    token = accounts.token_issue(user=person)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    source = Video.objects.filter(status="published").exclude(author=person).order_by("pk").first()
    if source is None:
        raise SystemExit("seed some videos first")
    with source.media.open("rb") as handle:
        clip = handle.read()
    with source.poster.open("rb") as handle:
        poster = handle.read()
    # As a web process does before its first request (config/gunicorn.py, post_worker_init): every
    # view imported. Without it the first deletion timed Django importing the views (~75 ms), which no
    # user of a started server waits for, and with 20 deletions that first one is the p99.
    get_resolver().url_patterns  # noqa: B018
    times = []
    for _ in range(videos):
        video = _busy_video(source, clip, poster, user_ids[2:], likes=likes, comments=comments)
        VideoPerson.objects.create(video=video, user=person, author_id=video.author_id, published=True)
        Appearance.objects.create(video=video, user=person, source="tagged")
        t = time.perf_counter()
        response = client.delete(f"/api/v1/cameo/appearances/{video.pk}")
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 204:
            raise SystemExit(f"delete answered {response.status_code}: {response.content[:200]!r}")
        if Like.objects.filter(video_id=video.pk).exists():
            raise SystemExit("likes left behind")
        if client.get(f"/media/v/{video.media_key}/video.mp4").status_code != 404:
            raise SystemExit("the media URL still answers")
    print(
        f"DELETE /cameo/appearances/{{id}} of a video with {likes:,} likes and {comments:,} comments "
        f"({videos} videos): p50 {statistics.median(times):.0f} ms, p99 {pct(times, 0.99):.0f} ms, "
        f"max {max(times):.0f} ms"
    )


def bench_remove(videos: int, likes: int, comments: int) -> None:

    from accounts.models import User
    from feed import services as feed
    from feed.models import Like, Video

    user_ids = list(User.objects.order_by("pk").values_list("pk", flat=True)[: likes + 2])
    if len(user_ids) < likes + 2:
        raise SystemExit("seed at least likes + 2 users")
    source = Video.objects.filter(status="published").order_by("pk").first()
    if source is None:
        raise SystemExit("seed some videos first")
    with source.media.open("rb") as handle:
        clip = handle.read()
    times = []
    for _ in range(videos):
        video = _busy_video(source, clip, None, user_ids[2:], likes=likes, comments=comments)
        t = time.perf_counter()
        feed.video_remove(video=Video.objects.get(pk=video.pk), reason="benchmark")
        times.append((time.perf_counter() - t) * 1000)
        if Video.objects.filter(pk=video.pk).exists() or Like.objects.filter(video_id=video.pk).exists():
            raise SystemExit("the video or its likes are still there")
    print(
        f"video_remove of a video with {likes:,} likes and {comments:,} comments ({videos} videos): "
        f"p50 {statistics.median(times):.0f} ms, p99 {pct(times, 0.99):.0f} ms, max {max(times):.0f} ms"
    )


def bench_erase(people: int, engaged: int) -> None:
    from django.db.models import F
    from django.test import Client
    from django.urls import get_resolver

    from accounts import services as accounts
    from accounts.models import User
    from core.bulk import insert_rows
    from feed.models import Comment, Like, Video, View

    videos = list(
        Video.objects.filter(status="published")
        .order_by("author_id", "pk")
        .distinct("author_id")
        .values_list("pk", flat=True)
    )[:engaged]
    videos += list(Video.objects.filter(status="published").exclude(pk__in=videos).values_list("pk", flat=True))[
        : engaged - len(videos)
    ]
    authors = Video.objects.filter(pk__in=videos).values("author_id").distinct().count()
    get_resolver().url_patterns  # noqa: B018 - as a started web process (bench_delete)
    times = []
    for i in range(people):
        person = User.objects.create_user(handle=f"bench.erase.{os.getpid()}.{i}", password=None)
        token = accounts.token_issue(user=person)
        insert_rows(Like, ["video_id", "user_id", "created_at"], ((v, person.pk, "2026-01-01") for v in videos))
        rows = ((v, person.pk, "so good", "2026-01-01") for v in videos)
        insert_rows(Comment, ["video_id", "author_id", "text", "created_at"], rows)
        rows = ((v, person.pk, 1, 5000, True, "2026-01-01", "2026-01-01") for v in videos)
        insert_rows(View, ["video_id", "viewer_id", "plays", "watched_ms", "completed", "first_at", "last_at"], rows)
        Video.objects.filter(pk__in=videos).update(
            like_count=F("like_count") + 1,
            comment_count=F("comment_count") + 1,
            view_count=F("view_count") + 1,
            completed_view_count=F("completed_view_count") + 1,
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        t = time.perf_counter()
        response = client.delete("/api/v1/me")
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 204:
            raise SystemExit(f"erase answered {response.status_code}: {response.content[:200]!r}")
        if User.objects.filter(pk=person.pk).exists() or Like.objects.filter(user_id=person.pk).exists():
            raise SystemExit("the account or its likes are still there")
    print(
        f"DELETE /me of a person who liked, commented on and watched {len(videos)} videos of {authors} authors "
        f"({people} people): p50 {statistics.median(times):.0f} ms, p99 {pct(times, 0.99):.0f} ms, "
        f"max {max(times):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    scan = sub.add_parser("scan")
    scan.add_argument("--tracks", type=int, default=1_000_000)
    scan.add_argument("--probes", type=int, default=20)
    delete = sub.add_parser("delete")
    delete.add_argument("--videos", type=int, default=20)
    delete.add_argument("--likes", type=int, default=10_000)
    delete.add_argument("--comments", type=int, default=1_000)
    remove = sub.add_parser("remove")
    remove.add_argument("--videos", type=int, default=20)
    remove.add_argument("--likes", type=int, default=10_000)
    remove.add_argument("--comments", type=int, default=1_000)
    erase = sub.add_parser("erase")
    erase.add_argument("--people", type=int, default=20)
    erase.add_argument("--engaged", type=int, default=300)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit('needs PostgreSQL: eval "$(.ci/services.sh start)"')
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if args.what == "scan":
        bench_scan(args.tracks, args.probes)
    elif args.what == "delete":
        bench_delete(args.videos, args.likes, args.comments)
    elif args.what == "remove":
        bench_remove(args.videos, args.likes, args.comments)
    else:
        bench_erase(args.people, args.engaged)


if __name__ == "__main__":
    main()
