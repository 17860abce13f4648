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
MARKS = {"best first": "feed_video_search_best_first", "planner's": "ts_rank", "rum": "<=|"}


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
    assert MARKS[way] in statements
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
    assert MARKS[way] in statements
    assert ids == weak[:4]


def test_a_best_first_read_unsure_within_its_entries_is_read_the_planners_way(api, harbor, monkeypatch):
    """A phrase common among the very best and rarer below: the read stops at _RANK_ORDER_READ index
    entries, unsure, and the planner's read gives the same pages."""
    weak, strong = harbor
    best_first(monkeypatch)
    monkeypatch.setattr(selectors, "_RANK_ORDER_READ", 2)
    ids, statements = pages(api, "harbor seal", limit=3)
    assert "feed_video_search_best_first" in statements
    assert ids == [weak[0], weak[1], strong, *weak[2:]]


def test_a_phrase_of_one_lexeme_is_bounded_by_the_whole_weight(api, other, make_video, monkeypatch):
    """ "the seal" is one lexeme, a prefix ("the" is a stop word): PostgreSQL ranks it as one word,
    adding up every word it begins, so its match may be worth more than half the weight. The read
    takes the whole weight as its bound and misses nothing."""
    best_first(monkeypatch)
    many = [make_video(other, caption=f"seal {APART} {i}") for i in range(6)]
    for i, video in enumerate(many):
        Video.objects.filter(pk=video.pk).update(hot_score=1000.0 - 0.5 * i)
    # Four words that begin with "seal": ~5.7 with its match, where each of the others has ~3.
    strong = make_video(other, caption="seal sealant sealskin sealer")
    Video.objects.filter(pk=strong.pk).update(hot_score=998.0)
    ids, statements = pages(api, "the seal", limit=2)
    assert "feed_video_search_best_first" in statements
    assert ids[0] == strong.pk
    assert sorted(ids) == sorted([strong.pk, *(v.pk for v in many)])
