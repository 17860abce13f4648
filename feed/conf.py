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
    # Rows read per stream per page, as a multiple of the page size (room for de-duplication and
    # author diversity without a second round trip).
    overfetch: int = 2
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

    def __post_init__(self) -> None:
        require(self.tau_seconds > 0, "TAU_SECONDS must be positive")
        require(self.fresh_seconds >= 0 and self.body_cache_seconds >= 0, "durations must not be negative")
        require(self.max_in_a_row >= 1 and self.overfetch >= 1, "MAX_IN_A_ROW and OVERFETCH must be at least 1")
        require(self.max_watch_ms > 0, "MAX_WATCH_MS must be positive")
        require(self.search_relevance_weight >= 0, "SEARCH_RELEVANCE_WEIGHT must not be negative")


conf = loader("FEED", FeedSettings)
