"""Every list of the API (`{"results": [...], "next": ...}`: API.md, docs/api-conventions.md#lists)
pages as a client walks it: with enough items for three pages at the default size, walked with
`?limit=1` and with the default size, every item comes exactly once, in the documented order, and the
last page's `next` is null; items added or deleted between two page requests neither break the walk
nor bring back an item already seen; a bad `limit` or cursor, or a cursor of another list, is a 400
in the error shape, never a 500.

Data is made with the services and bulk_create (no worker), so the whole module stays small."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification, User
from cameos.models import Appearance, Audience, Cameo, CameoGrant
from core.conf import conf
from feed import services as feed_services
from feed.models import Comment, Video
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db

PAGE = conf().page_size
N = 2 * PAGE + 3  # three pages at the default size, the last one short
_keys = itertools.count(1)


@dataclass
class Listing:
    """One list as a client sees it: where, as whom, how to tell its items apart, and what it holds
    in its documented order. `add` makes an item that sorts before everything listed (the newest, or
    the best ranked); `delete` removes the item with the given key."""

    path: str
    client: Any
    key: Callable[[dict[str, Any]], Any]
    expected: list[Any]
    params: dict[str, Any] = field(default_factory=dict)
    add: Callable[[], Any] | None = None
    delete: Callable[[Any], None] | None = None


@dataclass
class Kit:
    me: User
    make_user: Callable[..., User]
    client_of: Callable[[User | None], Any]
    n: int

    def people(self, prefix: str, n: int | None = None) -> list[User]:
        return [self.make_user(f"{prefix}.{next(_keys)}") for _ in range(self.n if n is None else n)]


def video(author: User, *, publish: bool = True, caption: str = "", people: tuple[User, ...] = ()) -> Video:
    """A video through the feed services, its files named but not written (no list reads them)."""
    key = uuid.uuid4().hex
    made = feed_services.video_create(
        author=author,
        duration_ms=500,
        width=64,
        height=112,
        caption=caption,
        people=people,
        stored={"media_key": key, "media": f"videos/{key}/video.mp4", "poster": f"videos/{key}/poster.jpg"},
    )
    return feed_services.video_publish(video=made) if publish else made


def by_handle(item: dict[str, Any]) -> str:
    return item["handle"]


def by_id(item: dict[str, Any]) -> Any:
    return item["id"]


def delete_video(video_id: int) -> None:
    feed_services.video_delete(video=Video.objects.get(pk=video_id))


def delete_user(handle: str) -> None:
    accounts_services.account_erase(user=User.objects.get(handle=handle))


# --- the lists -------------------------------------------------------------------------------------
# Each builds its items for kit.me (or as an anonymous caller) and says their documented order.


def followers(kit: Kit) -> Listing:
    fans = kit.people("fan")
    for fan in fans:
        accounts_services.follow_create(follower=fan, followee=kit.me)

    def add() -> str:
        fan = kit.make_user(f"fan.{next(_keys)}")
        accounts_services.follow_create(follower=fan, followee=kit.me)
        return fan.handle

    return Listing(
        f"/api/v1/users/{kit.me.handle}/followers",
        kit.client_of(None),
        by_handle,
        [f.handle for f in reversed(fans)],  # newest follow first
        add=add,
        delete=delete_user,
    )


def following(kit: Kit) -> Listing:
    stars = kit.people("star")
    for star in stars:
        accounts_services.follow_create(follower=kit.me, followee=star)

    def add() -> str:
        star = kit.make_user(f"star.{next(_keys)}")
        accounts_services.follow_create(follower=kit.me, followee=star)
        return star.handle

    def unfollow(handle: str) -> None:
        accounts_services.follow_delete(follower=kit.me, followee=User.objects.get(handle=handle))

    return Listing(
        f"/api/v1/users/{kit.me.handle}/following",
        kit.client_of(kit.me),
        by_handle,
        [s.handle for s in reversed(stars)],
        add=add,
        delete=unfollow,
    )


def blocks(kit: Kit) -> Listing:
    pests = kit.people("pest")
    for pest in pests:
        accounts_services.block_create(blocker=kit.me, blocked=pest)

    def add() -> str:
        pest = kit.make_user(f"pest.{next(_keys)}")
        accounts_services.block_create(blocker=kit.me, blocked=pest)
        return pest.handle

    def unblock(handle: str) -> None:
        accounts_services.block_delete(blocker=kit.me, blocked=User.objects.get(handle=handle))

    return Listing(
        "/api/v1/me/blocks",
        kit.client_of(kit.me),
        by_handle,
        [p.handle for p in reversed(pests)],
        add=add,
        delete=unblock,
    )


def notifications(kit: Kit) -> Listing:
    def make(count: int) -> list[Notification]:
        kinds = itertools.cycle(Notification.Kind.values)
        return Notification.objects.bulk_create(
            [Notification(user=kit.me, kind=next(kinds), data={"n": i}) for i in range(count)]
        )

    made = make(kit.n)
    return Listing(
        "/api/v1/notifications",
        kit.client_of(kit.me),
        by_id,
        sorted((n.pk for n in made), reverse=True),
        add=lambda: make(1)[0].pk,
        delete=lambda pk: Notification.objects.filter(pk=pk).delete() and None,
    )


def comments(kit: Kit) -> Listing:
    author = kit.make_user(f"filmer.{next(_keys)}")
    watched = video(author)
    talkers = kit.people("talker", 3)

    def make(count: int) -> list[Comment]:
        return [
            feed_services.comment_create(author=talkers[i % 3], video=watched, text=f"nice {i}") for i in range(count)
        ]

    made = make(kit.n)
    return Listing(
        f"/api/v1/videos/{watched.pk}/comments",
        kit.client_of(kit.me),
        by_id,
        sorted((c.pk for c in made), reverse=True),
        add=lambda: make(1)[0].pk,
        delete=lambda pk: feed_services.comment_delete(comment=Comment.objects.get(pk=pk), by=author),
    )


def _videos_listing(kit: Kit, path: str, authors: list[User], client: Any) -> Listing:
    made = [video(authors[i % len(authors)]) for i in range(kit.n)]
    return Listing(
        path,
        client,
        by_id,
        [v.pk for v in reversed(made)],  # newest published first
        add=lambda: video(authors[0]).pk,
        delete=delete_video,
    )


def following_feed(kit: Kit) -> Listing:
    authors = kit.people("maker", 3)
    for author in authors:
        accounts_services.follow_create(follower=kit.me, followee=author)
    video(kit.make_user(f"stranger.{next(_keys)}"))  # not followed: never listed
    return _videos_listing(kit, "/api/v1/feed/following", authors, kit.client_of(kit.me))


def user_videos(kit: Kit) -> Listing:
    author = kit.make_user(f"maker.{next(_keys)}")
    video(author, publish=False)  # a draft: never listed
    return _videos_listing(kit, f"/api/v1/users/{author.handle}/videos", [author], kit.client_of(kit.me))


def for_you(kit: Kit) -> Listing:
    # Strangers' videos, one author each: the rank is the hot score (newest first, as none has any
    # engagement), and author diversity holds nothing back (test_for_you_* below has it).
    return _videos_listing(kit, "/api/v1/feed", kit.people("creator"), kit.client_of(kit.me))


def for_you_anonymous(kit: Kit) -> Listing:
    return _videos_listing(kit, "/api/v1/feed", kit.people("creator"), kit.client_of(None))


def generations(kit: Kit) -> Listing:
    now = timezone.now()

    def make(count: int, at: dt.datetime | None = None) -> list[GenerationJob]:
        return GenerationJob.objects.bulk_create(
            [
                # three jobs a second: ties on created_at, broken by the id (a UUID)
                GenerationJob(
                    author=kit.me,
                    prompt="a cat",
                    duration_s=2,
                    seed=i,
                    status="failed",
                    created_at=at or now - dt.timedelta(seconds=i // 3),
                )
                for i in range(count)
            ]
        )

    made = make(kit.n)
    order = sorted(made, key=lambda j: (j.created_at, j.pk), reverse=True)
    return Listing(
        "/api/v1/generations",
        kit.client_of(kit.me),
        lambda item: uuid.UUID(item["id"]),
        [j.pk for j in order],
        add=lambda: make(1, now + dt.timedelta(seconds=1))[0].pk,
        delete=lambda pk: GenerationJob.objects.filter(pk=pk).delete() and None,
    )


def _my_cameo(me: User) -> Cameo:
    return Cameo.objects.get_or_create(owner=me, defaults={"audience": Audience.APPROVED})[0]


def _grants(kit: Kit, status: str, path: str) -> Listing:
    cameo = _my_cameo(kit.me)

    def make(people: list[User]) -> list[CameoGrant]:
        return CameoGrant.objects.bulk_create([CameoGrant(cameo=cameo, grantee=p, status=status) for p in people])

    made = make(kit.people("friend"))
    return Listing(
        path,
        kit.client_of(kit.me),
        by_id,
        sorted((g.pk for g in made), reverse=True),
        add=lambda: make([kit.make_user(f"friend.{next(_keys)}")])[0].pk,
        delete=lambda pk: CameoGrant.objects.filter(pk=pk).delete() and None,
    )


def cameo_requests(kit: Kit) -> Listing:
    return _grants(kit, CameoGrant.Status.REQUESTED, "/api/v1/cameo/requests")


def cameo_grants(kit: Kit) -> Listing:
    return _grants(kit, CameoGrant.Status.APPROVED, "/api/v1/cameo/grants")


def appearances(kit: Kit) -> Listing:
    """Videos of me: the confirmed ones newest first, then the possible matches newest first (a
    possible match shows nothing of its video: told apart here by when it was found)."""
    _my_cameo(kit.me)
    makers = kit.people("maker", 3)
    confirmed = kit.n // 2 + 3  # the default size's second page holds both kinds
    shown = [video(makers[i % 3], publish=i % 2 == 0, people=(kit.me,)) for i in range(confirmed)]
    others = [video(makers[i % 3]) for i in range(kit.n - confirmed)]
    start = timezone.now() - dt.timedelta(days=1)
    possible = Appearance.objects.bulk_create(
        [
            Appearance(
                video=v,
                user=kit.me,
                source=Appearance.Source.DETECTED,
                match=Appearance.Match.POSSIBLE,
                similarity=0.4,
                created_at=start + dt.timedelta(seconds=i),
            )
            for i, v in enumerate(others)
        ]
    )

    def key(item: dict[str, Any]) -> Any:
        if item["match"] == "possible":
            assert item["video"] is None
            return ("possible", dt.datetime.fromisoformat(item["found_at"]))
        return ("video", item["video"]["id"])

    def delete(found: Any) -> None:
        kind, which = found
        if kind == "video":
            delete_video(which)
        else:
            Appearance.objects.filter(user=kit.me, created_at=which).delete()

    return Listing(
        "/api/v1/cameo/appearances",
        kit.client_of(kit.me),
        key,
        [("video", v.pk) for v in reversed(shown)] + [("possible", a.created_at) for a in reversed(possible)],
        add=lambda: ("video", video(makers[0], people=(kit.me,)).pk),
        delete=delete,
    )


def possible_matches(kit: Kit) -> Listing:
    """The author's side: faces in my videos that may be these people's."""
    mine = [video(kit.me) for _ in range(3)]
    faces = kit.people("face")

    def make(people: list[User]) -> list[Appearance]:
        # Cameos open to everyone: a match is listed to an author only if the person's cameo admits them.
        Cameo.objects.bulk_create([Cameo(owner=p, audience=Audience.EVERYONE) for p in people], ignore_conflicts=True)
        return Appearance.objects.bulk_create(
            [
                Appearance(
                    video=mine[i % 3],
                    user=p,
                    source=Appearance.Source.DETECTED,
                    match=Appearance.Match.POSSIBLE,
                    similarity=0.4,
                )
                for i, p in enumerate(people)
            ]
        )

    made = make(faces)
    return Listing(
        "/api/v1/cameo/possible-matches",
        kit.client_of(kit.me),
        by_id,
        sorted((a.pk for a in made), reverse=True),
        add=lambda: make([kit.make_user(f"face.{next(_keys)}")])[0].pk,
        delete=lambda pk: Appearance.objects.filter(pk=pk).delete() and None,
    )


def search_people(kit: Kit) -> Listing:
    # Every handle starts with the query (equally close) and nobody has followers: newest first.
    found = kit.people("comet")
    kit.people("planet", 3)  # not found
    return Listing(
        "/api/v1/search",
        kit.client_of(kit.me),
        by_handle,
        [p.handle for p in reversed(found)],
        params={"q": "comet", "type": "people"},
        add=lambda: kit.make_user(f"comet.{next(_keys)}").handle,
        delete=delete_user,
    )


def search_cameos(kit: Kit) -> Listing:
    def make(people: list[User]) -> list[User]:
        Cameo.objects.bulk_create([Cameo(owner=p, audience=Audience.EVERYONE) for p in people])
        return people

    found = make(kit.people("comet"))
    kit.people("comet.nocameo", 2)  # no cameo: never found here
    return Listing(
        "/api/v1/search",
        kit.client_of(kit.me),
        by_handle,
        [p.handle for p in reversed(found)],
        params={"q": "comet", "type": "cameos"},
        add=lambda: make([kit.make_user(f"comet.{next(_keys)}")])[0].handle,
        delete=delete_user,
    )


def _search_videos(kit: Kit, words: str) -> Listing:
    # Captions of the same length with the words once: the same text match, so newest first. Other
    # videos, more of them than matches, so the words are not common ones.
    authors = kit.people("filmer", 3)
    for i in range(kit.n + 3):
        video(authors[i % 3], caption=f"a walk in the park {i}", publish=i % 4 != 0)
    made = [video(authors[i % 3], caption=f"{words} {i}") for i in range(kit.n)]
    return Listing(
        "/api/v1/search",
        kit.client_of(kit.me),
        by_id,
        [v.pk for v in reversed(made)],
        params={"q": words, "type": "videos"},
        add=lambda: video(authors[0], caption=f"{words} {next(_keys)}").pk,
        delete=delete_video,
    )


def search_videos(kit: Kit) -> Listing:
    return _search_videos(kit, "comet")


def search_videos_phrase(kit: Kit) -> Listing:
    return _search_videos(kit, "comet tail")


LISTS: dict[str, Callable[[Kit], Listing]] = {
    "followers": followers,
    "following": following,
    "blocks": blocks,
    "notifications": notifications,
    "comments": comments,
    "feed-following": following_feed,
    "user-videos": user_videos,
    "for-you": for_you,
    "for-you-anonymous": for_you_anonymous,
    "generations": generations,
    "cameo-requests": cameo_requests,
    "cameo-grants": cameo_grants,
    "appearances": appearances,
    "possible-matches": possible_matches,
    "search-people": search_people,
    "search-cameos": search_cameos,
    "search-videos": search_videos,
    "search-videos-phrase": search_videos_phrase,
}
# PostgreSQL reads a phrase of several words its own ways (best first, RUM: feed.selectors._pg_ranked).
ON_POSTGRESQL_ONLY = {"search-videos-phrase"}


def each_list() -> list[Any]:
    return [
        pytest.param(name, marks=[pytest.mark.postgres] if name in ON_POSTGRESQL_ONLY else [], id=name)
        for name in LISTS
    ]


@pytest.fixture
def kit(me, make_user, client_of) -> Kit:
    return Kit(me=me, make_user=make_user, client_of=client_of, n=N)


@pytest.fixture(autouse=True)
def _one_window(mid_window) -> None:
    """A walk never straddles two rate-limit windows (search counts each page)."""


# --- walking ---------------------------------------------------------------------------------------


def page(listing: Listing, **params: Any) -> dict[str, Any]:
    response = listing.client.get(listing.path, {**listing.params, **params})
    assert response.status_code == 200, (listing.path, params, response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == {"results", "next"}, body
    return body


def walk(
    listing: Listing, *, limit: int | None = None, after_page: Callable[[int], None] | None = None
) -> list[list[Any]]:
    """Every page's keys, following `next` until it is null; `after_page(i)` runs after page i."""
    pages: list[list[Any]] = []
    cursor = None
    for i in range(3 * N):
        params = ({"limit": limit} if limit else {}) | ({"cursor": cursor} if cursor else {})
        body = page(listing, **params)
        pages.append([listing.key(item) for item in body["results"]])
        if after_page:
            after_page(i)
        cursor = body["next"]
        if cursor is None:
            return pages
        assert isinstance(cursor, str) and cursor
    pytest.fail(f"{listing.path}: still a next page after {3 * N} pages")


