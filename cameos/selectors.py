"""Reads for cameos: who may use a cameo, the owner's view of theirs, requests and grants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Block, Follow, User
from accounts.selectors import (
    NO_RELATION,
    Relation,
    blockers_of,
    relations_from,
    relations_parse,
    relations_query,
)
from cameos import crypto
from cameos.conf import conf
from cameos.models import Appearance, Audience, Cameo, CameoGrant, Enrollment, VideoFace, Voice
from core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor, keyset_page, page_limit
from core.sql import one_of
from feed.conf import conf as feed_conf
from feed.models import VideoPerson
from feed.selectors import most_shown_people, rising_video_ids


@dataclass(frozen=True)
class Access:
    """May `user` put this cameo in a video, and if not, may they ask? `reason` is for logs and the
    consent gate; the API shows only the two booleans (a block is never revealed)."""

    available: bool
    can_request: bool
    reason: str
    request: str | None = None  # the caller's own request: requested, denied, revoked


NOT_AVAILABLE = Access(False, False, "not_available")


def active_cameo(user: User) -> Cameo | None:
    return Cameo.objects.filter(owner=user).select_related("owner").first()


def cameo_access(cameo: Cameo | None, user: User | None) -> Access:
    if cameo is None:
        return Access(False, False, "no_cameo")
    if user is None:
        return NOT_AVAILABLE
    return cameo_access_many(user, [cameo])[cameo.pk]


def may_use(cameo: Cameo, user_id: int, relation: Relation, grant: str | None, *, cooling: bool = False) -> Access:
    """May `user_id` put this cameo (owner loaded) in a video, given how they and the owner stand
    (`relation`, seen from the user: `follows_me` is the owner following them) and the user's request
    for it: the one answer the consent gate (cameo_access_many) and the consent cascade
    (cameo_access_by_authors) share (DESIGN.md §5). Rules, first match wins: the owner always; an
    account support deactivated never; a block either way never ("not available", never "blocked");
    `only_me` never; an approved grant; a minor's cameo with nothing else, asked for only by people
    the minor follows ("not available" to anyone else); one support set `approval_only` for (a
    cleared look-alike of a protected person) with nothing else; `everyone`; `mutuals` when both
    follow each other. `cooling`: their request was denied or revoked within the cool-down, so they
    may not ask again yet."""
    asks = grant != CameoGrant.Status.REQUESTED and not cooling
    if cameo.owner_id == user_id:
        return Access(True, False, "owner")
    if not cameo.owner.is_active:
        return Access(False, False, "inactive")  # support closed the account: no one may show them
    if relation.blocked_either_way:
        return Access(False, False, "blocked")
    if cameo.audience == Audience.ONLY_ME:
        return Access(False, False, "only_me")
    if grant == CameoGrant.Status.APPROVED:
        return Access(True, False, "granted")
    if cameo.owner.is_minor:
        # Someone under 18 is shown only by people they approved one by one (DESIGN.md §5), and asked
        # only by people they follow: anyone else finds the cameo as an `only_me` one, and their own
        # old request (from before an unfollow) is not said, so a stranger has no way to reach them.
        if not relation.follows_me:
            return Access(False, False, "minor_not_followed")
        return Access(False, asks, "minor_needs_approval", request=grant)
    if cameo.owner.approval_only:
        # A face people may take for a protected person's: each author approved by the person.
        return Access(False, asks, "approval_only", request=grant)
    if cameo.audience == Audience.EVERYONE:
        return Access(True, False, "everyone")
    if cameo.audience == Audience.MUTUALS and relation.is_mutual:
        return Access(True, False, "mutuals")
    return Access(False, asks, "needs_approval", request=grant)


def cameo_access_many(user: User, cameos: Iterable[Cameo]) -> dict[int, Access]:
    """May `user` use each of these cameos (owner loaded), in one query whatever their number: the
    consent gate's hot path. By cameo id."""
    cameos = list(cameos)
    others = [c for c in cameos if c.owner_id != user.pk]
    relations, grants, cooling = _relations_and_grants(user.pk, others) if others else ({}, {}, set())
    return {
        c.pk: may_use(c, user.pk, relations.get(c.owner_id, NO_RELATION), grants.get(c.pk), cooling=c.pk in cooling)
        for c in cameos
    }


