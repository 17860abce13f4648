"""Randomised stress of the consent and cameo write paths on PostgreSQL: several threads, each with
its own database connection, send random requests through the HTTP API (cameo requests and their
decisions, revocations, audience changes, a cameo's deletion, publishes, deletions of a video of me,
possible matches confirmed or removed, follows, blocks, an account's erasure) to a small world of
people with cameos, drafts and published videos showing several of them, with the consent cascade
run in-process as the tests run every task. What a user would notice of a wrong lock order (a
deadlock PostgreSQL breaks) is a 500 or a failed erasure: none may happen, and at the end every
served draft and every published video shows only people whose cameo admits its author, unless they
withdrew since it was published (docs/consent.md, "When consent is withdrawn"). Each seed replays the
same world and the same choices (the interleaving differs run to run); a failure prints the
operations each thread sent. Knobs for a longer hunt (the defaults keep it to about 10 s):
CASTFEED_STRESS_SEEDS=1,2,3 CASTFEED_STRESS_SECONDS=7 CASTFEED_STRESS_THREADS=6 CASTFEED_STRESS_ERASURES=4, and
CASTFEED_STRESS_STACKS=1 to print the project's frames of every thread whenever a request has waited
0.7 s (both sides of a deadlock, which the victim's traceback alone does not show)."""

from __future__ import annotations

import os
import random
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from cameos import services as cameos
from cameos.models import Appearance, CameoGrant
from cameos.selectors import admitting
from feed.models import ConsentPending, Video, VideoPerson
from generation.models import GenerationJob, JobPerson
from moderation.models import AuditEvent
from tests.enroll import approve

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("c2pa_dev_dir"),
]

SEEDS = [int(s) for s in os.environ.get("CASTFEED_STRESS_SEEDS", "1").split(",")]
SECONDS = float(os.environ.get("CASTFEED_STRESS_SECONDS", "3"))
THREADS = int(os.environ.get("CASTFEED_STRESS_THREADS", "5"))
PEOPLE = 7
# Accounts erased, and cameos deleted, at most: two of each by default, so that two erasures meet
# (before, they deadlocked on the notifications each deleted of the other: one in about 100 runs with 4;
# tests/accounts/test_two_erasures_race.py); raise it to hunt.
ERASURES = int(os.environ.get("CASTFEED_STRESS_ERASURES", "2"))
ROOT = f"{Path(__file__).resolve().parents[2]}/"
AUDIENCES = ("approved", "mutuals", "everyone")
WITHDRAWALS = [
    AuditEvent.Kind.GRANT_CHANGED,
    AuditEvent.Kind.AUDIENCE_NARROWED,
    AuditEvent.Kind.CAMEO_ERASED,
    AuditEvent.Kind.BLOCK,
    AuditEvent.Kind.CONSENT_WITHDRAWN,
    AuditEvent.Kind.ACCOUNT_ERASED,
]


def a_video(author: User, shown: list[int], make_video: Any, *, publish: bool, remix_of: Any = None) -> Video:
    """A video by `author` showing these people, with the job that made it (every video has one: jobs
    are held before videos), ready to publish (a served draft) or published."""
    shown_people = tuple(User.objects.filter(pk__in=shown))
    video = make_video(author, publish=publish, people=shown_people, remix_of=remix_of)
    job = GenerationJob.objects.create(
        author=author,
        prompt=" and ".join(f"@{p.handle}" for p in shown_people) + " juggling on a unicycle",
        duration_s=2,
        seed=video.pk,
        status="published" if publish else "ready",
        progress=100,
        video=video,
        remix_of=remix_of,
        rules_checked_at=timezone.now(),
    )
    if not publish:
        JobPerson.objects.bulk_create([JobPerson(job=job, person_id=p, author_id=author.pk) for p in shown])
    return video


