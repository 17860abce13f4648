"""One populated world, every GET of the API read by everyone.

A 500 once hid in a state no test built. This module builds, through the services (no worker renders),
one world where every kind of object exists in every state a person can bring it to: people (active,
deactivated by support, a minor, one of unknown age, with and without display names), cameos (every
audience, with restrictions and instructions, with and without a voice), grants (requested, approved,
denied, revoked), follows, blocks both ways, videos (draft, published, hidden by a pending takedown,
removed, the remix of a deleted video, with tagged and detected people and possible matches), comments,
likes, views, reports, jobs in every status, a notification of every kind, takedown requests in every
status, and steering. Then every GET of docs/api.md, and the GET of every id that exists (or existed),
is read, page by page, by the owner, an approved friend, an outsider, someone the owner blocked,
someone who blocked the owner, an anonymous client and a deactivated account's token; and
GET /me/export by everyone. Every answer is checked against the rules the docs state:

- never a 5xx; every 4xx in the error shape (docs/api-conventions.md#errors);
- nothing biometric (a face or voice template, an embedding, a fingerprint);
- a draft's media only to its author and the people it shows (docs/api.md, "A draft is visible");
- nobody in a block with the caller, either way (docs/api.md), but where the caller asked for that
  handle by name and for the people they blocked themselves (/me/blocks, the export's `blocked`);
- never the handle or name of an account support deactivated (accounts.services.user_active_set: "is
  found by no search, profile or handle, and may be shown by no one").
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from accounts import services as accounts
from cameos import crypto
from cameos import services as cameos
from cameos.models import Appearance, CameoGrant, Voice
from feed import services as feed
from feed import steering
from feed.models import Video, VideoPerson
from generation import services as generation
from generation.models import GenerationJob
from moderation import consent, takedowns
from moderation.models import TakedownChallenge, TakedownMatch, TakedownRequest
from tests.enroll import approve, random_template
from tests.media import rendered

pytestmark = pytest.mark.django_db

API = "/api/v1"
# Keys whose value would be biometric (or a fingerprint of a video) in any body.
BIOMETRIC_KEYS = {"template", "templates", "embedding", "embeddings", "vector", "vectors", "fingerprint"}


class World:
    """What the fixture built: the people by role, and every id there is to GET."""

    def __init__(self) -> None:
        self.people: dict[str, Any] = {}
        self.videos: dict[str, Video] = {}
        self.deleted_video_ids: list[int] = []
        self.jobs: dict[str, GenerationJob] = {}
        self.comment_ids: list[int] = []
        self.tracking: list[str] = []
        self.voice_bytes: list[bytes] = []
        self.gone_token = ""  # signed in before support deactivated the account


def _takedown(status: str, *, template: list[float] | None = None) -> TakedownRequest:
    now = timezone.now()
    challenge = TakedownChallenge.objects.create(
        steps=["center"], expires_at=now + dt.timedelta(minutes=5), used_at=now
    )
    closed = status not in TakedownRequest.OPEN
    return TakedownRequest.objects.create(
        email="someone@example.org",
        challenge=challenge,
        status=status,
        template=template,
        received_at=now,
        due_at=now + dt.timedelta(hours=48),
        verified_at=now if status != "verifying" else None,
        closed_at=now if closed else None,
        reason="We could not read this video." if status == "rejected" else "",
        reason_code="video_unreadable" if status == "rejected" else "",
    )


def _hidden_by_takedown(video: Video, template: list[float]) -> TakedownRequest:
    """A verified takedown request that matched `video` and hid it, as request_verify does (its author
    told so)."""
    request = _takedown("hidden", template=template)
    hidden = feed.video_hide(video=video, reason=f"takedown request {request.tracking}")
    if hidden:
        accounts.notify(user_id=video.author_id, kind="video_hidden_for_review", video_id=video.pk)
    TakedownMatch.objects.create(
        request=request, video=video, video_ref=video.pk, source="face", similarity=0.93, was_published=hidden
    )
    TakedownRequest.objects.filter(pk=request.pk).update(videos_hidden=int(hidden))
    return request


def _job(author: Any, prompt: str, shown: list[Any], status: str = "queued") -> GenerationJob:
    """A job as job_submit stores one whose gate allowed these cameos (the gate itself is tested in
    tests/moderation; here it would only cost the name index's build)."""
    job = GenerationJob.objects.create(
        author=author,
        prompt=prompt,
        duration_s=2,
        seed=7,
        status="queued",
        cameos=[{"user_id": p.pk, "handle": p.handle} for p in shown],
        people=sorted(p.pk for p in shown),
        consent={"allowed": True, "stage": "submit", "subjects": []},
        rules_checked_at=timezone.now(),
    )
    generation._people_add(job, job.people)
    order = ["queued", "checking", "running", "scanning"]
    if status == "queued":
        return job
    assert generation.job_claim(job.pk, lease_seconds=600) is not None
    for source, target in itertools.pairwise(order[1:]):
        if status == source:
            break
        assert generation.job_advance(job.pk, source, target)
    job.refresh_from_db()
    return job


def _ready(author: Any, prompt: str, shown: list[Any]) -> GenerationJob:
    job = _job(author, prompt, shown, "scanning")
    video = generation.job_finish(
        job.pk, **rendered(tagged=[p.pk for p in shown], decision={"allowed": True, "subjects": []})
    )
    assert video is not None
    job.refresh_from_db()
    return job


@pytest.fixture
def world(make_user, make_video, activate_cameo, django_capture_on_commit_callbacks, settings) -> World:  # type: ignore[no-untyped-def]
    settings.CASTFEED_CORE = {
        **settings.CASTFEED_CORE,
        "THROTTLE_RATES": dict.fromkeys(("default", "search", "social", "takedowns_status"), "100000/minute"),
    }
    w = World()
    p = w.people
    adult = dt.date(1990, 5, 17)
    p["owner"] = make_user("pw.owner", display_name="Olive Owner")
    p["friend"] = make_user("pw.friend", display_name="Fred Friend")
    p["outsider"] = make_user("pw.outsider")  # no display name
    p["blocked"] = make_user("pw.blocked", display_name="Bea Blocked")  # the owner blocks them
    p["blocker"] = make_user("pw.blocker", display_name="Ben Blocker")  # blocks the owner
    p["gone"] = make_user("pw.gone", display_name="Gail Gone")  # support deactivates them
    fourteen = adult.replace(year=timezone.localdate().year - 14)
    p["minor"] = make_user("pw.minor", display_name="Max Minor", birthdate=fourteen)
    p["noage"] = make_user("pw.noage", birthdate=None)
    p["asker"] = make_user("pw.asker", display_name="Ada Asker", birthdate=adult)
    p["denied"] = make_user("pw.denied")
    p["revoked"] = make_user("pw.revoked", display_name="Rex Revoked")
    owner, friend, outsider, blocked, blocker, gone, minor = (
        p[k] for k in ("owner", "friend", "outsider", "blocked", "blocker", "gone", "minor")
    )

    # Cameos: every audience; rules and instructions; a voice for two of them.
    audiences = {
        "owner": "approved",
        "friend": "mutuals",
        "outsider": "everyone",
        "blocked": "only_me",
        "blocker": "everyone",
        "gone": "everyone",
        "minor": "approved",
    }
    for role, audience in audiences.items():
        activate_cameo(p[role], audience=audience)
    cameos.cameo_update(owner=owner, instructions="Always smiling, in a red scarf", restrictions=["no sports"])
    cameos.cameo_update(owner=friend, restrictions=["no politics", "nothing scary"], protect_name=True)
    for role in ("owner", "gone"):
        raw = random_template(p[role].pk + 1000).astype("<f4").tobytes()[:1024]
        w.voice_bytes.append(raw)
        Voice.objects.create(cameo=p[role].cameo, template=crypto.encrypt(raw))

    # Grants on the owner's cameo: approved, requested, denied, revoked; and on others'. The minor is
    # asked only by people they follow (docs/consent.md rule 6): they follow them first.
    for followee in (owner, friend, gone):
        accounts.follow_create(follower=minor, followee=followee)
    approve(owner, friend)
    approve(owner, gone)
    approve(friend, owner)
    approve(minor, friend)
    cameos.grant_request(requester=p["asker"], owner=owner)
    cameos.grant_request(requester=owner, owner=minor)
    asked = cameos.grant_request(requester=p["denied"], owner=owner)
    cameos.grant_decide(owner=owner, grant_id=asked.pk, approve=False)
    taken = approve(owner, p["revoked"])
    cameos.grant_revoke(owner=owner, grant_id=taken.pk)
    cameos.grant_request(requester=blocked, owner=owner)  # then blocked: a request from someone I blocked
    cameos.grant_request(requester=blocker, owner=owner)  # then they block me: gone from my list
    cameos.grant_request(requester=gone, owner=minor)  # a request from an account then deactivated

    # The graph.
    for a, b in [
        ("owner", "friend"),
        ("friend", "owner"),
        ("outsider", "owner"),
        ("gone", "owner"),
        ("owner", "gone"),
        ("blocked", "owner"),
        ("owner", "blocked"),
        ("blocker", "owner"),
        ("owner", "blocker"),
        ("friend", "outsider"),
        ("friend", "gone"),
        ("friend", "blocked"),
        ("blocker", "friend"),
        ("asker", "owner"),
    ]:
        accounts.follow_create(follower=p[a], followee=p[b])

    # Videos.
    v = w.videos
    v["published"] = make_video(owner, people=(friend,), caption="sunset picnic with friends")
    v["with_gone"] = make_video(owner, people=(gone,), caption="dancing on the pier")
    v["with_blocked"] = make_video(owner, people=(blocked,), caption="a walk in the park")
    v["friend_with_both"] = make_video(friend, people=(owner, blocker), caption="rooftop concert")
    v["draft"] = make_video(owner, publish=False, people=(friend,), caption="a secret draft")
    v["draft_alone"] = make_video(owner, publish=False, caption="only mine")
    v["outsider_draft_of_owner"] = make_video(outsider, publish=False, people=(owner,), caption="a draft of her")
    v["to_hide"] = make_video(owner, caption="beach volleyball")
    v["to_remove"] = make_video(owner, caption="a removed one")
    v["by_gone"] = make_video(gone, people=(owner,), caption="gail and olive")
    v["by_gone_draft"] = make_video(gone, publish=False, people=(friend,), caption="gail draft")
    v["remix_of_gone"] = make_video(friend, remix_of=v["by_gone"], caption="a remix of gail's")
    v["by_blocker"] = make_video(blocker, people=(outsider,), caption="ben at the fair")
    v["by_blocked"] = make_video(blocked, caption="bea cooking pasta")
    v["blocker_of_owner"] = make_video(blocker, people=(owner,), caption="ben and olive")
    v["by_minor"] = make_video(minor, caption="max skateboarding")
    v["by_outsider"] = make_video(outsider, caption="outsider origami")
    source = make_video(outsider, caption="a source to remix")
    v["remix_of_deleted"] = make_video(owner, remix_of=source, caption="remix of a deleted video")
    v["remix_of_removed_source"] = make_video(owner, caption="source later removed")
    v["remix_of_removed"] = make_video(friend, remix_of=v["remix_of_removed_source"], caption="a remix")
    w.deleted_video_ids.append(source.pk)
    feed.video_delete(video=source, by=outsider)

    # Detected people and possible matches (the output scan's findings).
    v["detected"] = make_video(owner, caption="crowd at the market")
    cameos.appearances_record(
        video=v["detected"],
        tagged=[],
        detected={outsider.pk: 0.99, gone.pk: 0.40, minor.pk: 0.41, blocked.pk: 0.42, blocker.pk: 0.43},
    )
    cameos.video_faces_record(
        video_id=v["detected"].pk, tracks=[(random_template(outsider.pk), 0, 900, 8), (random_template(9), 0, 500, 4)]
    )
    v["outsider_maybe_owner"] = make_video(outsider, caption="is that olive")
    cameos.appearances_record(
        video=v["outsider_maybe_owner"], tagged=[], detected={owner.pk: 0.45, friend.pk: 0.44, blocker.pk: 0.46}
    )
    # The outsider is asked only about the blocker, whose cameo (`everyone`) admits them; the owner's and
    # the friend's matches stay open, never named to them.
    match = Appearance.objects.get(video=v["outsider_maybe_owner"], user=blocker, match="possible")
    cameos.possible_match_decide(author=outsider, match_id=match.pk, confirm=True)  # video_of_you_found
    removed_by_person = make_video(owner, people=(friend,), caption="friend deletes this")
    cameos.appearance_delete(
        person=friend, video_id=removed_by_person.pk, hold_author=True
    )  # video_removed to the owner
    w.deleted_video_ids.append(removed_by_person.pk)

    # Engagement.
    for role in ("friend", "outsider", "gone", "blocked", "blocker", "minor"):
        c = feed.comment_create(author=p[role], video=v["published"], text=f"nice one from {role}")
        w.comment_ids.append(c.pk)
        feed.like_create(user=p[role], video=v["published"])
        feed.view_record(viewer=p[role], video=v["published"], watched_ms=400, completed=True)
    w.comment_ids.append(feed.comment_create(author=owner, video=v["by_outsider"], text="lovely").pk)
    w.comment_ids.append(feed.comment_create(author=gone, video=v["by_gone"], text="my own").pk)
    feed.report_create(reporter=outsider, video=v["published"], reason="spam")
    feed.report_create(reporter=owner, video=v["by_blocker"], reason="harassment", detail="mean")
    feed.report_create(reporter=gone, video=v["by_outsider"], reason="other")
    feed.like_create(user=owner, video=v["by_gone"])

    # Jobs in every status (the owner's), and others' that show the owner.
    j = w.jobs
    j["queued"] = _job(owner, "@pw.friend flying a kite", [friend])
    j["checking"] = _job(owner, "a lighthouse at dawn", [], "checking")
    j["running"] = _job(owner, "@pw.outsider juggling", [outsider], "running")
    j["scanning"] = _job(owner, "@pw.outsider and me skiing", [outsider, owner], "scanning")
    j["queued_with_gone"] = _job(owner, "@pw.gone skiing", [gone])
    j["ready"] = _ready(owner, "@pw.friend baking bread", [friend])
    j["published"] = _ready(owner, "@pw.friend painting", [friend])
    generation.job_publish(author=owner, job_id=j["published"].pk, caption="painting day")
    j["ready_with_gone"] = _ready(owner, "@pw.gone surfing", [gone])
    j["published_with_gone"] = _ready(owner, "@pw.gone rowing", [gone])
    generation.job_publish(author=owner, job_id=j["published_with_gone"].pk)
    j["blocked"] = _job(owner, "@pw.minor waving", [])
    refusal = consent.check(owner, "@pw.minor waving", stage="submit", record=False)
    assert not refusal.allowed
    generation.job_block(j["blocked"].pk, reason="Needs consent.", decision=refusal.as_record())
    j["failed"] = _job(owner, "a storm at sea", [], "running")
    generation.job_fail(j["failed"].pk, reason="The model ran out of memory.", code="generation_failed")
    j["cancelled"] = _ready(owner, "@pw.friend at the zoo", [friend])
    generation.job_cancel(author=owner, job_id=j["cancelled"].pk)
    j["with_block_partner"] = _ready(owner, "@pw.blocker bowling", [blocker])
    j["friend_of_owner"] = _ready(friend, "@pw.owner singing", [owner])  # draft_of_you to the owner
    generation.job_publish(author=friend, job_id=j["friend_of_owner"].pk)  # cameo_used to the owner
    j["friend_draft_of_owner"] = _ready(friend, "@pw.owner reading", [owner])
    j["gone_job"] = _ready(gone, "@pw.owner dancing", [owner])
    for key in ("ready", "published", "ready_with_gone", "published_with_gone", "cancelled"):
        j[key].refresh_from_db()
    v["job_draft"] = j["ready"].video

    # Takedowns: every status; one hides an owner video pending review.
    template = random_template(4242).tolist()
    for status in ("verifying", "rejected", "no_match"):
        w.tracking.append(_takedown(status).tracking)
    pending = _hidden_by_takedown(v["to_hide"], template)
    w.tracking.append(pending.tracking)
    confirm_me = _hidden_by_takedown(make_video(outsider, caption="to be taken down"), template)
    w.deleted_video_ids.append(confirm_me.matches.get().video_ref)
    takedowns.request_confirm(request_id=confirm_me.pk, reviewer=outsider)
    dismiss_me = _hidden_by_takedown(v["by_outsider"], template)
    takedowns.request_dismiss(request_id=dismiss_me.pk, reviewer=outsider)
    w.tracking += [confirm_me.tracking, dismiss_me.tracking]
    feed.video_take_down(video=v["to_remove"], reason="violence")
    feed.video_take_down(video=v["remix_of_removed_source"], reason="violence")

    steering.steer_set(user=owner, text="more cooking and animals, less sports")
    steering.steer_set(user=gone, text="more surfing")

    # The blocks (each ends grants and follows; its cascade runs as the worker would) and support
    # deactivating an account (likewise).
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=owner, blocked=blocked)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=blocker, blocked=owner)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=p["asker"], blocked=gone)
    w.gone_token = accounts.token_issue(user=gone)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_active_set(user=gone, active=False)
    for name, video in list(v.items()):
        if not Video.objects.filter(pk=video.pk).exists():  # a cascade deleted it
            w.deleted_video_ids.append(v.pop(name).pk)
            continue
        video.refresh_from_db()
    assert v["by_gone"].hidden_with_author  # shown to no one while the account is closed

    # Every status of every object is there.
    assert set(GenerationJob.objects.values_list("status", flat=True)) == set(GenerationJob.Status.values)
    assert set(TakedownRequest.objects.values_list("status", flat=True)) == set(TakedownRequest.Status.values)
    assert set(CameoGrant.objects.values_list("status", flat=True)) == set(CameoGrant.Status.values)
    assert set(Video.objects.values_list("status", flat=True)) == set(Video.Status.values)
    from accounts.models import Notification

    assert set(Notification.objects.values_list("kind", flat=True)) == set(Notification.Kind.values)
    assert Appearance.objects.filter(match="possible").exists()
    return w


