"""Video search on PostgreSQL with the RUM index (feed migration 0008): a phrase few of the best
videos have is read from it in hot-score order, its last word given as the words of published
videos it begins, which a table of word counts kept by triggers (feed_videoword) knows. Whichever
way a query is read, the same videos come back in the same order."""

import pytest
from django.db import connection
from django.db.models import Case, Value, When
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
    draft = make_video(other, publish=False, caption="zebra secret draft")
    assert services.fold_video_words() > 0
    assert counts("zebra", "cross", "danc", "secret") == {"zebra": 2, "cross": 1, "danc": 1}

    services.like_create(user=make_user(), video=first)  # a new hot score: the words unchanged
    Video.objects.filter(pk=draft.pk).update(caption="zebra okapi draft")  # a draft's words: not counted
    assert services.fold_video_words() == 0
    Video.objects.filter(pk=second.pk).update(caption="zebra waltz")  # an edit
    services.fold_video_words()
    assert counts("zebra", "danc", "waltz", "okapi") == {"zebra": 2, "waltz": 1}
    services.video_take_down(video=first, reason="spam")  # no longer published
    services.fold_video_words()
    assert counts("zebra", "cross") == {"zebra": 1}
    # One statement: the draft published with new words, the other edited and taken down.
    Video.objects.filter(pk__in=[draft.pk, second.pk]).update(
        status=Case(When(pk=draft.pk, then=Value("published")), default=Value("removed")),
        published_at=first.published_at,
        caption=Case(When(pk=draft.pk, then=Value("zebra tango")), default=Value("zebra rumba")),
    )
    services.fold_video_words()
    assert counts("zebra", "waltz", "tango", "rumba") == {"zebra": 1, "tango": 1}
    Video.objects.filter(pk=draft.pk).delete()
    services.fold_video_words()
    assert counts("zebra", "tango") == {}
    # Many at once (one statement): counted as one by one.
    published = {"status": "published", "published_at": first.published_at, "duration_ms": 500, "width": 64}
    Video.objects.bulk_create(
        [Video(author=other, caption=f"okapi {i}", media=f"v/okapi{i}.mp4", height=112, **published) for i in range(3)]
    )
    services.fold_video_words()
    assert counts("okapi") == {"okapi": 3}
    with connection.cursor() as db:  # a TRUNCATE (Django's flush) leaves no count behind
        db.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending in the test's transaction
        db.execute("TRUNCATE feed_video CASCADE")
        db.execute("SELECT count(*) FROM feed_videoword")
        assert db.fetchone()[0] == 0


@pytest.fixture
def rum_index(db):
    if not selectors._rum_installed():
        pytest.skip("the rum extension is not installed in this PostgreSQL (docs/configuration.md)")


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
def test_a_phrase_read_from_the_rum_index_finds_what_gin_finds(api, catalogue, rum_index, monkeypatch, q, rum, first):
    monkeypatch.setattr(selectors, "_RUM_COMPLETIONS", 2 if q == "harbor seal s" else 32)
    with CaptureQueriesContext(connection) as read:
        by_rum = found(api, q)
    assert any("<=|" in c["sql"] for c in read.captured_queries) is rum
    monkeypatch.setattr(selectors, "_rum_read", lambda words: None)
    monkeypatch.setattr(selectors, "_among_the_best", lambda tsquery, words: (0, 2))  # GIN, not best first
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


def test_ties_at_the_candidate_bound_keep_pages_whole(api, other, make_video, rum_index, settings):
    """With fewer candidates than matches and every match tied in hot score, the RUM read keeps as
    many as it should (which of the tie is RUM's, where GIN takes the highest ids), and a cursor's
    next page follows without gaps or repeats."""
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "SEARCH_CANDIDATES": 5}
    videos = [make_video(other, caption=f"walrus choir {i}") for i in range(12)]
    Video.objects.filter(pk__in=[v.pk for v in videos]).update(hot_score=50000.0)  # all tied

    def pages():
        first = api.get("/api/v1/search", {"q": "walrus choi", "type": "videos", "limit": 3}).json()
        second = api.get(
            "/api/v1/search", {"q": "walrus choi", "type": "videos", "limit": 3, "cursor": first["next"]}
        ).json()
        assert second["next"] is None
        return [v["id"] for v in first["results"]], [v["id"] for v in second["results"]]

    with CaptureQueriesContext(connection) as read:
        first, second = pages()
    assert any("<=|" in c["sql"] for c in read.captured_queries)
    assert len(first) == 3 and len(second) == 2 and len(set(first + second)) == 5
    assert set(first + second) <= {v.pk for v in videos}
    assert min(first) > max(second)  # equal scores: by id, as the cursor walks them
    assert pages() == (first, second)  # the same again


def test_a_phrase_common_among_the_best_is_read_in_order_with_no_bitmap(api, catalogue, rum_index, monkeypatch):
    """The planner takes words that go together for a rare phrase and would read every match from
    GIN to sort them; where the sample finds the phrase common, the RUM read runs with bitmap reads
    ruled out for its statement alone, and finds the same videos."""
    with CaptureQueriesContext(connection) as read:
        rare = found(api, "seal swim")  # 4 of the 12: fewer than _COMMON among the best
    assert not any("enable_bitmapscan" in c["sql"] for c in read.captured_queries)
    monkeypatch.setattr(selectors, "_COMMON", 2)
    with CaptureQueriesContext(connection) as read:
        common = found(api, "seal swim")
    statements = [c["sql"] for c in read.captured_queries]
    setting = next(i for i, sql in enumerate(statements) if "enable_bitmapscan" in sql)
    ranked = next(i for i, sql in enumerate(statements) if "<=|" in sql)
    assert setting < ranked
    assert statements[ranked].startswith("/* no bitmap */")  # its own prepared statement and plan
    assert common == rare and set(common) == {catalogue[i].pk for i in (3, 4, 9, 10)}
    with connection.cursor() as db:  # only that statement: the test's transaction has it back
        db.execute("SHOW enable_bitmapscan")
        assert db.fetchone()[0] == "on"


def test_a_phrase_is_read_the_same_way_before_beat_folds_its_words(api, catalogue, rum_index, monkeypatch, settings):
    """Where the best-first read finds a phrase's page for less than RUM, it is read best first, also
    before beat's fold has counted the words of the videos just published: those are counted from
    the changes not yet folded. Otherwise the words would look rare, and RUM would read every match
    of common words (36-66 ms at a million videos, where rank order takes under 20)."""
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "SEARCH_CANDIDATES": 5}
    # At this scale: best first reads 0.1 × 2 × 51 rows × 12 / 12 entries (the 12 videos all match),
    # RUM about 12.
    monkeypatch.setattr(selectors, "_SAMPLE", 12)
    monkeypatch.setattr(selectors, "_RANK_ORDER_COST", 0.1)

    def read(q):
        with CaptureQueriesContext(connection) as queries:
            ids = found(api, q)
        statements = " ".join(c["sql"] for c in queries.captured_queries)
        return ids, "feed_video_search_best_first" in statements, "<=|" in statements

    assert counts("harbor", "seal") == {}  # not folded yet
    before = read("harbor seal")
    assert before[1:] == (True, False)  # best first, not RUM
    assert services.fold_video_words() > 0
    assert read("harbor seal") == before
    assert len(before[0]) == 5 and set(before[0]) <= {v.pk for v in catalogue}  # the 5 candidates
