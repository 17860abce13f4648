"""One populated world, every write of the API made by everyone, twice.

tests/test_populated_world.py builds one world where every object exists in every state (jobs of
every status; videos draft, published, hidden by a pending takedown, removed and deleted; grants
requested, approved, denied and revoked; cameos with and without a voice; follows and blocks both
ways; an account support deactivated) and reads it. This module reuses that world, adds what writes
need besides (an erased account that had asked for a cameo and followed people, comments on a
hidden, a removed and a draft video, notifications already read), and calls every POST, PUT, PATCH
and DELETE of docs/api.md on every id there is (or was) of every kind, as the owner, an approved
friend, an outsider, someone the owner blocked, someone who blocked the owner, a minor, someone
without a cameo, an anonymous client and a deactivated account's token; each call twice. Each call
runs in a savepoint rolled back after it, so every call meets the same world. Checked, as the docs
state them:

- never a 5xx; every 4xx in the error shape (docs/api-conventions.md#errors) with a code of its own
  (no `bad_request`, no `server_error`), at the status that code stands for;
- a refused call changes nothing: the rows a client could see (people, tokens, follows, blocks,
  notifications, cameos, grants, appearances, videos and their people, likes, comments, views,
  reports, steering, jobs, challenges, takedowns) are the same after it as before; the second of two
  calls, refused, changes nothing the first did not;
- what docs/api.md (or the service) says is idempotent is: PUT and DELETE of a follow, a block, a
  like and steering, PATCH of /me and of /cameo, asking for a cameo again, reporting again answer
  the second time as the first and change no row again (timestamps aside); a repeated
  Idempotency-Key answers 200 and the first job;
- nothing in an answer that a GET would not show (tests/test_populated_world.py's rules: no
  deactivated account, nobody in a block with the caller but whom the call names, nothing
  biometric, no draft's media), refusals included (a 403 `consent_required` lists its subjects);
- a few answers the docs name for a state (409 `blocked`, `already_decided`, 404 for a person who
  blocked the caller, 403 for a comment of someone else, 401 for a deactivated token).

The worker's tasks that follow a commit run too (the consent cascade after a block, a revocation, a
narrower audience, an erasure), but for those that render, embed, scan or delete files. Then each of
25 changes (a cameo deleted, an account erased, a block, a revocation, a draft deleted by the person
it shows...) is followed by the others' writes on what it touched, in one savepoint; and every field
of every body is sent with a value of every JSON type. The audit log (a refusal is recorded: DESIGN.md
§5) and the rate-limit counters are not among the rows compared.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction

from accounts import services as accounts
from cameos.models import Appearance, CameoGrant
from feed.models import Comment
from tests.conftest import PASSWORD
from tests.test_populated_world import Reader, World, _named, _without_prompts, world  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

API = "/api/v1"

# Every row a client could see, by model (a refused call must leave each table as it was). The audit
# log (a refusal is recorded: DESIGN.md §5) and the rate-limit counters are not among them.
WATCHED = [
    "accounts.User",
    "accounts.AuthToken",
    "accounts.Follow",
    "accounts.FollowerCount",
    "accounts.Block",
    "accounts.Notification",
    "cameos.Cameo",
    "cameos.GalleryEntry",
    "cameos.Voice",
    "cameos.CameoGrant",
    "cameos.Appearance",
    "cameos.EnrollmentChallenge",
    "cameos.Enrollment",
    "feed.Video",
    "feed.VideoPerson",
    "feed.Like",
    "feed.Comment",
    "feed.View",
    "feed.Report",
    "feed.Steer",
    "feed.RemovedFingerprint",
    "generation.GenerationJob",
    "generation.JobPerson",
    "moderation.TakedownChallenge",
    "moderation.TakedownRequest",
    "moderation.TakedownMatch",
]

# Codes a 4xx may carry, each at its status (docs/api-conventions.md#errors and docs/api.md).
CODES = {
    400: {"invalid", "parse_error", "invalid_cursor", "invalid_credentials", "policy_violation"},
    401: {"not_authenticated", "authentication_failed"},
    403: {"permission_denied", "consent_required", "not_available"},
    404: {"not_found"},
    405: {"method_not_allowed"},
    409: {
        "conflict",
        "handle_taken",
        "blocked",
        "copy_of_removed_video",
        "request_cooldown",
        "already_decided",
        "already_available",
        "not_available",
        "rules_changed",
        "not_ready",
        "not_cancellable",
        "not_published",
    },
    413: {"payload_too_large"},
    415: {"unsupported_media_type"},
    422: {"idempotency_key_reused"},
}


def _timeless(taken: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows without their timestamps (a repeated write may stamp its time again)."""
    out = {}
    for label, model, columns in _TABLES:
        times = {
            i
            for i, c in enumerate(columns)
            if isinstance(model._meta.get_field(_FIELD[model, c]), models.DateTimeField)
        }
        out[label] = [tuple(x for i, x in enumerate(row) if i not in times) for row in taken[label]]
    return out


def _columns(model: type[models.Model]) -> list[str]:
    return [
        f.column
        for f in model._meta.concrete_fields
        if not isinstance(f, models.BinaryField) and "Vector" not in type(f).__name__ and f.attname != "last_login"
    ]


_TABLES = [(label, model, _columns(model)) for label, model in ((x, apps.get_model(x)) for x in WATCHED)]
_FIELD = {(m, f.column): f.name for _, m, _ in _TABLES for f in m._meta.concrete_fields}