# --- reading ---------------------------------------------------------------------------------------


def _pages(client: Any, url: str) -> Iterator[tuple[str, Any]]:
    """The answer to `url`, then (for a list) its pages again, one item a page: every cursor."""
    first = client.get(url)
    yield url, first
    listed = first.status_code == 200 and first.get("Content-Type", "").startswith("application/json")
    if not (listed and isinstance(first.json(), dict) and "next" in first.json()):
        return  # not a list
    sep = "&" if "?" in url else "?"
    current = f"{url}{sep}limit=1"
    for _ in range(40):
        response = client.get(current)
        yield current, response
        if response.status_code != 200:
            return
        body = response.json()
        if not isinstance(body, dict) or not body.get("next"):
            return
        current = f"{url}{sep}limit=1&cursor={body['next']}"


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{path}.{key}", key, item
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _shows(user: Any, url: str) -> bool:
    """`url` is a video's own page, and the video shows `user`."""
    page = re.fullmatch(rf"{API}/videos/(\d+)", url.split("?", maxsplit=1)[0])
    return page is not None and VideoPerson.objects.filter(video_id=int(page.group(1)), user=user).exists()


def _without_prompts(value: Any, *, video_authors: bool = True) -> Any:
    """The body without a job's prompt (the caller's own words) and, unless `video_authors`, without
    the author of each video (a video of the caller is listed under its author's handle, whoever they
    are: docs/videos-of-me.md)."""
    if isinstance(value, dict):
        drop = {"prompt"} if video_authors or "media_url" not in value else {"prompt", "author"}
        return {k: _without_prompts(v, video_authors=video_authors) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [_without_prompts(v, video_authors=video_authors) for v in value]
    return value


def _named(text: str, words: set[str]) -> set[str]:
    return {word for word in words if re.search(r"(?<![\w.])" + re.escape(word) + r"(?![\w.])", text)}


class Reader:
    def __init__(self, world: World) -> None:
        self.world = world
        self.problems: list[str] = []
        self.requests = 0
        self.statuses: dict[tuple[str, str], int] = {}  # (who, url) -> the first answer's status

    def problem(self, who: str, url: str, what: str) -> None:
        self.problems.append(f"{who} GET {url}: {what}")

    def check(self, who: str, user: Any, url: str, response: Any) -> None:
        self.requests += 1
        code = response.status_code
        self.statuses.setdefault((who, url), code)
        if code >= 500:
            self.problem(who, url, f"{code} {response.content[:300]!r}")
            return
        if not response.get("Content-Type", "").startswith("application/json"):
            if code >= 400:
                self.problem(who, url, f"{code} not JSON: {response.content[:200]!r}")
            return  # else a file (a reference image, a media file)
        body = response.json()
        if code >= 400:
            shaped = isinstance(body, dict) and isinstance(body.get("error"), str)
            if not (shaped and isinstance(body.get("detail"), str)):
                self.problem(who, url, f"{code} not in the error shape: {body}")
            return
        self.check_biometric(who, url, body)
        self.check_drafts(who, user, url, json.dumps(body))
        # Every video of me is listed, and opens, whoever made it (docs/videos-of-me.md): its author
        # too, one support deactivated included. Anywhere else a video names its author: one of a
        # deactivated account is shown to no one (accounts.services.user_active_set).
        mine = user is not None and (url.startswith(f"{API}/cameo/appearances") or _shows(user, url))
        if user is not None:  # a job's prompt is the caller's own words
            self.check_blocks(who, user, url, _without_prompts(body, video_authors=not mine))
        p = self.world.people
        said = json.dumps(_without_prompts(body, video_authors=not mine))
        named = _named(said, {p["gone"].handle, p["gone"].display_name})
        if named:
            self.problem(who, url, f"names the deactivated account: {sorted(named)}")

    def check_biometric(self, who: str, url: str, body: Any) -> None:
        for path, key, value in _walk(body):
            if str(key).lower() in BIOMETRIC_KEYS:
                self.problem(who, url, f"biometric key {path}")
            if str(key) == "voice" and not isinstance(value, bool):
                self.problem(who, url, f"{path} is not a boolean")
            if isinstance(value, list) and len(value) >= 32 and all(isinstance(x, float) for x in value):
                self.problem(who, url, f"a vector at {path}")
        text = json.dumps(body)
        for raw in self.world.voice_bytes:
            if raw.hex()[:32] in text or base64.b64encode(raw)[:24].decode() in text:
                self.problem(who, url, "voice template bytes")

    def check_drafts(self, who: str, user: Any, url: str, text: str) -> None:
        """A draft's media only to its author and the people it shows; a removed video's to its author."""
        for name, video in self.world.videos.items():
            if video.status == "published" or video.media_key not in text:
                continue
            allowed = user is not None and (
                user.pk == video.author_id or (video.status == "draft" and video.people.filter(pk=user.pk).exists())
            )
            if not allowed:
                self.problem(who, url, f"the media of {video.status} video {name!r}")

    def check_blocks(self, who: str, user: Any, url: str, said: Any) -> None:
        """Nobody in a block with the caller, but for a handle asked for by name and the caller's own blocks."""
        if url.startswith(f"{API}/me/blocks"):
            return
        if url.startswith(f"{API}/me/export"):
            said = {k: v for k, v in said.items() if k != "blocked"}
        # A request from someone I blocked stays in my list (approving it answers 409 `blocked`).
        mine = self.blocked_by(user)
        if url.startswith(f"{API}/cameo/requests"):
            said = [r for r in said.get("results", []) if r["person"]["handle"] not in mine]
        if url.startswith(f"{API}/me/export"):
            said["grants_given"] = [g for g in said["grants_given"] if g["handle"] not in mine]
        asked = set(url.split("?", maxsplit=1)[0].split("/"))  # a handle asked for by name: its profile, its cameo
        asked |= {u.display_name for u in self.world.people.values() if u.handle in asked}
        if url.startswith(f"{API}/me/export"):  # it hides someone who blocked me (docs/api.md), as my lists do
            asked |= mine | {u.display_name for u in self.world.people.values() if u.handle in mine}
        named = _named(json.dumps(said), self.partners(user)) - asked
        if named:
            self.problem(who, url, f"names someone in a block with the caller: {sorted(named)}")

    def blocked_by(self, user: Any) -> set[str]:
        from accounts.models import Block

        return set(Block.objects.filter(blocker=user).values_list("blocked__handle", flat=True))

    def partners(self, user: Any) -> set[str]:
        from accounts.models import Block, User

        ids = set(Block.objects.filter(blocker=user).values_list("blocked_id", flat=True)) | set(
            Block.objects.filter(blocked=user).values_list("blocker_id", flat=True)
        )
        people = User.objects.filter(pk__in=ids)
        return {u.handle for u in people} | {u.display_name for u in people if u.display_name}

    def read_all(self, who: str, user: Any, client: Any) -> None:
        w, p = self.world, self.world.people
        lists = [
            "/me",
            "/me/blocks",
            "/me/export",
            "/notifications",
            "/feed",
            "/feed/following",
            "/feed/steer",
            "/trending",
            "/cameo",
            "/cameo/requests",
            "/cameo/grants",
            "/cameo/appearances",
            "/cameo/possible-matches",
            "/generations",
        ]
        words = ("pw", "pw.", "gail", "olive", "bea", "ben", "max", "sunset", "a", "remix")
        lists += [f"/search?q={q}&type={kind}" for q in words for kind in ("people", "videos", "cameos")]
        handles = [u.handle for u in p.values()] + ["pw.nobody"]
        for handle in handles:
            lists += [
                f"/users/{handle}",
                f"/users/{handle}/followers",
                f"/users/{handle}/following",
                f"/users/{handle}/videos",
                f"/cameos/{handle}",
            ]
        video_ids = [video.pk for video in w.videos.values()] + w.deleted_video_ids
        for video_id in video_ids:
            lists += [f"/videos/{video_id}", f"/videos/{video_id}/comments"]
        lists += [f"/generations/{job.pk}" for job in w.jobs.values()]
        lists += [f"/takedowns/{tracking}" for tracking in w.tracking]
        lists += ["/takedowns/TD-0000-0000-0000-0000"]
        for path in lists:
            for url, response in _pages(client, API + path):
                self.check(who, user, url, response)
        for video in w.videos.values():  # the files, unsigned: a draft's never
            for filename in ("video.mp4", "poster.jpg"):
                url = f"/media/v/{video.media_key}/{filename}"
                response = client.get(url)
                self.requests += 1
                if video.status != "published" and response.status_code != 404:
                    self.problem(who, url, f"{response.status_code} for a {video.status} video's file")
                if response.status_code >= 500:
                    self.problem(who, url, str(response.status_code))
        for url in ("/healthz",):
            self.check(who, user, url, client.get(url))


def test_every_get_as_everyone_in_a_populated_world(world, client_of):  # type: ignore[no-untyped-def]
    p = world.people
    gone_client = client_of(None)
    gone_client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.gone_token}")
    callers = {
        "owner": (p["owner"], client_of(p["owner"])),
        "friend": (p["friend"], client_of(p["friend"])),
        "outsider": (p["outsider"], client_of(p["outsider"])),
        "blocked by owner": (p["blocked"], client_of(p["blocked"])),
        "blocker of owner": (p["blocker"], client_of(p["blocker"])),
        "anonymous": (None, client_of(None)),
        "deactivated": (None, gone_client),
    }
    reader = Reader(world)
    for who, (user, client) in callers.items():
        reader.read_all(who, user, client)
    # Everyone's own export, and the lists only an owner or author reads.
    for role, user in p.items():
        if role == "gone":
            continue
        client = client_of(user)
        for path in ("/me/export", "/me/blocks", "/cameo/grants", "/cameo/possible-matches", "/generations"):
            response = client.get(API + path)
            assert response.status_code == 200, (role, path, response.content)
            reader.check(f"{role} (own)", user, API + path, response)
    assert gone_client.get(f"{API}/me/export").status_code == 401
    # Who gets what, as docs/api.md says it (the rules above say what no answer may hold).
    v, j = world.videos, world.jobs
    expected = {
        # A draft: its author and the people it shows; no one else learns it exists.
        (f"/videos/{v['draft'].pk}", "friend"): 200,
        (f"/videos/{v['draft'].pk}", "outsider"): 404,
        (f"/videos/{v['draft'].pk}", "anonymous"): 404,
        (f"/videos/{v['draft'].pk}/comments", "outsider"): 404,
        # The draft's job is its author's alone: a person it shows does not see the prompt.
        (f"/generations/{j['ready'].pk}", "friend"): 404,
        (f"/generations/{j['ready'].pk}", "outsider"): 404,
        # A block either way hides a video and its comments, but from a person the video shows.
        (f"/videos/{v['published'].pk}/comments", "blocked by owner"): 404,
        (f"/videos/{v['published'].pk}/comments", "blocker of owner"): 404,
        (f"/videos/{v['with_blocked'].pk}", "blocked by owner"): 200,
        (f"/videos/{v['with_blocked'].pk}/comments", "blocked by owner"): 404,
        (f"/videos/{v['blocker_of_owner'].pk}", "owner"): 200,
        (f"/videos/{v['by_blocker'].pk}", "owner"): 404,
        # Someone who blocked me is an unknown handle; someone I blocked keeps a profile, to unblock.
        ("/users/pw.owner/followers", "blocked by owner"): 404,
        ("/cameos/pw.blocker", "owner"): 404,
        ("/users/pw.blocked", "owner"): 200,
        ("/cameos/pw.owner", "anonymous"): 401,
    }
    got = {(path, who): reader.statuses.get((who, API + path)) for path, who in expected}
    assert got == expected
    assert reader.requests > 1000
    assert reader.problems == [], "\n".join(sorted(set(reader.problems)))