def a_world(rng: random.Random, make_user: Any, activate_cameo: Any, make_video: Any) -> list[User]:
    """PEOPLE people with cameos of random audiences, random follows and grants; for each, three
    ready drafts and a published video showing one or two people who admit their author, a draft
    remixing someone else's published video, and possible matches of someone on two of their videos."""
    people = [make_user(f"stress.{i}") for i in range(PEOPLE)]
    for person in people:
        activate_cameo(person)  # open to approved people: they may be asked first
    for a in people:
        for b in people:
            if a != b and rng.random() < 0.4:
                accounts.follow_create(follower=a, followee=b)
            if a != b and rng.random() < 0.3:
                approve(b, a)
    for person in people:
        cameos.cameo_update(owner=person, audience=rng.choice(AUDIENCES))
    admitted = {author.pk: admitting(author, [p.pk for p in people if p != author]) for author in people}
    for author in people:
        others = admitted[author.pk]
        for draft in range(4):
            shown = rng.sample(others, k=min(len(others), rng.choice((1, 2))))
            a_video(author, shown, make_video, publish=draft == 3)
    for author in people:
        source = rng.choice(list(Video.objects.filter(status="published").exclude(author=author)))
        a_video(author, [], make_video, publish=False, remix_of=source)
        for video in Video.objects.filter(author=author).order_by("pk")[::3]:
            shown = set(VideoPerson.objects.filter(video=video).values_list("user_id", flat=True))
            if candidates := [p for p in admitted[author.pk] if p not in shown]:
                Appearance.objects.create(
                    video=video,
                    user_id=rng.choice(candidates),
                    source=Appearance.Source.DETECTED,
                    similarity=0.5,
                    match=Appearance.Match.POSSIBLE,
                )
    return people


def _one(rng: random.Random, rows: Any) -> Any:
    """A random one of these ids, or None."""
    ids = list(rows)
    return rng.choice(ids) if ids else None


def _requests_to_decide(rng: random.Random, me: int) -> Any:
    return _one(rng, CameoGrant.objects.filter(cameo__owner_id=me, status="requested").values_list("pk", flat=True))


def _grants(rng: random.Random, me: int) -> Any:
    return _one(rng, CameoGrant.objects.filter(cameo__owner_id=me, status="approved").values_list("pk", flat=True))


def _drafts(rng: random.Random, me: int) -> Any:
    return _one(rng, GenerationJob.objects.filter(author_id=me, status="ready").values_list("pk", flat=True))


def _videos_of_me(rng: random.Random, me: int) -> Any:
    rows = VideoPerson.objects.filter(user_id=me).exclude(author_id=me).values_list("video_id", flat=True)
    return _one(rng, rows)


def _matches(rng: random.Random, me: int) -> Any:
    rows = Appearance.objects.filter(video__author_id=me, match="possible").values_list("pk", flat=True)
    return _one(rng, rows)


def _my_videos(rng: random.Random, me: int) -> Any:
    return _one(rng, Video.objects.filter(author_id=me).values_list("pk", flat=True))


