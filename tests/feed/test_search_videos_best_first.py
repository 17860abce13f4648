"""Video search on PostgreSQL reads a phrase that many of the best-ranked videos share best first
(feed migration 0010): in hot-score order, stopping once no match further down can reach the page.
Whichever way a phrase is read (best first, RUM, the planner's), a person sees the same pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts_services
from feed import selectors
from feed.models import Video

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Eighteen words between "harbor" and "seal": a weak match (PostgreSQL ranks an AND by how close the
# words are), worth ~0.1 of the ranking's log units, where "harbor seal" side by side is worth ~4.
APART = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo"


def pages(client, q, limit):
    """Every page of a search, followed by its cursors: the ids, and the statements read."""
    ids, params = [], {"q": q, "type": "videos", "limit": limit}
    with CaptureQueriesContext(connection) as read:
        while True:
            response = client.get("/api/v1/search", params)
            assert response.status_code == 200, response.content
            body = response.json()
            ids += [v["id"] for v in body["results"]]
            if body["next"] is None:
                break
            params["cursor"] = body["next"]
            assert len(ids) < 100, "the pages never end"
    statements = " ".join(c["sql"] for c in read.captured_queries)
    return ids, statements


def best_first(monkeypatch):
    monkeypatch.setattr(selectors, "_RANK_ORDER_COST", 0.001)


def planners(monkeypatch):
    monkeypatch.setattr(selectors, "_rum_read", lambda words: None)
    monkeypatch.setattr(selectors, "_among_the_best", lambda tsquery, words: (0, 2))


def rum(monkeypatch):
    if not selectors._rum_installed():
        pytest.skip("the rum extension is not installed in this PostgreSQL (docs/configuration.md)")
    monkeypatch.setattr(selectors, "_among_the_best", lambda tsquery, words: (0, 2))


READS = {"best first": best_first, "planner's": planners, "rum": rum}
# Which read ran, from the statements of a search.
MARKS = {
    "best first": lambda sql: "feed_video_search_best_first" in sql,
    "planner's": lambda sql: "feed_video_search_best_first" not in sql and "<=|" not in sql,
    "rum": lambda sql: "<=|" in sql,
}


@pytest.fixture
def harbor(me, other, make_user, make_video):
    """Eight weak matches of "harbor seal", a hot score apart, a strong one below the first six, a
    blocked person's strong one above them all, a draft and a video with neither word."""
    weak = [make_video(other, caption=f"harbor {APART} seal {i}") for i in range(8)]
    strong = make_video(other, caption="harbor seal pup")
    blocked = make_user("blocked.harbor")
    accounts_services.block_create(blocker=me, blocked=blocked)
    hidden = make_video(blocked, caption="harbor seal colony")
    draft = make_video(other, publish=False, caption="harbor seal draft")
    make_video(other, caption="lighthouse at dusk")
    for i, video in enumerate(weak):
        Video.objects.filter(pk=video.pk).update(hot_score=1000.0 - i)
    Video.objects.filter(pk=strong.pk).update(hot_score=994.5)  # 998.5 with its match: 3rd
    Video.objects.filter(pk__in=[hidden.pk, draft.pk]).update(hot_score=2000.0)
    return [w.pk for w in weak], strong.pk


@pytest.mark.parametrize("way", READS)
def test_a_strong_match_lower_in_hot_score_takes_its_place_on_the_first_page(api, harbor, monkeypatch, way):
    """The read in hot-score order may stop only where no match further down can reach the page:
    the strong match six places down in hot score is third, whichever way the phrase is read."""
    weak, strong = harbor
    READS[way](monkeypatch)
    ids, statements = pages(api, "harbor seal", limit=3)
    assert MARKS[way](statements)
    assert ids[:3] == [weak[0], weak[1], strong]
    assert ids == [weak[0], weak[1], strong, *weak[2:]]  # every match once, none hidden or a draft


@pytest.mark.parametrize("way", READS)
def test_every_page_ranks_the_same_candidates(api, harbor, monkeypatch, settings, way):
    """Every page of a search ranks the SEARCH_CANDIDATES best matches by hot score, whichever way it
    is read: the strong match below them is in none, and the pages end with the candidates."""
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "SEARCH_CANDIDATES": 4}
    weak, _ = harbor
    READS[way](monkeypatch)
    ids, statements = pages(api, "harbor seal", limit=2)
    assert MARKS[way](statements)
    assert ids == weak[:4]