SEPARATOR = "|~|"


def _snapshot_query() -> str:
    """One query for every watched row: each a line of text, its columns joined by SEPARATOR."""
    q = connection.ops.quote_name
    selects = []
    for index, (_, model, columns) in enumerate(_TABLES):
        joined = f" || '{SEPARATOR}' || ".join(f"COALESCE(CAST({q(c)} AS TEXT), '<null>')" for c in columns)
        key = f"CAST({q(model._meta.pk.column)} AS TEXT)"
        selects.append(f"SELECT {index} AS t, {key} AS k, {joined} AS r FROM {q(model._meta.db_table)}")  # noqa: S608
    return " UNION ALL ".join(selects) + " ORDER BY 1, 2"


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every watched row, by table, as the database holds it."""
    taken: dict[str, list[tuple[Any, ...]]] = {label: [] for label, _, _ in _TABLES}
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_query())
        for index, _, row in cursor.fetchall():
            taken[_TABLES[index][0]].append(tuple(row.split(SEPARATOR)))
    return taken


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = []
    for label, rows in before.items():
        if rows != after[label]:
            gone = [r for r in rows if r not in after[label]]
            new = [r for r in after[label] if r not in rows]
            changed.append(f"{label}: -{gone[:2]} +{new[:2]}")
    return changed


def _body(response: Any) -> Any:
    if not response.get("Content-Type", "").startswith("application/json"):
        return response.content
    return response.json()


def _same(body: Any) -> Any:
    """A body as two answers to the same call may both give it (a write's own time aside)."""
    if isinstance(body, dict):
        return {k: _same(v) for k, v in body.items() if k not in ("updated_at", "decided_at")}
    if isinstance(body, list):
        return [_same(v) for v in body]
    return body


class _Raised:
    """An exception the view raised, as the 500 a client would get."""

    status_code = 500

    def __init__(self, exc: Exception, *, after_commit: bool) -> None:
        self.content = (("after commit: " if after_commit else "") + repr(exc)).encode()

    def get(self, name: str, default: str = "") -> str:
        return default


class Writer:
    """Makes each call twice in a savepoint, checks the answers and the rows, rolls it all back."""

    def __init__(self, w: World, clients: dict[str, tuple[Any, Any]], after_commit: Any) -> None:
        self.world = w
        self.base = snapshot()
        self.after_commit = after_commit
        self.reader = Reader(w)
        self.users = {who: user for who, (user, _) in clients.items()}
        self.partners = {who: self.reader.partners(user) for who, user in self.users.items() if user is not None}
        self.problems: list[str] = []
        self.answers: dict[tuple[str, str, str], tuple[int, str, int, str]] = {}
        self.calls = 0
        self.after_commits = 0

    def problem(self, who: str, what: str, message: str) -> None:
        self.problems.append(f"{who} {what}: {message}")

    def send(self, client: Any, method: str, url: str, body: Any, multipart: bool, headers: dict[str, str]) -> Any:
        self.calls += 1
        send = getattr(client, method.lower())
        if multipart:  # a fresh upload each time: bytes stand for a file
            body = {k: SimpleUploadedFile("upload.mp4", x) if isinstance(x, bytes) else x for k, x in body.items()}
        response = None
        try:
            with self.after_commit(execute=True) as callbacks:  # what the worker does after the commit
                if body is None:
                    response = send(url, **headers)
                else:
                    response = send(url, body, format="multipart" if multipart else "json", **headers)
            self.after_commits += len(callbacks)
        except Exception as exc:  # raised through the test client or by the worker: a 500, a lost cascade
            return _Raised(exc, after_commit=response is not None)
        return response

    def shape(self, who: str, what: str, response: Any) -> str:
        """The response's error code ("" for a success), with a problem for anything out of shape."""
        code = response.status_code
        if code >= 500:
            self.problem(who, what, f"{code} {response.content[:300]!r}")
            return "5xx"
        if code < 400:
            return ""
        body = _body(response)
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("detail"), str)):
            self.problem(who, what, f"{code} not in the error shape: {body!r:.300}")
            return "?"
        if body["error"] not in CODES.get(code, set()):
            self.problem(who, what, f"{code} with code {body['error']!r}: {body['detail']}")
        return str(body["error"])

    def reveal(self, who: str, what: str, url: str, body: Any, response: Any, *, live: bool = False) -> None:
        """Nothing a GET would not show (tests/test_populated_world.py): no deactivated account, nobody in
        a block with the caller (but whom the call names), nothing biometric, no draft's media."""
        if response.status_code >= 500 or not response.get("Content-Type", "").startswith("application/json"):
            return
        said = response.json()
        p, user = self.world.people, self.users.get(who)
        asked = set(re.split(r"[^\w.]+", f"{url} {json.dumps(body, default=str) if body is not None else ''}"))
        if user is not None and url.startswith(f"{API}/cameo/requests/"):  # my list keeps whom I blocked
            asked |= self.reader.blocked_by(user)
        asked |= {u.display_name for u in p.values() if u.handle in asked}
        # A video names its author, but among the caller's videos of me (a deactivated one's too).
        text = json.dumps(_without_prompts(said, video_authors=not url.startswith(f"{API}/cameo/appearances")))
        gone = _named(text, {p["gone"].handle, p["gone"].display_name}) - asked
        if gone:
            self.problem(who, what, f"{response.status_code} names the deactivated account: {sorted(gone)}")
        if user is not None:
            partners = _named(text, self.reader.partners(user) if live else self.partners[who]) - asked
            if partners:
                self.problem(
                    who, what, f"{response.status_code} names someone in a block with them: {sorted(partners)}"
                )
        if response.status_code < 300:
            self.reader.check_biometric(who, what, said)
            self.reader.check_drafts(who, user, what, json.dumps(said))

    def call(
        self,
        who: str,
        client: Any,
        method: str,
        url: str,
        body: Any = None,
        *,
        idempotent: bool = False,
        multipart: bool = False,
        headers: dict[str, str] | None = None,
        changes_on_refusal: set[str] = frozenset(),  # type: ignore[assignment]
        reads_only: bool = False,
    ) -> None:
        what = f"{method} {url}" + (f" {body!r:.80}" if body is not None else "")
        headers = headers or {}
        point = transaction.savepoint()
        try:
            first = self.send(client, method, url, body, multipart, headers)
            code1 = self.shape(who, what, first)
            self.reveal(who, what, url, body, first)
            after = snapshot()
            if first.status_code >= 400 or reads_only:
                changed = [c for c in _diff(self.base, after) if c.split(":")[0] not in changes_on_refusal]
                if changed:
                    self.problem(who, what, f"{first.status_code} {code1} yet changed {changed}")
            second = self.send(client, method, url, body, multipart, headers)
            code2 = self.shape(who, f"{what} (again)", second)
            self.reveal(who, f"{what} (again)", url, body, second)
            if second.status_code >= 400 or reads_only:
                changed = [c for c in _diff(after, snapshot()) if c.split(":")[0] not in changes_on_refusal]
                if changed:
                    self.problem(who, f"{what} (again)", f"{second.status_code} {code2} yet changed {changed}")
            if (
                idempotent
                and first.status_code < 300
                and ((second.status_code, _same(_body(second))) != (first.status_code, _same(_body(first))))
            ):
                self.problem(
                    who,
                    f"{what} (again)",
                    f"{first.status_code} then {second.status_code}: {_body(first)!r:.200} / {_body(second)!r:.200}",
                )
            self.answers.setdefault((who, method, url), (first.status_code, code1, second.status_code, code2))
        finally:
            transaction.savepoint_rollback(point)
            _forget_caches()

    def sequence(self, clients: dict[str, tuple[Any, Any]], steps: list[tuple[str, str, str, Any]]) -> None:
        """Calls one after the other (each meets what the last left), then all rolled back: each is
        checked as `call` checks a first call."""
        point = transaction.savepoint()
        try:
            before = self.base
            for who, method, url, body in steps:
                what = f"{method} {url}" + (f" {body!r:.60}" if body is not None else "")
                what += " after " + ", ".join(
                    f"{w} {m} {u}" for w, m, u, _ in steps[: steps.index((who, method, url, body))]
                )
                response = self.send(clients[who][1], method, url, body, False, {})
                code = self.shape(who, what, response)
                if method == "GET":  # read as tests/test_populated_world.py reads it
                    user = self.users[who]
                    self.reader.check(who, user, url, response)
                    self.problems += [
                        f"{x} after {steps[0][0]} {steps[0][1]} {steps[0][2]}" for x in self.reader.problems
                    ]
                    self.reader.problems = []
                else:
                    self.reveal(who, what, url, body, response, live=True)
                after = snapshot() if method != "GET" else before
                if response.status_code >= 400 and method != "GET":
                    changed = _diff(before, after)
                    if changed:
                        self.problem(who, what, f"{response.status_code} {code} yet changed {changed}")
                before = after
        finally:
            transaction.savepoint_rollback(point)
            _forget_caches()

    def expect(self, who: str, method: str, url: str, status: int, code: str = "", again: int | None = None) -> None:
        got = self.answers.get((who, method, url))
        if got is None:
            self.problems.append(f"{who} {method} {url}: never called")
            return
        if got[0] != status or (code and got[1] != code) or (again is not None and got[2] != again):
            self.problems.append(f"{who} {method} {url}: {got}, expected {status} {code} then {again}")