# kind -> (weight, the request as (method, path) from (rng, my id, someone else's handle, keep|delete),
# or None when it has no target now: no draft left to publish, no request to decide)
OPS: dict[str, tuple[int, Any]] = {
    "request": (8, lambda rng, me, h, v: ("POST", f"/api/v1/cameos/{h}/requests")),
    "decide": (
        8,
        lambda rng, me, h, v: (
            (g := _requests_to_decide(rng, me))
            and ("POST", f"/api/v1/cameo/requests/{g}/{rng.choice(('approve', 'deny'))}")
        ),
    ),
    "revoke": (6, lambda rng, me, h, v: (g := _grants(rng, me)) and ("DELETE", f"/api/v1/cameo/grants/{g}?videos={v}")),
    "audience": (6, lambda rng, me, h, v: ("PATCH", f"/api/v1/cameo?videos={v}&audience={rng.choice(AUDIENCES)}")),
    "cameo_delete": (1, lambda rng, me, h, v: ("DELETE", f"/api/v1/cameo?appearances={v}")),
    "publish": (12, lambda rng, me, h, v: (j := _drafts(rng, me)) and ("POST", f"/api/v1/generations/{j}/publish")),
    "appearance_delete": (
        5,
        lambda rng, me, h, v: (w := _videos_of_me(rng, me)) and ("DELETE", f"/api/v1/cameo/appearances/{w}"),
    ),
    "appearances_of_author": (2, lambda rng, me, h, v: ("DELETE", f"/api/v1/cameo/appearances?author={h}")),
    "match": (
        5,
        lambda rng, me, h, v: (
            (m := _matches(rng, me))
            and ("POST", f"/api/v1/cameo/possible-matches/{m}/{rng.choice(('confirm', 'remove'))}")
        ),
    ),
    "follow": (10, lambda rng, me, h, v: (rng.choice(("PUT", "DELETE")), f"/api/v1/users/{h}/follow")),
    "block": (
        6,
        lambda rng, me, h, v: (
            ("PUT", f"/api/v1/users/{h}/block?videos={v}")
            if rng.random() < 0.6
            else ("DELETE", f"/api/v1/users/{h}/block")
        ),
    ),
    "erase": (1, lambda rng, me, h, v: ("DELETE", f"/api/v1/me?appearances={v}")),
    "video_delete": (3, lambda rng, me, h, v: (w := _my_videos(rng, me)) and ("DELETE", f"/api/v1/videos/{w}")),
}


def an_op(rng: random.Random, actor: User, people: list[User], budget: dict[str, int]) -> tuple[str, str, str] | None:
    """(method, path, kind) of a random request by `actor`, its target read from the database now;
    None when the request drawn has none. `budget`: how many more of some kinds may be sent."""
    kind = rng.choices(list(OPS), weights=[weight for weight, _ in OPS.values()])[0]
    if kind in budget:
        if budget[kind] <= 0:
            return None
        budget[kind] -= 1
    other = rng.choice([p for p in people if p != actor])
    request = OPS[kind][1](rng, actor.pk, other.handle, rng.choice(("keep", "delete")))
    return (*request, kind) if request else None


def send(client: Any, method: str, path: str) -> Any:
    if method == "PATCH":
        path, _, query = path.partition("&")
        field, _, value = query.partition("=")
        return client.patch(path, {field: value}, format="json")
    return getattr(client, method.lower())(path, format="json")


def consent_broken() -> list[str]:
    """What the world shows that consent does not allow: a served draft (its job ready, the person not
    marked pending) or a published video showing someone whose cameo does not admit its author, the
    published one unless consent was withdrawn since it was published."""
    broken = []
    ready = GenerationJob.objects.filter(status="ready", video__isnull=False)
    for job in ready.select_related("author", "video"):
        shown = set(VideoPerson.objects.filter(video_id=job.video_id).values_list("user_id", flat=True))
        shown |= set(JobPerson.objects.filter(job=job).values_list("person_id", flat=True))
        shown.discard(job.author_id)
        pending = set(ConsentPending.objects.filter(video_id=job.video_id).values_list("person_id", flat=True))
        broken += [
            f"served draft {job.video_id} of {job.author.handle} shows {person}, who does not admit them"
            for person in sorted(shown - pending - set(admitting(job.author, shown)))
        ]
    for video in Video.objects.filter(status="published").select_related("author"):
        shown = set(VideoPerson.objects.filter(video=video).values_list("user_id", flat=True)) - {video.author_id}
        for person in sorted(shown - set(admitting(video.author, shown))):
            either = [person, video.author_id]
            withdrawn = AuditEvent.objects.filter(
                Q(subject_id__in=either) | Q(actor_id__in=either),
                kind__in=WITHDRAWALS,
                created_at__gte=video.published_at,
            )
            if not withdrawn.exists():
                broken.append(f"published video {video.pk} of {video.author.handle} shows {person} without consent")
    return broken