@pytest.mark.parametrize("way", READS)
def test_a_long_vector_counts_among_the_candidates(api, harbor, monkeypatch, settings, other, make_video, way):
    """A video whose words are too many for the covering index's entries (migration 0007) is read from
    its own index, and counts among the SEARCH_CANDIDATES best by hot score like any other."""
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "SEARCH_CANDIDATES": 4}
    weak, _ = harbor
    long = make_video(other, caption="harbor seal pup")
    Video.objects.filter(pk=long.pk).update(hot_score=999.5, search_text=" ".join(f"fjord{i:03d}" for i in range(400)))
    with connection.cursor() as db:
        db.execute("SELECT octet_length(search_vector::text) FROM feed_video WHERE id = %s", [long.pk])
        assert db.fetchone()[0] > selectors._COVERED_VECTOR_CHARS
    READS[way](monkeypatch)
    ids, statements = pages(api, "harbor seal", limit=2)
    assert MARKS[way](statements)
    assert ids == [long.pk, *weak[:3]]  # the 4 best by hot score: the long one and three weak ones


def test_a_best_first_read_unsure_within_its_entries_is_read_the_planners_way(api, harbor, monkeypatch):
    """The sample overstated the phrase (as for one common only among the very best): the read stops
    at _RANK_ORDER_READ index entries, unsure, and the planner's read gives the same pages."""
    weak, strong = harbor
    monkeypatch.setattr(selectors, "_among_the_best", lambda tsquery, words: (10**6, 2))
    monkeypatch.setattr(selectors, "_RANK_ORDER_READ", 2)
    ids, statements = pages(api, "harbor seal", limit=3)
    assert statements.count("feed_video_search_best_first") == 3  # every page
    assert ids == [weak[0], weak[1], strong, *weak[2:]]


def test_the_read_stops_where_no_match_further_down_can_reach_the_page(harbor, other):
    """Read for a page of 3 (k = 3 + 1), the matches come in hot-score order until one whose hot
    score plus the bound (4) is below the 4th best score so far: the weak matches add ~0.2 and the
    strong one ~4, so after the strong one (998.5) the 4th best is the third weak (998.2), and the
    next weak match (994 + 4) ends the read. No row of NULLs: the read was sure."""
    weak, strong = harbor
    with connection.cursor() as db:
        db.execute(
            "SELECT id FROM feed_video_search_best_first(to_tsquery('english', 'harbor & seal:*'), "
            "8, 4, 4, 300, 75000, NULL, NULL, ARRAY(SELECT id FROM accounts_user WHERE handle = 'blocked.harbor'))"
        )
        read = [row[0] for row in db.fetchall()]
    assert read == [*weak[:6], strong]


def test_a_phrase_of_one_lexeme_is_bounded_by_the_whole_weight(api, other, make_video, monkeypatch):
    """ "the seal" is one lexeme, a prefix ("the" is a stop word): PostgreSQL ranks it as one word,
    adding up every word it begins, so its match may be worth more than half the weight. The read
    takes the whole weight as its bound and misses nothing."""
    best_first(monkeypatch)
    many = [make_video(other, caption=f"seal {APART} {i}") for i in range(10)]
    for i, video in enumerate(many):  # six near the top, four far below
        Video.objects.filter(pk=video.pk).update(hot_score=1000.0 - 0.7 * i if i < 6 else 980.0 - i)
    # Four words that begin with "seal": ~5.7 with its match, where each of the others has ~3. With
    # half the weight as the bound, the read would stop at the fifth (997.2 + 4 < 998.6 + 3).
    strong = make_video(other, caption="seal sealant sealskin sealer")
    Video.objects.filter(pk=strong.pk).update(hot_score=997.0)
    ids, statements = pages(api, "the seal", limit=2)
    assert "feed_video_search_best_first" in statements
    assert ids[:2] == [many[0].pk, strong.pk]
    assert sorted(ids) == sorted([strong.pk, *(v.pk for v in many)])
