"""Random likes, unlikes, comments, deletions of comments, plays, reports, follows, blocks (with and
without their videos of me), deletions of videos and of appearances, and erasures, by 7 people in 5
threads at once through the API, each thread with its own database connection, for a few seconds:
every request answers below 500 (a deadlock PostgreSQL broke reached its user as a 500, or failed an
erasure), and each remaining video's counts are its rows, with nothing left across a block. Not in CI:
when written it still found deadlocks that no fix had reached (two erasures at once, one's commit
waiting for the other's account row; a block with `videos=delete` or an erasure with
`appearances=delete`, which delete several videos in one transaction, or a video after changing its
counts). PostgreSQL only (SQLite lets one writer at a time):

    source <services env>   # DATABASE_URL=postgres://..., as for the race tests
    .venv/bin/python benchmarks/engagement_stress.py --seeds 1,2,3 --seconds 3 [--create-db]

The operations of a seed are the same every run (the threads' timing is not); a failure prints every
operation (start and end, thread, who did what, the answer) and each 500's traceback. It is a pytest
module that this script runs with tests/conftest.py's fixtures."""

# ruff: noqa: S101 (a pytest module: its checks are asserts)
from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

SEEDS = [int(s) for s in os.environ.get("STRESS_SEEDS", "1").split(",")]
SECONDS = float(os.environ.get("STRESS_SECONDS", "3"))
THREADS = 5

# How often each operation is drawn: the ones that end a video or an account rarely, so that the
# world lasts the run.
WEIGHTS = {
    "like": 12,
    "unlike": 8,
    "comment": 10,
    "delete_comment": 8,
    "view": 6,
    "report": 2,
    "follow": 4,
    "unfollow": 3,
    "block": 3,
    "block_delete_videos": 1,
    "unblock": 4,
    "delete_video": 1,
    "delete_appearance": 1,
    "erase": 1,
}