def repeated(keys: list[Any]) -> list[Any]:
    return [k for k in set(keys) if keys.count(k) > 1]


@pytest.mark.parametrize("name", each_list())
def test_every_item_comes_once_in_order_page_by_page(kit, name):
    listing = LISTS[name](kit)
    assert len(listing.expected) == N
    one_by_one = walk(listing, limit=1)
    assert [len(p) for p in one_by_one] == [1] * N, "a page of one item each, then the end"
    assert [k for p in one_by_one for k in p] == listing.expected
    default = walk(listing)
    assert [len(p) for p in default] == [PAGE, PAGE, N - 2 * PAGE]
    assert [k for p in default for k in p] == listing.expected
    assert [k for p in walk(listing, limit=PAGE + 1) for k in p] == listing.expected


@pytest.mark.parametrize("name", each_list())
def test_items_added_or_deleted_between_pages_are_no_trouble(kit, name):
    """After the first page: a new item (it sorts first: a client sees it on a new first page), the
    first page's last item (the cursor's own row), an item already seen and one not yet seen, gone.
    The walk goes on from where it was: nothing seen comes again, nothing deleted comes, the rest
    comes once in order."""
    listing = LISTS[name](kit)
    size = 5
    gone: list[Any] = []

    def change(i: int) -> None:
        if i == 0:
            assert listing.add and listing.delete
            listing.add()
            gone.extend([listing.expected[size - 1], listing.expected[0], listing.expected[size + 2]])
            for key in gone:
                listing.delete(key)
        elif i == 2:  # and once more, further down
            gone.append(listing.expected[4 * size])
            listing.delete(gone[-1])
            listing.add()

    seen = [k for p in walk(listing, limit=size, after_page=change) for k in p]
    assert not repeated(seen), "an item came twice"
    assert seen == listing.expected[:size] + [k for k in listing.expected[size:] if k not in gone]