def cameo_access_by_authors(cameo: Cameo, author_ids: Iterable[int]) -> dict[int, Access]:
    """May each of these authors still use this cameo (owner loaded): the consent cascade, one
    person and any number of authors, in two queries per 5,000 authors. By author id."""
    from accounts.selectors import relations_from

    authors = sorted({int(a) for a in author_ids})
    out: dict[int, Access] = {}
    for start in range(0, len(authors), 5000):
        chunk = authors[start : start + 5000]
        relations = relations_from(cameo.owner_id, chunk)  # seen from the owner: may_use reads the author's side
        grants = dict(CameoGrant.objects.filter(cameo=cameo, grantee_id__in=chunk).values_list("grantee_id", "status"))
        out.update((a, may_use(cameo, a, relations.get(a, NO_RELATION).reversed(), grants.get(a))) for a in chunk)
    return out


def _relations_and_grants(user_id: int, cameos: list[Cameo]) -> tuple[dict[int, Relation], dict[int, str], set[int]]:
    """Follows and blocks with each owner, the user's requests for each cameo, and the cameos whose
    request was decided within the cool-down: one round trip (accounts' relations query with the
    grants UNIONed on). The consent gate's hot path."""
    owners = sorted({c.owner_id for c in cameos})
    sql, params = relations_query(user_id, owners)
    asked, asked_params = one_of("cameo_id", [c.pk for c in cameos])
    sql += (
        f" UNION ALL SELECT 2, cameo_id, CASE WHEN decided_at > %s THEN 1 ELSE 0 END, status "  # noqa: S608 - ours
        f"FROM {CameoGrant._meta.db_table} WHERE grantee_id = %s AND {asked}"
    )
    recent = timezone.now() - dt.timedelta(seconds=conf().request_cooldown_seconds)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, recent, user_id, *asked_params])
        rows = cursor.fetchall()
    grants = {int(cameo_id): status for kind, cameo_id, _, status in rows if kind == 2}
    cooling = {
        int(cameo_id)
        for kind, cameo_id, recently, status in rows
        if kind == 2 and recently and status in (CameoGrant.Status.DENIED, CameoGrant.Status.REVOKED)
    }
    return relations_parse(user_id, owners, rows), grants, cooling


def cameo_for_handle(handle: str, viewer: User) -> tuple[User, Cameo | None]:
    """The person with this handle and their cameo, as `viewer` may look them up: someone who blocked
    the viewer is an unknown handle to them (404, the same body), never "not available"."""
    from accounts.selectors import user_by_handle_for

    owner = user_by_handle_for(handle, viewer)
    return owner, Cameo.objects.filter(owner=owner).select_related("owner").first()


def my_cameo(user: User) -> dict[str, Any]:
    """The owner's view: the cameo's settings and where their latest enrollment stands."""
    cameo = active_cameo(user)
    latest = Enrollment.objects.filter(user=user).order_by("-created_at").first()
    if latest is not None and latest.status == Enrollment.Status.VERIFYING:
        status, reason = "verifying", ""
    elif cameo is not None:
        status, reason = "active", ""
    elif latest is not None and latest.status == Enrollment.Status.REJECTED:
        status, reason = "rejected", latest.reason
    else:
        status, reason = "none", ""
    return {
        "status": status,
        "reason": reason,
        "reason_code": latest.reason_code if latest is not None and status == "rejected" else "",
        "cameo": cameo,
        "voice": cameo is not None and Voice.objects.filter(cameo=cameo).exists(),
        "last_enrollment": latest,
    }


def voice_templates_of(cameo_ids: Iterable[int]) -> dict[int, np.ndarray]:
    """cameo id -> its voice template (256 float32, decrypted), for the generation worker: called only
    for cameos the consent gate allowed; a cameo without a voice is absent."""
    rows = Voice.objects.filter(cameo_id__in=list(cameo_ids)).values_list("cameo_id", "template")
    return {pk: np.frombuffer(crypto.decrypt(bytes(token)), dtype="<f4").astype(np.float32) for pk, token in rows}


