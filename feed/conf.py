"""feed's settings (core.typed_settings): ranking knobs (docs/feed-ranking.md), media URLs, view caps.

Environment: `CASTFEED_FEED_<FIELD>`, e.g. CASTFEED_FEED_TAU_SECONDS=14400 or
CASTFEED_FEED_BODY_CACHE_SECONDS=0. The lifetime of a published video's signed S3 URL is the
storage's (AWS_QUERYSTRING_EXPIRE in config/settings/base.py), not a feed setting.
"""

from __future__ import annotations

import dataclasses

from core.typed_settings import loader, require


@dataclasses.dataclass(frozen=True)
class FeedSettings:
    # hot_score = ln(1 + engagement) + published_epoch / TAU: a video needs e times the engagement
    # to rank level with one TAU seconds younger.
    tau_seconds: float = 8 * 3600
    weight_like: float = 1.0
    weight_completed_view: float = 2.0
    weight_comment: float = 3.0
    weight_remix: float = 4.0
    # Closeness and freshness, in the same log units (a boost of 1.0 = e times the engagement).
    boost_mutual: float = 2.0
    boost_following: float = 1.5
    boost_shows_followed: float = 1.0
    # Freshness is a bonus stored in hot_score while a video is new; feed.expire_fresh removes it.
    boost_fresh: float = 1.0
    fresh_seconds: int = 24 * 3600
    # At most this many videos of one author in a row on a For You page.
    max_in_a_row: int = 2
    # Rows read per stream per page, as a multiple of the page size. 1 is enough: the merge is exact
    # whatever the number, and a stream that runs out before the page is full (only when author
    # diversity holds many of its videos back) ends the page early; the cursor goes on from there.
    # 2 read twice the rows for the same pages (no short page in 1,500 pages of the 1M-video seed
    # either way) and cost ~1 ms more of PostgreSQL per page (BENCHMARKS.md § Feed).
    overfetch: int = 1
    # How long a rendered video body is reused across viewers' For You pages, per process (counts
    # and captions may lag this much; who sees what is always decided fresh). Read once, at start-up.
    body_cache_seconds: float = 10.0
    # Lifetime of a signed URL to a draft's media (drafts are never at a stable or guessable URL).
    draft_media_url_seconds: int = 600
    # Ceiling for view events: a report of a longer watch is refused as absurd.
    max_watch_ms: int = 6 * 3600 * 1000
    # Video search ranks by hot_score (engagement and freshness) + this × the text match (0..1:
    # ts_rank on PostgreSQL, bm25 on SQLite, both as r / (1 + r)), in the same log units as the boosts.
    search_relevance_weight: float = 8.0
    # Video search on PostgreSQL ranks by relevance only the matches with the best hot_score, this
    # many: a common word costs no more than a rare one. More finds a strong text match among less
    # engaging videos; each costs the index entries read to find it (BENCHMARKS.md § Discovery).
    search_candidates: int = 300
    # Steering (feed.steering): the worker matches the STEER_CANDIDATES best-ranked published videos
    # against what a person asked for and against (MiniLM cosine at least STEER_MORE_CLOSENESS /
    # STEER_LESS_CLOSENESS; unrelated short texts score 0–0.25), again every STEER_REFRESH_SECONDS so
    # new videos join. For You reads the matches as two more streams: what was asked for with
    # STEER_BOOST, what was asked against with −STEER_PENALTY (whatever else applies to it).
    steer_candidates: int = 5000
    steer_more_closeness: float = 0.3
    steer_less_closeness: float = 0.25
    steer_boost: float = 5.0
    steer_penalty: float = 3.0
    steer_refresh_seconds: int = 600
    steer_max_chars: int = 200
    # Whether the worker embeds each video when it is published (steering matches need it). Off
    # where workers cannot load torch; `manage.py embed_videos` catches up on what is missing.
    embed_videos: bool = True
    # GET /trending (docs/feed-ranking.md § Trending): rising = engagement / (age_h + 2) ** GRAVITY
    # over fresh videos; most-used cameos over the last CAMEO_DAYS; both lists cached this long.
    trending_gravity: float = 1.5
    trending_cameo_days: int = 7
    trending_cache_seconds: float = 60.0

    def __post_init__(self) -> None:
        require(self.tau_seconds > 0, "TAU_SECONDS must be positive")
        require(self.fresh_seconds >= 0 and self.body_cache_seconds >= 0, "durations must not be negative")
        require(self.max_in_a_row >= 1 and self.overfetch >= 1, "MAX_IN_A_ROW and OVERFETCH must be at least 1")
        require(self.max_watch_ms > 0, "MAX_WATCH_MS must be positive")
        require(self.search_relevance_weight >= 0, "SEARCH_RELEVANCE_WEIGHT must not be negative")
        require(self.search_candidates >= 1, "SEARCH_CANDIDATES must be at least 1")
        require(self.steer_candidates >= 1, "STEER_CANDIDATES must be at least 1")
        require(
            min(self.steer_more_closeness, self.steer_less_closeness) >= -1
            and max(self.steer_more_closeness, self.steer_less_closeness) <= 1,
            "STEER_MORE_CLOSENESS and STEER_LESS_CLOSENESS are cosines: -1 to 1",
        )
        require(min(self.steer_boost, self.steer_penalty) >= 0, "STEER_BOOST and STEER_PENALTY must not be negative")
        require(self.steer_refresh_seconds >= 1, "STEER_REFRESH_SECONDS must be at least 1")
        require(1 <= self.steer_max_chars <= 200, "STEER_MAX_CHARS must be 1 to 200 (the column's size)")
        require(self.trending_gravity >= 0, "TRENDING_GRAVITY must not be negative")
        require(self.trending_cameo_days >= 1, "TRENDING_CAMEO_DAYS must be at least 1")
        require(self.trending_cache_seconds >= 0, "TRENDING_CACHE_SECONDS must not be negative")


conf = loader("FEED", FeedSettings)