def _forget_caches() -> None:
    from django.core.cache import cache

    from core import memo

    cache.clear()
    memo.clear_all()


@pytest.fixture
def scene(world, make_user, make_video, activate_cameo, django_capture_on_commit_callbacks, settings):  # type: ignore[no-untyped-def]  # noqa: F811
    """The populated world, and what writing needs besides it."""
    from core.conf import THROTTLE_RATES

    settings.CASTFEED_CORE = {
        **settings.CASTFEED_CORE,
        "THROTTLE_RATES": dict.fromkeys(THROTTLE_RATES, "100000/minute"),
    }
    settings.CASTFEED_GENERATION = {
        **(getattr(settings, "CASTFEED_GENERATION", None) or {}),
        "CONCURRENT_JOBS": 1000,
        "DAILY_JOBS": 1000,
    }
    p, v = world.people, world.videos
    owner = p["owner"]
    # An account erased after it asked for the owner's cameo, followed her and commented.
    erased = make_user("pw.erased", display_name="Erin Erased")
    from cameos import services as cameos
    from feed import services as feed

    cameos.grant_request(requester=erased, owner=owner)
    accounts.follow_create(follower=erased, followee=owner)
    feed.comment_create(author=erased, video=v["published"], text="from someone erased")
    world.erased_grant = CameoGrant.objects.get(grantee=erased).pk
    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_erase(user=erased)
    # Comments on a video hidden by a pending takedown, a removed one and a draft (written directly:
    # no one may comment on them now), by the owner on a video of someone who blocked her, and by
    # someone she blocked on hers.
    written = [
        (v[name], p["outsider" if name == "to_remove" else "friend"]) for name in ("to_hide", "to_remove", "draft")
    ]
    written += [(v["blocker_of_owner"], owner), (v["with_blocked"], p["blocked"])]
    for video, by in written:
        world.comment_ids.append(Comment.objects.create(video=video, author=by, text="written before").pk)
        feed._bump(video.pk, comment_count=1)  # as comment_create counts it
    # Notifications already read (the friend's).
    accounts.notifications_read(user=p["friend"])
    return world