def _cameo_of(owner: User) -> Subquery:
    """The owner's cameo id, as a value the database reads once: the lists then walk their index
    (cameos_grant_requests, cameos_grant_approvals) in order, newest first, and stop at a page,
    where a join to the cameo made them read and sort every row of the owner's."""
    return Subquery(Cameo.objects.filter(owner=owner).values("pk")[:1])


def requests_for(owner: User) -> QuerySet[CameoGrant]:
    """Open requests for the owner's cameo; one from someone who has since blocked the owner is gone
    (grant_decide answers 404 for it), so the list never reveals the block; one from an account
    support deactivated is left out too (it is found by no handle). A minor sees only those of people
    they follow (may_use: no one else may ask them; grant_decide will not approve the others): one
    asked before an unfollow is listed again if they follow the person again."""
    from accounts.selectors import blockers_of

    requests = CameoGrant.objects.filter(
        cameo=_cameo_of(owner), status=CameoGrant.Status.REQUESTED, grantee__is_active=True
    ).exclude(grantee_id__in=blockers_of(owner))
    if owner.is_minor:
        requests = requests.filter(grantee_id__in=Follow.objects.filter(follower=owner).values("followee_id"))
    return requests.select_related("grantee")


def grants_for(owner: User) -> QuerySet[CameoGrant]:
    """The owner's approvals, but for those of an account support deactivated (found by no handle, as
    in the list of requests and the export); listed again when it is opened again. `approved_at`: when
    it was approved, for the newest-first list; an approval that recorded no time (an older row) counts
    from its request, so that no row has a null to page by."""
    return (
        CameoGrant.objects.filter(cameo=_cameo_of(owner), status=CameoGrant.Status.APPROVED, grantee__is_active=True)
        .annotate(approved_at=Coalesce("decided_at", "requested_at"))
        .select_related("grantee")
    )


def reference_images_of(cameo_ids: Iterable[int]) -> dict[int, list[bytes]]:
    """cameo id -> all its reference crops (JPEG bytes), for the generation worker; a cameo that no
    longer exists is absent."""
    cameos = Cameo.objects.in_bulk(list(cameo_ids))
    return {pk: [_read_crop(name) for name in cameo.reference_names] for pk, cameo in cameos.items()}