@pytest.fixture
def _generous_limits(settings):  # type: ignore[no-untyped-def]
    """Rate limits out of the way: a 429 would stop the requests from meeting each other."""
    from core.conf import conf

    rates = dict.fromkeys(conf().throttle_rates, "100000/minute")
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": rates}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.usefixtures("_generous_limits")
def test_engagement_and_social_writes_at_once_never_fail_and_keep_the_counts(seed, make_user, make_video):
    from django.db import connections
    from rest_framework.test import APIClient

    from accounts import services as accounts
    from accounts.models import Block, User
    from feed import services as feed_services
    from feed.models import Comment, Like, Video, View

    people = [make_user(f"stress{i}") for i in range(7)]
    by_pk = {p.pk: p for p in people}
    tokens = {p.pk: accounts.token_issue(user=p) for p in people}
    shown = [(), (people[2],), (people[3], people[4]), (), (people[5],), (people[0],)]
    videos = [make_video(people[i % 4], people=tuple(p for p in shown[i] if p != people[i % 4])) for i in range(6)]
    comment_ids: list[int] = []
    video_of: dict[int, int] = {}  # each comment's video
    for i, video in enumerate(videos):  # something to unlike and delete from the start
        for fan in people[i % 3 : i % 3 + 3]:
            feed_services.like_create(user=fan, video=video)
            said = feed_services.comment_create(author=fan, video=video, text="hi")
            comment_ids.append(said.pk)
            video_of[said.pk] = video.pk
    people_in = {v.pk: [p.pk for p in shown[i] if p.pk != v.author_id] for i, v in enumerate(videos)}
    author_of = {v.pk: v.author_id for v in videos}

    log: list[tuple[float, float, str, str, int | str]] = []
    failures: list[str] = []
    erasures: list[str] = []
    lock = threading.Lock()
    start = time.monotonic()

    def request(client: Any, method: str, url: str, **kwargs: Any) -> Any:
        return getattr(client, method)(url, format="json", **kwargs)

    def one(rng: random.Random, clients: dict[int, Any]) -> tuple[str, Any]:
        op = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        if op == "erase":  # two erasures at most: the others have people left to meet
            with lock:
                erasures.append(op)
                op = op if len(erasures) <= 2 else "like"
        me = rng.choice(people).pk
        them = rng.choice([p for p in people if p.pk != me])
        video = rng.choice(videos).pk
        client = clients[me]
        with lock:
            comment = rng.choice(comment_ids) if comment_ids else 0
        if op == "delete_appearance":  # by someone it shows, when it shows anyone
            me = rng.choice(people_in[video] or [author_of[video]])
            client = clients[me]
        elif op == "delete_video" or (op == "delete_comment" and rng.random() < 0.4):
            if op == "delete_comment":  # the author of the comment's video deletes it
                with lock:
                    video = video_of.get(comment, video)
            me = author_of[video]
            client = clients[me]
        play = {"watched_ms": rng.randint(0, 900), "completed": rng.random() < 0.5}
        appearances = rng.choice(["keep", "delete"])
        them_at, video_at = f"/api/v1/users/{them.handle}", f"/api/v1/videos/{video}"
        method, url, data = {
            "like": ("put", f"{video_at}/like", None),
            "unlike": ("delete", f"{video_at}/like", None),
            "comment": ("post", f"{video_at}/comments", {"text": "hey"}),
            "delete_comment": ("delete", f"/api/v1/comments/{comment}", None),
            "view": ("post", f"{video_at}/views", play),
            "report": ("post", f"{video_at}/report", {"reason": "spam"}),
            "follow": ("put", f"{them_at}/follow", None),
            "unfollow": ("delete", f"{them_at}/follow", None),
            "block": ("put", f"{them_at}/block", None),
            "block_delete_videos": ("put", f"{them_at}/block?videos=delete", None),
            "unblock": ("delete", f"{them_at}/block", None),
            "delete_video": ("delete", video_at, None),
            "delete_appearance": ("delete", f"/api/v1/cameo/appearances/{video}", None),
            "erase": ("delete", f"/api/v1/me?appearances={appearances}", None),
        }[op]
        answer = request(client, method, url, data=data)
        if op == "comment" and answer.status_code == 201:
            with lock:
                comment_ids.append(answer.json()["id"])
                video_of[answer.json()["id"]] = video
        return f"@{by_pk[me].handle} {op}: {method.upper()} {url}", answer

    def worker(n: int) -> None:
        rng = random.Random(f"{seed}-{n}")
        clients = {}
        for pk, token in tokens.items():
            clients[pk] = APIClient()
            clients[pk].credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            while time.monotonic() - start < SECONDS:
                at = time.monotonic() - start
                try:
                    what, answer = one(rng, clients)
                except Exception:
                    with lock:
                        log.append((at, time.monotonic() - start, f"t{n}", "?", "raised"))
                        failures.append(f"t{n} at {at:.3f}s:\n{traceback.format_exc()}")
                    continue
                with lock:
                    log.append((at, time.monotonic() - start, f"t{n}", what, answer.status_code))
                    if answer.status_code >= 500:
                        failures.append(f"t{n} at {at:.3f}s: {what} answered {answer.status_code} {answer.content!r}")
        finally:
            connections.close_all()

    class Errors(logging.Handler):  # a 500's traceback (core.middleware logs it), with its thread
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR:
                with lock:
                    failures.append(f"{threading.current_thread().name}: {self.format(record)}")

    errors = Errors()
    logging.getLogger("core.errors").addHandler(errors)
    threads = [threading.Thread(target=worker, args=(n,), name=f"t{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 120)
    hung = [t.name for t in threads if t.is_alive()]
    logging.getLogger("core.errors").removeHandler(errors)

    wrong = []
    for video in Video.objects.all():
        counts = (video.like_count, video.comment_count, video.view_count, video.completed_view_count)
        rows = (
            Like.objects.filter(video=video).count(),
            Comment.objects.filter(video=video).count(),  # everyone here is active
            View.objects.filter(video=video).count(),
            View.objects.filter(video=video, completed=True).count(),
        )
        if counts != rows:
            wrong.append(f"video {video.pk}: counts (likes, comments, views, completed) {counts}, rows {rows}")
    for block in Block.objects.all():  # nothing left across a block (docs/api.md)
        pair = [(block.blocker_id, block.blocked_id), (block.blocked_id, block.blocker_id)]
        for fan, author in pair:
            if Like.objects.filter(user_id=fan, video__author_id=author).exists():
                wrong.append(f"a like of {fan} on a video of {author} across their block")
            if Comment.objects.filter(author_id=fan, video__author_id=author).exists():
                wrong.append(f"a comment of {fan} on a video of {author} across their block")
    assert User.objects.filter(is_active=False).count() == 0

    if failures or hung or wrong:
        print(f"seed {seed}: {len(log)} operations")
        for at, end, thread, what, status in sorted(log):
            print(f"{at:7.3f}-{end:7.3f} {thread} {what} -> {status}")
        print("\n\n".join(failures))
    assert hung == [], "hung"
    assert failures == [], failures[:3]
    assert wrong == []
    assert len(log) > 20  # the threads did meet


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated; one run each")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long each run sends requests")
    parser.add_argument("--create-db", action="store_true", help="pytest's --create-db (after migrations change)")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    os.chdir(root)
    sys.path.insert(0, str(root))
    os.environ.update(STRESS_SEEDS=args.seeds, STRESS_SECONDS=str(args.seconds))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()  # before tests/conftest.py, loaded as a plugin, imports the models
    extra = ["--create-db"] if args.create_db else []
    return pytest.main([__file__, "-p", "tests.conftest", "-q", "--show-capture=stdout", *extra])


if __name__ == "__main__":
    sys.exit(main())