@pytest.fixture
def light_worker(monkeypatch):  # type: ignore[no-untyped-def]
    """The worker's tasks run when a call commits (eager), but for those that render, embed, scan or
    delete files: the consent cascade and its kin run on every state of the world."""
    from cameos import tasks as cameo_tasks
    from core import tasks as core_tasks
    from feed import tasks as feed_tasks
    from generation import tasks as generation_tasks
    from moderation import tasks as moderation_tasks

    for task in (
        feed_tasks.embed_video,
        feed_tasks.embed_steer,
        cameo_tasks.scan_existing_videos,
        cameo_tasks.verify_enrollment,
        moderation_tasks.verify_takedown,
        core_tasks.delete_stored_files,  # the next call meets the same files
        generation_tasks.recheck_restrictions,  # reads rules by meaning (a model)
    ):
        monkeypatch.setattr(task, "delay", lambda *args, **kwargs: None)
    monkeypatch.setattr(generation_tasks.run_job, "apply_async", lambda *args, **kwargs: None)


def _clients(w: World, client_of: Any) -> dict[str, tuple[Any, Any]]:
    p = w.people
    gone = client_of(None)
    gone.credentials(HTTP_AUTHORIZATION=f"Bearer {w.gone_token}")
    who = ("owner", "friend", "outsider", "blocked", "blocker", "minor", "asker")
    clients = {role: (p[role], client_of(p[role])) for role in who}
    clients["anonymous"] = (None, client_of(None))
    clients["deactivated"] = (None, gone)
    return clients


# The people who act on others' objects; anonymous and deactivated callers try each kind of call once.
ACTORS = ("owner", "friend", "outsider", "blocked", "blocker")
NOBODY = ("anonymous", "deactivated")
MINE = ("owner", "friend", "minor")  # the owners of the grants and jobs (others' calls on them: a few)


def _some(who: str, items: list[Any], full: tuple[str, ...] = ACTORS) -> list[Any]:
    """Every item for the people who act on these objects (`full`); a few for the rest (whose every
    call is refused alike, or who have no relation to most of them)."""
    return items if who in full else items[:1] if who in NOBODY else items[:4]


def _handles(w: World) -> list[str]:
    return [u.handle for u in w.people.values()] + ["pw.erased", "pw.nobody", "PW.FRIEND"]


