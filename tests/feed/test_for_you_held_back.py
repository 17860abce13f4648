"""For You holds a video back when its author already had MAX_IN_A_ROW in a row, and the cursor
carries it to a later page. What changed in between counts on that page: a video taken down (hidden
pending review) or deleted, or an author blocked either way, is not shown from the cursor."""

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from feed import services
from feed.models import Video

pytestmark = pytest.mark.django_db
FEED = "/api/v1/feed"


@pytest.fixture
def held(me, other, make_user, make_video):
    """Page 1 of my For You and the video of `other` it held back for page 2."""
    third = make_user("third.one")
    for _ in range(2):
        make_video(third)
    theirs = [make_video(other) for _ in range(3)]
    Video.objects.filter(author=other).update(hot_score=100)  # far ahead: three in a row, one held
    Video.objects.filter(author=third).update(hot_score=1)
    return theirs[0]


def pages(client, first_cursor):
    seen, cursor = [], first_cursor
    while cursor:
        body = client.get(FEED, {"limit": 3, "cursor": cursor}).json()
        seen += body["results"]
        cursor = body["next"]
    return seen


def test_the_held_video_comes_on_the_next_page(api, held):
    first = api.get(FEED, {"limit": 3}).json()
    assert held.pk not in [v["id"] for v in first["results"]]
    assert held.pk in [v["id"] for v in pages(api, first["next"])]


def test_a_video_taken_down_since_is_not_shown_from_the_cursor(api, anon, held):
    for client in (api, anon):
        first = client.get(FEED, {"limit": 3}).json()
        assert held.pk not in [v["id"] for v in first["results"]]
        services.video_hide(video=held, reason="takedown: a face matched")
        later = pages(client, first["next"])
        assert held.pk not in [v["id"] for v in later]
        assert {v["status"] for v in later} == {"published"}
        services.video_unhide(video=held)


def test_a_deleted_video_is_not_shown_from_the_cursor(api, other, held):
    first = api.get(FEED, {"limit": 3}).json()
    services.video_delete(video=held, by=other)
    assert held.pk not in [v["id"] for v in pages(api, first["next"])]


@pytest.mark.parametrize("who_blocks", ["me", "them"])
def test_an_author_blocked_since_is_not_shown_from_the_cursor(api, me, other, held, who_blocks):
    first = api.get(FEED, {"limit": 3}).json()
    if who_blocks == "me":
        accounts_services.block_create(blocker=me, blocked=other)
    else:
        accounts_services.block_create(blocker=other, blocked=me)
    later = pages(api, first["next"])
    assert "other.person" not in [v["author"]["handle"] for v in later]


def test_no_page_is_empty_while_more_follow(api, other, make_user, make_video):
    """One page at a time (limit=1) through one author's long run at the top: each page read from a
    stream cut off by its LIMIT could hold all it read back (two in a row already) and come back empty
    with a `next`, which a client takes for the end of the feed."""
    third = make_user("third.one")
    theirs = [make_video(other) for _ in range(8)]
    rest = [make_video(third) for _ in range(2)]
    Video.objects.filter(author=other).update(hot_score=100)
    Video.objects.filter(author=third).update(hot_score=1)
    seen, cursor, params = [], None, {"limit": 1}
    while True:
        body = api.get(FEED, {**params, "cursor": cursor} if cursor else params).json()
        assert body["results"] or body["next"] is None, f"an empty page with a next after {len(seen)} videos"
        seen += [v["id"] for v in body["results"]]
        cursor = body["next"]
        if not cursor:
            break
    assert sorted(seen) == sorted(v.pk for v in theirs + rest)


def test_a_large_page_through_one_authors_long_run_gives_a_cursor_the_next_page_takes(api, anon, other, make_user):
    """At ?limit=100 the cursor carried up to 400 held-back videos (4 × the page size), each with its
    rank: over 7,000 characters, which GET /feed itself refuses (a cursor is at most 4,000), so the
    feed ended on a 400 after two pages."""
    import random

    third = make_user("third.one")
    ranks = random.Random(7)
    base = {"status": "published", "published_at": timezone.now(), "duration_ms": 500, "width": 64, "height": 112}
    Video.objects.bulk_create(  # one statement: hundreds of videos through the services take seconds
        [Video(author=other, hot_score=100 + ranks.random(), **base) for _ in range(400)]
        + [Video(author=third, hot_score=ranks.random(), **base) for _ in range(5)]
    )
    for client in (api, anon):
        seen, cursor = [], None
        while True:
            response = client.get(FEED, {"limit": 100, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.json()
            seen += [v["id"] for v in response.json()["results"]]
            cursor = response.json()["next"]
            if not cursor:
                break
        assert sorted(seen) == sorted(Video.objects.values_list("pk", flat=True))
