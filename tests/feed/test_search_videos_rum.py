"""Video search on PostgreSQL with the RUM index (feed migration 0008): a phrase few of the best
videos have is read from it in hot-score order, its last word given as the words of published
videos it begins, which a table of word counts kept by triggers (feed_videoword) knows. Whichever
way a query is read, the same videos come back in the same order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts_services
from feed import selectors, services
from feed.models import Video

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def counts(*words):
    with connection.cursor() as db:
        db.execute("SELECT word, videos FROM feed_videoword WHERE word = ANY(%s)", [list(words)])
        return dict(db.fetchall())


def found(client, q):
    response = client.get("/api/v1/search", {"q": q, "type": "videos", "limit": 50})
    assert response.status_code == 200, response.content
    return [v["id"] for v in response.json()["results"]]


def test_the_words_of_published_videos_are_counted_and_leave_with_them(other, make_user, make_video):
    first = make_video(other, caption="zebra crossing")
    second = make_video(other, caption="zebras dancing")
    make_video(other, publish=False, caption="zebra secret draft")
    assert counts("zebra", "cross", "danc", "secret") == {"zebra": 2, "cross": 1, "danc": 1}

    services.like_create(user=make_user(), video=first)  # a new hot score: the words unchanged
    assert counts("zebra", "cross") == {"zebra": 2, "cross": 1}
    Video.objects.filter(pk=second.pk).update(caption="zebra waltz")  # an edit
    assert counts("zebra", "danc", "waltz") == {"zebra": 2, "waltz": 1}
    services.video_take_down(video=first, reason="spam")  # no longer published
    assert counts("zebra", "cross") == {"zebra": 1}
    Video.objects.filter(pk=second.pk).delete()
    assert counts("zebra", "waltz") == {}
    # Many at once (one statement): counted as one by one.
    published = {"status": "published", "published_at": first.published_at, "duration_ms": 500, "width": 64}
    Video.objects.bulk_create(
        [Video(author=other, caption=f"okapi {i}", media=f"v/okapi{i}.mp4", height=112, **published) for i in range(3)]
    )
    assert counts("okapi") == {"okapi": 3}
    Video.objects.filter(caption__startswith="okapi").update(status="removed")
    assert counts("okapi") == {}


@pytest.fixture
def catalogue(me, other, make_user, make_video):
    """Videos sharing words, one liked, a draft and a blocked person's; the words rare enough for
    the RUM read."""
    videos = [
        make_video(other, caption=f"harbor seal {kind} {i}")
        for i, kind in enumerate(["sleeping", "sleeps", "sleepy", "swimming", "swims", "diving"] * 2)
    ]
    for fan in [make_user() for _ in range(2)]:
        services.like_create(user=fan, video=videos[4])
    make_video(other, publish=False, caption="harbor seal sleeping draft")
    blocked = make_user("blocked.seal")
    accounts_services.block_create(blocker=me, blocked=blocked)
    make_video(blocked, caption="harbor seal sleeping")
    return videos


@pytest.mark.parametrize(
    ("q", "rum", "first"),
    [
        ("harbor seal sleep", True, None),  # sleep, sleepi
        ("seal sle", True, None),
        ("seal swim", True, 4),  # the liked one first
        ("harbor seal s", False, 4),  # "s" begins more words than the RUM read takes (2 here)
        ("seal the", False, 4),  # a stop word last
        ("seal zzz", True, None),  # nothing begins with it
    ],
)
def test_a_phrase_read_from_the_rum_index_finds_what_gin_finds(api, catalogue, monkeypatch, q, rum, first):
    monkeypatch.setattr(selectors, "_RUM_COMPLETIONS", 2 if q == "harbor seal s" else 32)
    with CaptureQueriesContext(connection) as read:
        by_rum = found(api, q)
    assert any("<=|" in c["sql"] for c in read.captured_queries) is rum
    monkeypatch.setattr(selectors, "_rum_read", lambda words: None)
    assert found(api, q) == by_rum
    expected = {
        "harbor seal sleep": {0, 1, 2, 6, 7, 8},
        "seal sle": {0, 1, 2, 6, 7, 8},
        "seal swim": {3, 4, 9, 10},
        "harbor seal s": set(range(12)),
        "seal the": set(range(12)),
        "seal zzz": set(),
    }[q]
    assert set(by_rum) == {catalogue[i].pk for i in expected}
    if first is not None:
        assert by_rum[0] == catalogue[first].pk