def test_accounts_and_feed_writes_by_everyone(scene, client_of, light_worker, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    w, v = scene, scene.videos
    clients = _clients(w, client_of)
    writer = Writer(w, clients, django_capture_on_commit_callbacks)
    handles = _handles(w)
    video_ids = [video.pk for video in v.values()] + w.deleted_video_ids
    # Accounts.
    for body in (
        {"handle": "pw.owner", "password": "x" * 12},
        {"handle": "PW.Gone", "password": "x" * 12},
        {"handle": "pw.erased", "password": "another-long-password"},
        {"handle": "pw.fresh", "password": "another-long-password", "birthdate": "2999-01-01"},
        {"handle": "pw.fresh", "password": "another-long-password", "display_name": "\u202eevil"},
    ):
        writer.call("anonymous", clients["anonymous"][1], "POST", f"{API}/auth/register", body)
    for handle in ("pw.owner", "pw.gone", "pw.erased"):
        body = {"handle": handle, "password": PASSWORD}
        writer.call("anonymous", clients["anonymous"][1], "POST", f"{API}/auth/token", body)
    for who, (_, client) in clients.items():
        writer.call(who, client, "DELETE", f"{API}/auth/token")
        writer.call(who, client, "PATCH", f"{API}/me", {"display_name": "New Name"}, idempotent=True)
        writer.call(who, client, "PATCH", f"{API}/me", {"display_name": "\u200b"})
        writer.call(who, client, "PATCH", f"{API}/me", {"password": "a-new-long-password"})
        writer.call(who, client, "PATCH", f"{API}/me", {"password": "a-new-long-password", "current_password": "wrong"})
        writer.call(who, client, "DELETE", f"{API}/me")
        writer.call(who, client, "POST", f"{API}/notifications/read")
        writer.call(who, client, "PUT", f"{API}/feed/steer", {"text": "more cats, less dogs"}, idempotent=True)
        writer.call(who, client, "PUT", f"{API}/feed/steer", {"text": ""})
        writer.call(who, client, "DELETE", f"{API}/feed/steer", idempotent=True)
    for who, (_, client) in clients.items():
        for handle in _some(who, handles):
            for method in ("PUT", "DELETE"):
                writer.call(who, client, method, f"{API}/users/{handle}/follow", idempotent=True)
                writer.call(who, client, method, f"{API}/users/{handle}/block", idempotent=True)
            writer.call(who, client, "PUT", f"{API}/users/{handle}/block?videos=delete", idempotent=True)
        writer.call(who, client, "PUT", f"{API}/users/pw.outsider/block?videos=all")
    # Videos and comments.
    for who, (_, client) in clients.items():
        for video_id in _some(who, video_ids):
            base = f"{API}/videos/{video_id}"
            writer.call(who, client, "PUT", f"{base}/like", idempotent=True)
            writer.call(who, client, "DELETE", f"{base}/like", idempotent=True)
            writer.call(who, client, "POST", f"{base}/comments", {"text": "hello"})
            writer.call(who, client, "POST", f"{base}/views", {"watched_ms": 500, "completed": True})
            writer.call(who, client, "POST", f"{base}/report", {"reason": "spam"}, idempotent=True)
            writer.call(who, client, "DELETE", base)
        writer.call(who, client, "POST", f"{API}/videos/{v['published'].pk}/comments", {"text": ""})
        writer.call(who, client, "POST", f"{API}/videos/{v['published'].pk}/report", {"reason": "bored"})
        writer.call(who, client, "POST", f"{API}/videos/{v['published'].pk}/views", {"watched_ms": -1, "completed": 1})
        for comment_id in _some(who, w.comment_ids):
            writer.call(who, client, "DELETE", f"{API}/comments/{comment_id}")
    # What the docs say of some of these states.
    owner_video = v["published"].pk
    writer.expect("owner", "PUT", f"{API}/users/pw.blocker/follow", 404, "not_found")
    writer.expect("owner", "PUT", f"{API}/users/pw.blocked/follow", 409, "blocked", again=409)
    writer.expect("owner", "PUT", f"{API}/users/pw.outsider/follow", 204, again=204)
    writer.expect("owner", "PUT", f"{API}/users/pw.gone/follow", 404, "not_found")
    writer.expect("owner", "PUT", f"{API}/users/pw.erased/follow", 404, "not_found")
    writer.expect("blocked", "PUT", f"{API}/videos/{owner_video}/like", 404, "not_found")
    writer.expect("outsider", "DELETE", f"{API}/videos/{owner_video}", 403, "permission_denied")
    writer.expect("owner", "DELETE", f"{API}/videos/{owner_video}", 204, again=404)
    writer.expect("deactivated", "PATCH", f"{API}/me", 401)
    writer.expect("anonymous", "DELETE", f"{API}/feed/steer", 401)
    # A draft: the person it shows sees it, but only its author deletes it; to anyone else it does not
    # exist, whatever they try on it (docs/api.md: "A draft is visible only to...").
    draft = v["draft"].pk
    writer.expect("friend", "DELETE", f"{API}/videos/{draft}", 403, "permission_denied")
    for action, method in (("like", "PUT"), ("comments", "POST"), ("views", "POST"), ("report", "POST")):
        writer.expect("outsider", method, f"{API}/videos/{draft}/{action}", 404, "not_found")
    writer.expect("outsider", "DELETE", f"{API}/videos/{draft}", 404, "not_found")
    # Someone in a block with the author, either way: the video, its comments and views are a 404.
    for who in ("blocked", "blocker"):
        writer.expect(who, "POST", f"{API}/videos/{owner_video}/comments", 404, "not_found")
        writer.expect(who, "POST", f"{API}/videos/{owner_video}/views", 404, "not_found")
        writer.expect(who, "DELETE", f"{API}/comments/{w.comment_ids[0]}", 404, "not_found")  # the friend's, on it
    writer.expect("outsider", "DELETE", f"{API}/comments/{w.comment_ids[0]}", 403, "permission_denied")
    writer.expect("owner", "DELETE", f"{API}/comments/{w.comment_ids[0]}", 204, again=404)  # on her video
    assert writer.calls > 1000
    assert writer.after_commits > 100  # the worker's cascades ran after the calls that queue them
    assert writer.problems == [], "\n".join(sorted(set(writer.problems)))


def test_cameo_and_generation_writes_by_everyone(scene, client_of, light_worker, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    w, v = scene, scene.videos
    clients = _clients(w, client_of)
    writer = Writer(w, clients, django_capture_on_commit_callbacks)
    handles = _handles(w)
    video_ids = [video.pk for video in v.values()] + w.deleted_video_ids
    grants = {g.pk: g for g in CameoGrant.objects.select_related("cameo__owner", "grantee")}
    grant_ids = [*grants, w.erased_grant]
    matches = list(Appearance.objects.filter(source="detected").values_list("pk", flat=True))
    jobs = {name: job.pk for name, job in w.jobs.items()}
    for who, (_, client) in clients.items():
        writer.call(who, client, "POST", f"{API}/cameo/challenges", {"voice": "yes"})
        writer.call(who, client, "POST", f"{API}/cameo/challenges", {})
        writer.call(who, client, "POST", f"{API}/cameo", {"video": b"not a video", "challenge": "x"}, multipart=True)
        writer.call(who, client, "PATCH", f"{API}/cameo", {"audience": "everyone"}, idempotent=True)
        writer.call(who, client, "PATCH", f"{API}/cameo", {"instructions": "always with @pw.friend"})
        writer.call(who, client, "PATCH", f"{API}/cameo?videos=maybe", {"audience": "only_me"})
        writer.call(who, client, "PATCH", f"{API}/cameo?videos=delete", {"audience": "only_me"}, idempotent=True)
        writer.call(who, client, "PATCH", f"{API}/cameo", {"restrictions": ["x" * 1000]})
        writer.call(who, client, "DELETE", f"{API}/cameo?appearances=perhaps")
        writer.call(who, client, "DELETE", f"{API}/cameo?appearances=delete")
        writer.call(who, client, "DELETE", f"{API}/cameo")
        writer.call(who, client, "POST", f"{API}/cameo/scan")
        for handle in _some(who, handles):
            writer.call(who, client, "POST", f"{API}/cameos/{handle}/requests", idempotent=True)
            writer.call(who, client, "DELETE", f"{API}/cameo/appearances?author={handle}")
        writer.call(who, client, "DELETE", f"{API}/cameo/appearances?all=true")
        writer.call(who, client, "DELETE", f"{API}/cameo/appearances")
        for grant_id in _some(who, grant_ids, full=MINE):
            writer.call(who, client, "POST", f"{API}/cameo/requests/{grant_id}/approve")
            writer.call(who, client, "POST", f"{API}/cameo/requests/{grant_id}/deny")
            writer.call(who, client, "DELETE", f"{API}/cameo/grants/{grant_id}")
            writer.call(who, client, "DELETE", f"{API}/cameo/grants/{grant_id}?videos=delete")
        for match_id in _some(who, matches):
            writer.call(who, client, "POST", f"{API}/cameo/possible-matches/{match_id}/confirm")
            writer.call(who, client, "POST", f"{API}/cameo/possible-matches/{match_id}/remove")
        for video_id in _some(who, video_ids):
            writer.call(who, client, "DELETE", f"{API}/cameo/appearances/{video_id}")
        # Consent and generation.
        for handle in _some(who, handles):
            prompt = f"@{handle} riding a bike"
            writer.call(who, client, "POST", f"{API}/consent/check", {"prompt": prompt}, reads_only=True)
            writer.call(
                who,
                client,
                "POST",
                f"{API}/generations",
                {"prompt": prompt, "duration_s": 2},
                headers={"HTTP_IDEMPOTENCY_KEY": f"key-{handle}"},
            )
        for video_id in _some(who, video_ids):
            writer.call(
                who,
                client,
                "POST",
                f"{API}/consent/check",
                {"prompt": "a remix", "remix_of": video_id},
                reads_only=True,
            )
            writer.call(
                who, client, "POST", f"{API}/generations", {"prompt": "a remix", "duration_s": 2, "remix_of": video_id}
            )
        writer.call(who, client, "POST", f"{API}/generations", {"prompt": "a cat", "duration_s": 11})
        writer.call(who, client, "POST", f"{API}/generations", {"prompt": "a cat", "duration_s": 2, "aspect": "2:1"})
        for job_id in _some(who, list(jobs.values()), full=MINE):
            base = f"{API}/generations/{job_id}"
            writer.call(who, client, "POST", f"{base}/cancel")
            # A publish the gate refuses blocks the job, its draft deleted (docs/api.md: consent checked again).
            blocks = {"generation.GenerationJob", "generation.JobPerson", "feed.Video", "feed.VideoPerson"}
            blocks.add("cameos.Appearance")
            writer.call(who, client, "POST", f"{base}/publish", {"caption": "look"}, changes_on_refusal=blocks)
            writer.call(
                who, client, "POST", f"{base}/publish", {"caption": "@pw.blocked and me"}, changes_on_refusal=blocks
            )
    # A repeated Idempotency-Key: 200 and the first job; another request under it: 422.
    _, owner_client = clients["owner"]
    point = transaction.savepoint()
    key = {"HTTP_IDEMPOTENCY_KEY": "same-key"}
    first = owner_client.post(f"{API}/generations", {"prompt": "a red kite", "duration_s": 2}, format="json", **key)
    again = owner_client.post(f"{API}/generations", {"prompt": "a red kite", "duration_s": 2}, format="json", **key)
    other = owner_client.post(f"{API}/generations", {"prompt": "a blue kite", "duration_s": 2}, format="json", **key)
    transaction.savepoint_rollback(point)
    assert (first.status_code, again.status_code, other.status_code) == (202, 200, 422), (first.content, other.content)
    assert again.json()["id"] == first.json()["id"]
    assert other.json()["error"] == "idempotency_key_reused"
    # What the docs say of some of these states.
    by_status = {(g.grantee.handle, g.cameo.owner.handle): pk for pk, g in grants.items()}
    asked = by_status[("pw.asker", "pw.owner")]
    writer.expect("owner", "POST", f"{API}/cameo/requests/{asked}/approve", 200, again=409)
    writer.expect("owner", "POST", f"{API}/cameo/requests/{asked}/deny", 200, again=409)
    writer.expect("friend", "POST", f"{API}/cameo/requests/{asked}/approve", 404, "not_found")
    writer.expect(
        "owner", "POST", f"{API}/cameo/requests/{by_status[('pw.blocked', 'pw.owner')]}/approve", 409, "blocked"
    )
    writer.expect("owner", "POST", f"{API}/cameo/requests/{by_status[('pw.blocker', 'pw.owner')]}/approve", 404)
    writer.expect(
        "owner", "POST", f"{API}/cameo/requests/{by_status[('pw.denied', 'pw.owner')]}/approve", 409, "already_decided"
    )
    writer.expect("owner", "POST", f"{API}/cameo/requests/{w.erased_grant}/approve", 404, "not_found")
    writer.expect("owner", "DELETE", f"{API}/cameo/grants/{by_status[('pw.friend', 'pw.owner')]}", 204, again=404)
    writer.expect("owner", "POST", f"{API}/generations/{jobs['queued']}/cancel", 200, again=409)
    writer.expect("owner", "POST", f"{API}/generations/{jobs['published']}/cancel", 409, "not_cancellable")
    writer.expect("friend", "POST", f"{API}/generations/{jobs['queued']}/cancel", 404, "not_found")
    writer.expect("owner", "POST", f"{API}/generations/{jobs['ready']}/publish", 200, again=409)
    writer.expect("asker", "PATCH", f"{API}/cameo", 404, "not_found")
    writer.expect("minor", "PATCH", f"{API}/cameo", 400, "invalid")  # a minor's cameo is never `everyone`
    writer.expect("deactivated", "POST", f"{API}/cameo/challenges", 401)
    # The person a ready draft shows sees the draft, never the author's job: not its prompt, nor a
    # way to publish or cancel it for them.
    for action in ("publish", "cancel"):
        writer.expect("friend", "POST", f"{API}/generations/{jobs['ready']}/{action}", 404, "not_found")
    # Only a person a video shows deletes it as theirs: not its author, not someone else.
    shows_friend = v["published"].pk
    writer.expect("friend", "DELETE", f"{API}/cameo/appearances/{shows_friend}", 204, again=404)
    for who in ("owner", "outsider", "blocked"):
        writer.expect(who, "DELETE", f"{API}/cameo/appearances/{shows_friend}", 404, "not_found")
    # ... whatever the blocks: a video of me by someone who blocked me is still mine to delete.
    writer.expect("blocked", "DELETE", f"{API}/cameo/appearances/{v['with_blocked'].pk}", 204)
    # Asking for the cameo of someone in a block with me: "not available" to the one who blocked,
    # an unknown handle to the one blocked (docs/consent.md: never "blocked").
    writer.expect("blocker", "POST", f"{API}/cameos/pw.owner/requests", 403, "not_available")
    writer.expect("blocked", "POST", f"{API}/cameos/pw.owner/requests", 404, "not_found")
    assert writer.calls > 1000
    assert writer.after_commits > 100  # the worker's cascades ran after the calls that queue them
    assert writer.problems == [], "\n".join(sorted(set(writer.problems)))


# Values of every JSON type, and the edges of strings and numbers, for every field of every body.
ODD_VALUES: list[Any] = [None, 5, -1, 1e300, True, "", " ", "x" * 5000, "\x00", "2020-02-30", [], ["x"], {}, {"a": 1}]
ODD_BODIES: list[Any] = [[], "text", 7, None, {"unknown": 1}]


def _odd_bodies(writer: Writer, w: World, clients: dict[str, tuple[Any, Any]]) -> None:
    """Every field of every body given a value of each JSON type and the edges of strings and numbers."""
    v = w.videos
    video = v["published"].pk
    ready = w.jobs["ready"].pk
    bodies = {
        ("anonymous", "POST", "/auth/register"): {
            "handle": "pw.fresh",
            "password": "long-enough-pw",
            "birthdate": None,
        },
        ("anonymous", "POST", "/auth/token"): {"handle": "pw.owner", "password": PASSWORD},
        ("owner", "PATCH", "/me"): {"display_name": "x", "birthdate": "1990-01-01"},
        ("owner", "PATCH", "/me "): {"password": "a-new-long-password", "current_password": PASSWORD},
        ("owner", "PUT", "/feed/steer"): {"text": "more cats"},
        ("friend", "POST", f"/videos/{video}/comments"): {"text": "hello"},
        ("friend", "POST", f"/videos/{video}/views"): {"watched_ms": 5, "completed": False},
        ("friend", "POST", f"/videos/{video}/report"): {"reason": "spam", "detail": ""},
        ("owner", "POST", "/cameo/challenges"): {"voice": False},
        ("owner", "PATCH", "/cameo"): {
            "audience": "approved",
            "instructions": "",
            "restrictions": [],
            "protect_name": False,
        },
        ("owner", "POST", "/consent/check"): {"prompt": "a cat", "remix_of": video},
        ("owner", "POST", "/generations"): {
            "prompt": "a cat",
            "duration_s": 2,
            "aspect": "1:1",
            "seed": 1,
            "remix_of": video,
        },
        ("owner", "POST", f"/generations/{ready}/publish"): {"caption": "look"},
        ("owner", "PUT", "/users/pw.outsider/follow"): {},
        ("owner", "POST", "/notifications/read"): {},
    }
    for (who, method, path), good in bodies.items():
        client = clients[who][1]
        url = API + path.strip()
        for body in ODD_BODIES:
            writer.call(who, client, method, url, body)
        for field in good:
            for value in ODD_VALUES:
                writer.call(who, client, method, url, {**good, field: value})
    for who in ("anonymous", "owner", "deactivated"):  # takedowns: no account needed
        client = clients[who][1]
        upload = {"video": b"x", "challenge": "x", "email": "a"}
        writer.call(who, client, "POST", f"{API}/takedowns", upload, multipart=True)
        writer.call(who, client, "POST", f"{API}/takedowns", {"email": "a@example.org"})
        writer.call(who, client, "POST", f"{API}/takedowns/challenges", {})


def test_each_write_after_each_change_and_odd_bodies(
    scene, client_of, light_worker, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    """What one person does, then what others do on the objects it touched: a job published after its
    consent went, a grant revoked after its owner was erased, a comment deleted after a block...; and
    every body with fields of every type."""
    w, v, jobs = scene, scene.videos, scene.jobs
    clients = _clients(w, client_of)
    writer = Writer(w, clients, django_capture_on_commit_callbacks)
    grant = {
        g.grantee.handle: g.pk
        for g in CameoGrant.objects.filter(cameo__owner=w.people["owner"]).select_related("grantee")
    }
    friend_draft = jobs["friend_draft_of_owner"]
    match = Appearance.objects.get(video=v["outsider_maybe_owner"], user=w.people["friend"], match="possible").pk
    comment = Comment.objects.filter(author=w.people["friend"], video=v["published"]).get().pk
    changes = [
        ("owner", "DELETE", f"{API}/cameo", None),
        ("owner", "DELETE", f"{API}/cameo?appearances=delete", None),
        ("owner", "PATCH", f"{API}/cameo", {"audience": "only_me"}),
        ("owner", "PATCH", f"{API}/cameo?videos=delete", {"audience": "everyone"}),
        ("owner", "PATCH", f"{API}/cameo", {"restrictions": ["no baking"]}),
        ("owner", "DELETE", f"{API}/cameo/grants/{grant['pw.friend']}?videos=delete", None),
        ("owner", "PUT", f"{API}/users/pw.friend/block?videos=delete", None),
        ("owner", "PUT", f"{API}/users/pw.outsider/block", None),
        ("owner", "DELETE", f"{API}/users/pw.blocked/block", None),
        ("owner", "DELETE", f"{API}/me", None),
        ("friend", "DELETE", f"{API}/me", None),
        ("outsider", "DELETE", f"{API}/me", None),
        ("owner", "DELETE", f"{API}/cameo/appearances/{friend_draft.video_id}", None),
        ("owner", "DELETE", f"{API}/cameo/appearances?author=pw.friend", None),
        ("owner", "DELETE", f"{API}/cameo/appearances?all=true", None),
        ("friend", "PUT", f"{API}/users/pw.owner/block", None),
        ("friend", "DELETE", f"{API}/cameo", None),
        ("owner", "DELETE", f"{API}/videos/{v['published'].pk}", None),
        ("friend", "DELETE", f"{API}/videos/{v['friend_with_both'].pk}", None),
        ("outsider", "POST", f"{API}/cameo/possible-matches/{match}/confirm", None),
        ("outsider", "POST", f"{API}/cameo/possible-matches/{match}/remove", None),
        ("owner", "POST", f"{API}/generations/{jobs['ready'].pk}/cancel", None),
        ("friend", "POST", f"{API}/generations/{friend_draft.pk}/cancel", None),
        ("owner", "POST", f"{API}/cameo/requests/{grant['pw.asker']}/approve", None),
        ("asker", "PUT", f"{API}/users/pw.owner/block", None),
    ]
    then = [
        ("friend", "POST", f"{API}/generations/{friend_draft.pk}/publish", {"caption": "us"}),
        ("friend", "POST", f"{API}/generations/{friend_draft.pk}/cancel", None),
        ("owner", "POST", f"{API}/generations/{jobs['ready'].pk}/publish", None),
        ("friend", "POST", f"{API}/generations", {"prompt": "@pw.owner dancing", "duration_s": 2}),
        ("friend", "POST", f"{API}/consent/check", {"prompt": "@pw.owner dancing"}),
        (
            "friend",
            "POST",
            f"{API}/generations",
            {"prompt": "again", "duration_s": 2, "remix_of": v["friend_with_both"].pk},
        ),
        ("friend", "PUT", f"{API}/videos/{v['published'].pk}/like", None),
        ("friend", "POST", f"{API}/videos/{v['published'].pk}/comments", {"text": "hi"}),
        ("friend", "POST", f"{API}/videos/{v['published'].pk}/report", {"reason": "spam"}),
        ("friend", "POST", f"{API}/cameos/pw.owner/requests", None),
        ("asker", "POST", f"{API}/cameos/pw.owner/requests", None),
        ("owner", "POST", f"{API}/cameo/requests/{grant['pw.asker']}/deny", None),
        ("owner", "DELETE", f"{API}/cameo/grants/{grant['pw.friend']}", None),
        ("friend", "DELETE", f"{API}/cameo/appearances/{v['published'].pk}", None),
        ("owner", "DELETE", f"{API}/cameo/appearances/{v['friend_with_both'].pk}", None),
        ("owner", "DELETE", f"{API}/comments/{comment}", None),
        ("friend", "DELETE", f"{API}/comments/{comment}", None),
        ("owner", "PUT", f"{API}/users/pw.friend/follow", None),
        ("friend", "PUT", f"{API}/users/pw.owner/follow", None),
        ("outsider", "POST", f"{API}/cameo/possible-matches/{match}/confirm", None),
        ("owner", "POST", f"{API}/notifications/read", None),
        ("owner", "GET", f"{API}/notifications", None),
        ("owner", "GET", f"{API}/cameo/requests", None),
        ("friend", "GET", f"{API}/generations", None),
        ("owner", "GET", f"{API}/me/export", None),
    ]
    for change in changes:  # then everything else, each step meeting what the ones before it left
        writer.sequence(clients, [change, *then])
    _odd_bodies(writer, w, clients)
    assert writer.problems == [], "\n".join(sorted(set(writer.problems)))