@pytest.mark.parametrize("name", each_list())
def test_bad_page_parameters_are_400_in_the_error_shape(kit, name):
    listing = LISTS[name](kit)
    first = page(listing, limit=2)
    cursor = first["next"]
    changed = cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")
    for params, code in [
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"cursor": changed}, "invalid_cursor"),
        ({"cursor": cursor[: len(cursor) // 2]}, "invalid_cursor"),
        ({"cursor": "x" * 5000}, "invalid"),
        ({"cursor": ""}, None),  # an empty cursor: the first page (or a 400), never a 500
        ({"limit": 0}, "invalid"),
        ({"limit": -1}, "invalid"),
        ({"limit": conf().max_page_size + 1}, "invalid"),
        ({"limit": "ten"}, "invalid"),
        ({"limit": "1e3"}, "invalid"),
        ({"cursor": cursor, "limit": "0"}, "invalid"),
    ]:
        response = listing.client.get(listing.path, {**listing.params, **params})
        if code is None:
            assert response.status_code in (200, 400), (params, response.content[:300])
            continue
        assert response.status_code == 400, (params, response.status_code, response.content[:300])
        body = response.json()
        assert body["error"] == code, (params, body)
        assert isinstance(body["detail"], str) and body["detail"]
        if code == "invalid":
            assert set(body["fields"]) <= {"cursor", "limit"} and body["fields"], body
    # The cursor still reads as it did, at another size too.
    assert page(listing, cursor=cursor)["results"]
    assert [listing.key(i) for i in page(listing, cursor=cursor, limit=1)["results"]] == listing.expected[2:3]


def test_a_cursor_of_one_list_is_refused_by_every_other(make_user, me, client_of):
    """A cursor is a position in one list: any other list answers it 400 `invalid_cursor`, never
    reads it as a position of its own (which skips items) nor fails on it."""
    kit = Kit(me=me, make_user=make_user, client_of=client_of, n=3)
    listings = {name: build(kit) for name, build in LISTS.items() if name not in ON_POSTGRESQL_ONLY}
    cursors = {}
    for name, listing in listings.items():
        cursors[name] = page(listing, limit=1)["next"]
        assert cursors[name], name
    for name, listing in listings.items():
        for other_name, cursor in cursors.items():
            if other_name == name or listing.path == listings[other_name].path == "/api/v1/feed":
                continue  # (For You, signed in or not: told apart by the caller below)
            response = listing.client.get(listing.path, {**listing.params, "cursor": cursor})
            assert response.status_code == 400, (name, "took a cursor of", other_name, response.content[:300])
            assert response.json()["error"] == "invalid_cursor"
    anonymous, signed_in = listings["for-you-anonymous"], listings["for-you"]
    for client, cursor in [(anonymous.client, cursors["for-you"]), (signed_in.client, cursors["for-you-anonymous"])]:
        response = client.get("/api/v1/feed", {"cursor": cursor})
        assert response.status_code == 400 and response.json()["error"] == "invalid_cursor"


@pytest.mark.parametrize("path", ["/api/v1/cameo/possible-matches", "/api/v1/cameo/appearances"])
def test_a_cursor_of_someone_elses_possible_matches_is_refused(make_user, client_of, path):
    """Each author's possible matches (and each person's videos of them) are a list of their own:
    another's cursor is refused, not read as a position in mine."""
    callers = []
    for who in ("author.one", "author.two"):
        author = make_user(who)
        Cameo.objects.create(owner=author)
        mine = video(author)
        faces = [make_user(f"{who}.face.{i}") for i in range(3)]
        Cameo.objects.bulk_create([Cameo(owner=f, audience=Audience.EVERYONE) for f in faces])  # admit the author
        Appearance.objects.bulk_create(
            [
                Appearance(video=mine, user=f, source=Appearance.Source.DETECTED, match=Appearance.Match.POSSIBLE)
                for f in faces
            ]
            + [
                Appearance(
                    video=video(f), user=author, source=Appearance.Source.DETECTED, match=Appearance.Match.POSSIBLE
                )
                for f in faces
            ]
        )
        callers.append(client_of(author))
    first, second = callers
    theirs = first.get(path, {"limit": 1}).json()["next"]
    assert theirs
    response = second.get(path, {"cursor": theirs})
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"] == "invalid_cursor"
    assert len(first.get(path, {"cursor": theirs}).json()["results"]) == 2


# --- For You's author diversity ---------------------------------------------------------------------


@pytest.mark.parametrize("limit", [1, 2, None])
def test_for_you_held_back_videos_come_once_and_the_feed_ends(kit, client_of, limit):
    """One author's many newest videos, then others': author diversity holds some back and shows them
    later, on later pages too; however the feed is paged, each video comes exactly once, no page
    fails, and the last page's next is null."""
    prolific = kit.make_user(f"prolific.{next(_keys)}")
    others = kit.people("creator", 4)
    older = [video(others[i % 4]) for i in range(6)]
    newer = [video(prolific) for _ in range(9)]
    listing = Listing("/api/v1/feed", client_of(kit.me), by_id, [v.pk for v in reversed(older + newer)])
    seen = [k for p in walk(listing, limit=limit) for k in p]
    assert not repeated(seen)
    assert sorted(seen) == sorted(listing.expected)