def _read_crop(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return crypto.decrypt(handle.read())


@dataclass(frozen=True)
class AppearanceRow:
    id: int  # keyset position (the VideoPerson row; the Appearance row of a possible match)
    video: Any
    source: str
    similarity: float | None
    created_at: Any
    match: str = Appearance.Match.CONFIRMED  # possible: show nothing of the video (docs/videos-of-me.md)


def appearances_of(user: User) -> QuerySet[VideoPerson]:
    """Every video, by anyone, draft or published, that shows `user` (newest first); removed ones
    (taken down by moderation) too, so the person can still delete them."""
    return VideoPerson.objects.filter(user=user).select_related("video", "video__author")


def appearance_rows(people: list[VideoPerson]) -> list[AppearanceRow]:
    sources = {
        a.video_id: a
        for a in Appearance.objects.filter(
            user_id__in={p.user_id for p in people}, video_id__in=[p.video_id for p in people]
        )
    }
    rows = []
    for person in people:
        appearance = sources.get(person.video_id)
        rows.append(
            AppearanceRow(
                id=person.pk,
                video=person.video,
                source=appearance.source if appearance else Appearance.Source.TAGGED,
                similarity=appearance.similarity if appearance else None,
                created_at=appearance.created_at if appearance else person.video.created_at,
            )
        )
    return rows


POSSIBLE_SALT = "appearances-possible"
_FROM_THE_START = 2**62  # a possible-matches cursor "after" every id: the segment's first page


def possible_matches_of(user: User) -> QuerySet[Appearance]:
    """Faces in videos that may be `user`'s, below the reveal bar: listed without the video."""
    return Appearance.objects.filter(user=user, match=Appearance.Match.POSSIBLE)


def appearances_page(user: User, *, cursor: str | None, limit: int | None) -> Page[AppearanceRow]:
    """One page of "videos of me": the confirmed ones (appearances_of, newest first), then the
    possible matches (newest first). One cursor walks both: a confirmed-list cursor as before, or a
    possible-matches cursor (its own salt) once the confirmed ones are exhausted."""
    size = page_limit(limit)
    possible_cursor: str | None = None
    if cursor:
        try:
            decode_cursor(cursor, salt=f"{POSSIBLE_SALT}-{user.pk}", length=1)
            possible_cursor = cursor
        except InvalidCursor:
            possible_cursor = None  # a confirmed-list cursor (keyset_page checks it)
    rows: list[AppearanceRow] = []
    if possible_cursor is None:
        page = keyset_page(
            appearances_of(user), ordering=("-id",), salt=f"appearances-{user.pk}", cursor=cursor, limit=size
        )
        rows = appearance_rows(list(page.items))
        if page.next is not None:
            return Page(rows, page.next)
        start = encode_cursor([_FROM_THE_START], salt=f"{POSSIBLE_SALT}-{user.pk}")
        if len(rows) == size:
            return Page(rows, start if possible_matches_of(user).exists() else None)
        possible_cursor = start
    page = keyset_page(
        possible_matches_of(user),
        ordering=("-id",),
        salt=f"{POSSIBLE_SALT}-{user.pk}",
        cursor=possible_cursor,
        limit=size - len(rows),
    )
    rows += [
        AppearanceRow(
            id=a.pk,
            video=None,
            source=a.source,
            similarity=None,
            created_at=a.created_at,
            match=Appearance.Match.POSSIBLE,
        )
        for a in page.items
    ]
    return Page(rows, page.next)


def possible_matches_on_videos_of(author: User) -> QuerySet[Appearance]:
    """The open possible matches on `author`'s videos, for them to confirm or remove (newest first).
    Only those of people whose cameo the author may use (may_use: its audience admits them): a match
    names the person, and someone who does not let the author show them (`only_me`, `approved` without
    a grant, `mutuals` when they are not) must not have their handle told to a stranger by a face
    scan (their recourse is a takedown, or a later scan above the bar). So not those of people in a
    block with the author, either way (that would name someone who does not exist for them), nor those
    of an account support deactivated (found by no handle, as the notification that asked is not shown)."""
    open_matches = (
        Appearance.objects.filter(video__author=author, match=Appearance.Match.POSSIBLE)
        .exclude(user=author)
        .exclude(user__in=blockers_of(author))
        .exclude(user__in=Block.objects.filter(blocker=author).values("blocked_id"))
        .exclude(user__in=User.objects.filter(is_active=False).values("pk"))  # a subquery: decide locks no account
    )
    people = set(open_matches.values_list("user_id", flat=True).order_by())
    return open_matches.filter(user_id__in=admitting(author, people)).select_related("user")


def admitting(author: User, people: Iterable[int]) -> list[int]:
    """Those of `people` whose cameo `author` may use now (the consent gate's answer): the people a
    face found in the author's video may be named to them as. Two queries, however many people."""
    cameos = list(Cameo.objects.filter(owner_id__in=sorted(set(people))).select_related("owner"))
    access = cameo_access_many(author, cameos) if cameos else {}
    return sorted(c.owner_id for c in cameos if access[c.pk].available)


def possible_matches_listed(author: User) -> QuerySet[Appearance]:
    """possible_matches_on_videos_of as the author's list shows them: each with its video (for its
    poster), read in the same query, so a page costs the same statements however long it is."""
    return (
        possible_matches_on_videos_of(author)
        .select_related("video")
        .defer("video__fingerprint", "video__search_text")  # never shown, and the largest columns
    )


def face_templates(video_id: int) -> list[Any]:
    """The face templates the output scan found in a video (one per face track), for the consent gate."""
    return list(VideoFace.objects.filter(video_id=video_id).values_list("embedding", flat=True))


def cameos_search(q: str, viewer: User, *, cursor: str | None, limit: int | None) -> Page[tuple[User, Access]]:
    """GET /search?type=cameos: the people matching `q` (accounts' people search, same ranking) whose
    cameo `viewer` may use now or may ask for (or has asked for: `request` says so), by the consent
    gate's own rules (cameo_access_many): a block either way or an `only_me` cameo leaves them out.
    Access is decided in ranking order, twice a page's worth at a time, until the page is full: not
    for every candidate."""
    from accounts.selectors import hits_after, hits_page, people_ranked, search_text

    salt = f"search-cameos:{viewer.pk}:{search_text(q)}"  # this query's list, as this viewer may use them
    size = page_limit(limit)
    hits = hits_after(people_ranked(q, viewer, among=Cameo.objects.values("owner_id")), cursor=cursor, salt=salt)
    found: list[_Found] = []
    step = 2 * (size + 1)  # about a quarter are left out (only_me, mutuals): one round is the usual
    for start in range(0, len(hits), step):
        chunk = hits[start : start + step]
        loaded = Cameo.objects.filter(owner_id__any=[h.user_id for h in chunk]).select_related("owner")
        # What may_use and the result read: no more (a row's every field and its owner's cost ~1 ms).
        loaded = loaded.only(
            "owner_id", "audience", "owner__handle", "owner__birthdate", "owner__is_active", "owner__approval_only"
        )
        cameos = {c.owner_id: c for c in loaded}
        access = cameo_access_many(viewer, cameos.values())
        for hit in chunk:
            cameo = cameos.get(hit.user_id)
            if cameo is None:  # deleted since the search read it
                continue
            a = access[cameo.pk]
            if a.available or a.can_request or a.request == CameoGrant.Status.REQUESTED:
                found.append(_Found(hit.key, cameo.owner, a))
        if len(found) > size:
            break
    page = hits_page(found, cursor=None, limit=size, salt=salt)
    return Page(items=[(f.user, f.access) for f in page.items], next=page.next)


@dataclass(frozen=True)
class _Found:
    key: tuple[int, int, int]
    user: User
    access: Access


# --- trending --------------------------------------------------------------------------------------

TRENDING_SIZE = 20  # items in each list of GET /trending
# Items kept in the shared cache: more than shown, so the per-viewer block filter still leaves a full list.
_TRENDING_POOL = 50
_TRENDING_KEY = "cameos:trending:v1"


def trending_cameos(*, since: dt.datetime, limit: int) -> list[tuple[int, int]]:
    """(owner id, uses) of the people shown in the most videos published since `since`, among those
    whose cameo's audience is `everyone` (their consent to be shown off there; never a minor's, nor
    an `approval_only` person's)."""
    everyone = Cameo.objects.filter(audience=Audience.EVERYONE).values("owner_id")
    return most_shown_people(since, limit, among=everyone)


@dataclass(frozen=True)
class Trending:
    video_ids: list[int]
    people: list[tuple[User, int]]  # (person, uses)


def _trending_lists() -> dict[str, list[tuple[int, int]]]:
    """The lists that are the same for everyone, from the Django cache (TRENDING_CACHE_SECONDS)."""
    lists = cache.get(_TRENDING_KEY)
    if lists is None:
        k, now = feed_conf(), timezone.now()
        lists = {
            "videos": rising_video_ids(now=now, limit=_TRENDING_POOL),
            "cameos": trending_cameos(since=now - dt.timedelta(days=k.trending_cameo_days), limit=_TRENDING_POOL),
        }
        if k.trending_cache_seconds > 0:
            cache.set(_TRENDING_KEY, lists, k.trending_cache_seconds)
    return lists


def trending_for(viewer: User | None) -> Trending:
    """GET /trending for `viewer`: the shared lists less anyone in a block with the viewer (either
    way) and their videos; the viewer's own may appear. People are re-read now, so a cameo no longer
    shown to `everyone` (or gone, or a deactivated account) drops out at once, cache or not; the
    videos' status is re-checked when they are rendered (cameos.presenters.trending_body)."""
    lists = _trending_lists()
    videos, shown = lists["videos"], lists["cameos"]
    blocked: set[int] = set()
    if viewer is not None:
        others = {author for _, author in videos} | {person for person, _ in shown}
        blocked = {i for i, relation in relations_from(viewer.pk, others).items() if relation.blocked_either_way}
    # All of them: trending_body drops any no longer published, then keeps TRENDING_SIZE.
    video_ids = [video for video, author in videos if author not in blocked]
    wanted = [(person, uses) for person, uses in shown if person not in blocked]
    consenting = User.objects.filter(
        pk__in=[person for person, _ in wanted], is_active=True, cameo__audience=Audience.EVERYONE
    )
    people = {user.pk: user for user in consenting}
    return Trending(video_ids, [(people[p], uses) for p, uses in wanted if p in people][:TRENDING_SIZE])
