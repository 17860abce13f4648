"""Likes, unlikes and comments through the API, in one process on PostgreSQL: what each write costs
now that it holds its author's account row against a block made at the same moment (a shared lock
and the block checked again under it: feed.services, docs/api.md § block).

    eval "$(bash .ci/services.sh start)"
    createdb -h 127.0.0.1 -p 55432 -U postgres castfeed_engagement
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/castfeed_engagement \\
        .venv/bin/python benchmarks/engagement.py --runs 400

Works in the database of DATABASE_URL (PostgreSQL, one of its own; migrated here). Seeds once: an
author with 50 published videos and 400 fans. Each run is one fan's like, unlike and comment on one
of the videos (Django's test client, the whole view: authentication forced, no rate limits, as the
project's own API tests call it), with the status each must answer checked. To compare with an
earlier commit, run the same script from a checkout of it against a database of its own, alternating.
"""

from __future__ import annotations

import argparse
import os
import random

from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ["CASTFEED_CORE_THROTTLE_RATES"] = "{}"  # the writes, not the limits, are measured


def seed(fans: int) -> None:
    from accounts.models import User
    from feed import services
    from tests.media import tiny_jpeg, tiny_mp4

    if User.objects.filter(handle="bench.liked").exists():
        return
    from django.core.files.base import ContentFile

    author = User.objects.create(handle="bench.liked")
    for i in range(50):
        video = services.video_create(
            author=author,
            media=ContentFile(tiny_mp4(), name="v.mp4"),
            poster=ContentFile(tiny_jpeg(), name="p.jpg"),
            duration_ms=1000,
            width=64,
            height=64,
            caption=f"bench engagement {i}",
        )
        services.video_publish(video=video)
    User.objects.bulk_create([User(handle=f"bench.fan{i}") for i in range(fans)])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit('needs PostgreSQL: eval "$(bash .ci/services.sh start)" and a DATABASE_URL of its own')
    setup_django()
    import time

    from django.core.management import call_command
    from rest_framework.test import APIClient

    from accounts.models import User
    from feed.models import Comment, Like, Video

    call_command("migrate", verbosity=0)
    seed(args.runs)
    videos = list(Video.objects.filter(author__handle="bench.liked").values_list("pk", flat=True))
    fans = list(User.objects.filter(handle__startswith="bench.fan").order_by("pk")[: args.runs])
    Like.objects.filter(video_id__in=videos).delete()
    Comment.objects.filter(video_id__in=videos).delete()
    rng = random.Random(7)
    timings: dict[str, list[float]] = {"like": [], "unlike": [], "comment": []}
    for i, fan in enumerate(fans):
        client = APIClient()
        client.force_authenticate(fan)
        video = rng.choice(videos)
        url = f"/api/v1/videos/{video}"
        for name, method, path, body, expected in (
            ("like", "put", f"{url}/like", None, 204),
            ("unlike", "delete", f"{url}/like", None, 204),
            ("comment", "post", f"{url}/comments", {"text": "so good"}, 201),
        ):
            started = time.perf_counter()
            response = getattr(client, method)(path, body, format="json")
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != expected:
                raise SystemExit(f"{name}: {response.status_code} {response.content[:200]!r}")
            if i >= 20:  # the first ones warm the connection and the code
                timings[name].append(elapsed)
    for name, values in timings.items():
        print(f"{name}: {p50_p99(values)} ({len(values)} calls)")


if __name__ == "__main__":
    main()