@pytest.mark.parametrize("seed", SEEDS)
def test_random_consent_writes_from_several_people_at_once_all_answer(
    seed, make_user, activate_cameo, make_video, client_of
):
    rng = random.Random(seed)
    people = a_world(rng, make_user, activate_cameo, make_video)
    clients = {p.pk: client_of(p) for p in people}
    budget = dict.fromkeys(("cameo_delete", "erase"), ERASURES)
    budget_lock = threading.Lock()
    log: list[tuple[float, str, str, str, str, Any]] = []
    errors: list[str] = []
    gone: set[int] = set()  # erased: they send nothing more
    start = time.monotonic()

    def work(index: int) -> None:
        thread_rng = random.Random(seed * 100 + index)
        try:
            while time.monotonic() - start < SECONDS:
                actor = thread_rng.choice([p for p in people if p.pk not in gone])
                with budget_lock:
                    op = an_op(thread_rng, actor, people, budget)
                if op is None:
                    continue
                method, path, kind = op
                began = time.monotonic() - start
                in_flight[index] = (began, f"{actor.handle} {method} {path}")
                try:
                    answer = send(clients[actor.pk], method, path)
                except Exception:
                    log.append((began, f"t{index}", actor.handle, method, path, "raised"))
                    errors.append(f"t{index} {actor.handle} {method} {path}:\n{traceback.format_exc()}")
                    continue
                log.append((began, f"t{index}", actor.handle, method, path, answer.status_code))
                if kind == "erase" and answer.status_code == 204:
                    gone.add(actor.pk)
                if answer.status_code >= 500:
                    errors.append(f"t{index} {actor.handle} {method} {path}: {answer.status_code}")
        except Exception:
            errors.append(f"t{index} outside a request:\n{traceback.format_exc()}")
        finally:
            connections.close_all()

    in_flight: dict[int, tuple[float, str]] = {}
    stacks: list[str] = []

    def watch() -> None:
        """CASTFEED_STRESS_STACKS=1: the project's frames of every thread each time a request has waited
        0.7 s (PostgreSQL looks for a deadlock after 1 s): what each side of one was doing."""
        dumped: set[tuple[int, float]] = set()
        while any(thread.is_alive() for thread in threads):
            now = time.monotonic() - start
            slow = {(i, began) for i, (began, _) in list(in_flight.items()) if now - began > 0.7} - dumped
            if slow:
                dumped |= slow
                frames = sys._current_frames()
                lines = [f"=== at {now:.3f}"]
                for thread in threads:
                    if thread.ident in frames:
                        began, what = in_flight.get(int(thread.name[1:]), (0.0, ""))
                        own = [
                            f"    {f.filename.removeprefix(ROOT)}:{f.lineno} {f.name}: {f.line}"
                            for f in traceback.extract_stack(frames[thread.ident])
                            if f.filename.startswith(ROOT)
                            and not f.filename.startswith((f"{ROOT}tests/", f"{ROOT}.venv/"))
                        ]
                        lines.append(f"--- {thread.name} since {began:.3f}: {what}\n" + "\n".join(own[-6:]))
                stacks.append("\n".join(lines))
            time.sleep(0.1)

    threads = [threading.Thread(target=work, args=(i,), name=f"t{i}") for i in range(THREADS)]
    for thread in threads:
        thread.start()
    if os.environ.get("CASTFEED_STRESS_STACKS"):
        threading.Thread(target=watch, daemon=True).start()
    for thread in threads:
        thread.join(timeout=120)
    ops = "\n".join(
        f"{t:7.3f} {name} {who} {method} {path} -> {status}" for t, name, who, method, path, status in sorted(log)
    )
    assert not any(thread.is_alive() for thread in threads), ops
    assert errors == [], (
        f"seed {seed}:\n" + "\n".join(errors) + "\n--- operations ---\n" + ops + "\n" + "\n".join(stacks)
    )
    broken = consent_broken()
    assert broken == [], f"seed {seed}:\n" + "\n".join(broken) + "\n--- operations ---\n" + ops
    if os.environ.get("CASTFEED_STRESS_PRINT"):
        print(ops)
    statuses = [status for *_, status in log]
    assert sum(1 for s in statuses if s in (200, 201, 204)) > 10, ops  # it did write, not only refuse
