"""For You: one ranked order over all published videos, personal to the viewer, read page by page
with a keyset cursor at any depth (docs/feed-ranking.md).

Each video's rank is `hot_score + boost`, where hot_score (engagement with time decay, plus a
freshness bonus while the video is new) is a stored, indexed column and the boost is the largest
closeness that applies to the viewer: the author is a mutual, the viewer follows the author, or the
video shows someone the viewer follows. Each boost class is a *stream* read from an index in
hot_score order; as the boost is constant within a stream, merging the streams' heads by
`hot_score + boost` yields the whole order. A video is emitted only by the stream of its largest
boost, so it appears once. A steered viewer (feed.steering) has two more streams: the videos
matched to what they asked for (boost STEER_BOOST) and to what they asked against (-STEER_PENALTY,
which owns its videos whatever else applies to them). The cursor keeps each stream's position, so a
page costs the same at depth 1 and depth 500: one SQL statement for the candidates (all streams,
with the viewer's follows, blocks, completed views and likes applied inside it), then one to render
the page (feed.selectors).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone

from accounts.selectors import not_blocked_sql
from core.pagination import decode_cursor, encode_cursor, page_limit
from core.sql import one_of
from feed.conf import conf

# Stream names; on equal boosts the earlier one wins.
MUTUAL, FOLLOWING, SHOWS, GLOBAL = "m", "f", "p", "g"
# Steered (feed.steering): videos close to what the viewer asked for, and to what they asked against.
ASKED, AVOIDED = "s", "l"
STREAMS = (ASKED, MUTUAL, FOLLOWING, SHOWS, GLOBAL, AVOIDED)
SALT = "for-you"
EXHAUSTED = "x"
# Videos held back for author diversity travel in the cursor, each with its rank (20-40 characters of
# it): at most this many (4 × the default page size), whatever the page size, so that a cursor stays
# within the 4,000 characters a request's `cursor` may have (core.apis.PageQuerySerializer). At
# ?limit=100 it held up to 400 (7,000 characters and more): the next page was a 400. Past it, one
# author's run is shown in a row.
MAX_HELD = 80


@dataclass
class Row:
    stream: str
    id: int
    author_id: int
    hot: float
    liked: bool = False  # by the viewer: the page needs it and it costs nothing here


@dataclass
class Pick:
    id: int
    author_id: int
    rank: float
    liked: bool = False


@dataclass
class ForYouPage:
    ids: list[int]
    next: str | None
    liked: set[int] = field(default_factory=set)
    # The ids of the people in a block with the viewer, either way, read in the page's statement
    # (None: not read, as for the anonymous and past the last stream): whose handles the page hides.
    block_partners: set[int] | None = None


def _boosts() -> dict[str, float]:
    k = conf()
    return {
        GLOBAL: 0.0,
        MUTUAL: k.boost_mutual,
        FOLLOWING: k.boost_following,
        SHOWS: k.boost_shows_followed,
        ASKED: k.steer_boost,
        AVOIDED: -k.steer_penalty,
    }


def precedence(streams: list[str], boosts: dict[str, float]) -> list[str]:
    """Streams from the largest boost down; on equal boosts the earlier in STREAMS wins."""
    return sorted(streams, key=lambda s: (-boosts[s], STREAMS.index(s)))


# --- SQL -------------------------------------------------------------------------------------------
# Everything about the viewer is joined in by CTEs: whom they follow (and whether back), blocks
# either way, and what they watched to the end. Each CTE is read once per statement.
_VIEWER_CTES = """WITH fol AS (
    SELECT f.followee_id AS uid,
           EXISTS (SELECT 1 FROM accounts_follow r WHERE r.follower_id = f.followee_id AND r.followee_id = %s) AS mutual
    FROM accounts_follow f WHERE f.follower_id = %s),
blk AS (SELECT b.blocked_id AS uid FROM accounts_block b WHERE b.blocker_id = %s
        UNION SELECT b.blocker_id FROM accounts_block b WHERE b.blocked_id = %s),
seen AS (SELECT w.video_id FROM feed_view w WHERE w.viewer_id = %s AND w.completed),
steered AS (SELECT 1 FROM feed_steer st WHERE st.user_id = %s AND st.matched_at IS NOT NULL),
asked AS (SELECT sv.video_id FROM feed_steervideo sv WHERE sv.user_id = %s AND sv.kind = 'more'
          AND EXISTS (SELECT 1 FROM steered)),
avoided AS (SELECT sv.video_id FROM feed_steervideo sv WHERE sv.user_id = %s AND sv.kind = 'less'
            AND EXISTS (SELECT 1 FROM steered))
"""
_VIEWER_CTE_PARAMS = 8
_ANONYMOUS_CTES = "WITH fol AS (SELECT 0 AS uid, FALSE AS mutual WHERE 1 = 0)\n"
# When a stream's boost applies to the video with id {vid} by author {author}.
_APPLIES = {
    MUTUAL: "{author} IN (SELECT uid FROM fol WHERE mutual)",
    FOLLOWING: "{author} IN (SELECT uid FROM fol WHERE NOT mutual)",
    SHOWS: "EXISTS (SELECT 1 FROM feed_videoperson vx "
    "WHERE vx.video_id = {vid} AND vx.credited AND vx.user_id IN (SELECT uid FROM fol))",
    ASKED: "{vid} IN (SELECT video_id FROM asked)",
    AVOIDED: "{vid} IN (SELECT video_id FROM avoided)",
}
# What the viewer never sees: their own videos, anyone in a block relation, what they finished.
_VIEWER_FILTER = "{author} <> %s AND {author} NOT IN (SELECT uid FROM blk) AND {vid} NOT IN (SELECT video_id FROM seen)"


def _conditions(stream: str, streams: list[str], viewer_id: int | None, vid: str, author: str) -> tuple[str, list[Any]]:
    """The stream's own filters: not owned by a stream of higher precedence, and fit for the viewer.
    What the viewer asked against is owned by its own stream whatever else applies to it: its
    penalty outweighs every boost."""
    order = [o for o in precedence(streams, _boosts()) if o != AVOIDED]
    ahead = [] if stream == AVOIDED else order[: order.index(stream)] + ([AVOIDED] if AVOIDED in streams else [])
    terms = [f"NOT ({_APPLIES[o]})" for o in ahead if o in _APPLIES]
    params: list[Any] = []
    if viewer_id:
        terms.append(_VIEWER_FILTER)
        params.append(viewer_id)
    return "".join(f" AND {t}" for t in terms).format(vid=vid, author=author), params


def _bound(position: Any, hot: str, key: str) -> tuple[str, list[Any]]:
    if not position:
        return "", []
    return f" AND ({hot}, {key}) < (%s, %s)", [float(position[0]), int(position[1])]


def _per_followed(outer: str, cols: str, rows: str, order: str, n: int) -> str:
    """SELECT `outer` and, laterally for each of its rows, the top `n` of `rows`; the top `n` of all."""
    return (
        f"SELECT {outer} CROSS JOIN LATERAL (SELECT {cols} FROM {rows} {order} LIMIT {n}) x "
        f"ORDER BY x.hot_score DESC, x.id DESC LIMIT {n}"
    )


def _stream_sql(
    stream: str, position: Any, n: int, *, streams: list[str], viewer_id: int | None, lateral: bool
) -> tuple[str, list[Any]]:
    """One stream's next `n` videos (id, author_id, hot_score) in hot_score order."""
    if stream == SHOWS:  # read from the person rows alone: author and rank are copied there
        where, params = _conditions(stream, streams, viewer_id, "vp.video_id", "vp.author_id")
        bound, bparams = _bound(position, "vp.hot_score", "vp.video_id")
        cols, order = "vp.video_id AS id, vp.author_id, vp.hot_score", "ORDER BY vp.hot_score DESC, vp.video_id DESC"
        if lateral:  # one index probe per followed person, in rank order
            rows = f"feed_videoperson vp WHERE vp.user_id = fol.uid AND vp.published AND vp.credited{where}{bound}"
            return _per_followed("DISTINCT x.* FROM fol", cols, rows, order, n), params + bparams
        return (
            f"SELECT DISTINCT {cols} FROM feed_videoperson vp WHERE vp.user_id IN (SELECT uid FROM fol) "
            f"AND vp.published AND vp.credited{where}{bound} {order} LIMIT {n}",
            params + bparams,
        )
    if stream in (ASKED, AVOIDED):  # the videos the worker matched, read in rank order from their index
        where, params = _conditions(stream, streams, viewer_id, "sv.video_id", "sv.author_id")
        bound, bparams = _bound(position, "sv.hot_score", "sv.video_id")
        return (
            "SELECT sv.video_id AS id, sv.author_id, sv.hot_score FROM feed_steervideo sv "
            "JOIN feed_video v ON v.id = sv.video_id AND v.status = 'published' "
            f"WHERE sv.user_id = %s AND sv.kind = %s AND EXISTS (SELECT 1 FROM steered){where}{bound} "
            f"ORDER BY sv.hot_score DESC, sv.video_id DESC LIMIT {n}",
            [viewer_id, "more" if stream == ASKED else "less", *params, *bparams],
        )
    where, params = _conditions(stream, streams, viewer_id, "v.id", "v.author_id")
    bound, bparams = _bound(position, "v.hot_score", "v.id")
    cols, order = "v.id, v.author_id, v.hot_score", "ORDER BY v.hot_score DESC, v.id DESC"
    if stream == GLOBAL:
        return (
            f"SELECT {cols} FROM feed_video v WHERE v.status = 'published'{where}{bound} {order} LIMIT {n}",
            params + bparams,
        )
    authors = "SELECT uid FROM fol WHERE " + ("mutual" if stream == MUTUAL else "NOT mutual")
    if lateral:  # one index probe per followed author, in rank order
        rows = f"feed_video v WHERE v.author_id = a.uid AND v.status = 'published'{where}{bound}"
        return _per_followed(f"x.* FROM ({authors}) a", cols, rows, order, n), params + bparams
    return (
        f"SELECT {cols} FROM feed_video v WHERE v.author_id IN ({authors}) AND v.status = 'published'"
        f"{where}{bound} {order} LIMIT {n}",
        params + bparams,
    )


def _fetch(
    active: list[str], positions: dict[str, Any], n: int, viewer_id: int | None
) -> tuple[dict[str, list[Row]], set[int] | None]:
    """The next rows of every active stream, in one statement, and the viewer's block partners (read
    from the statement's own `blk`; None for the anonymous). Ownership is decided among all the
    session's streams (`positions`), exhausted ones included: their videos were all emitted and must
    not come back through another stream."""
    lateral = connection.vendor == "postgresql"
    parts, params = [], [viewer_id] * _VIEWER_CTE_PARAMS if viewer_id else []
    liked = "EXISTS (SELECT 1 FROM feed_like l WHERE l.user_id = %s AND l.video_id = q.id)" if viewer_id else "FALSE"
    for stream in active:
        sql, p = _stream_sql(
            stream, positions.get(stream), n, streams=list(positions), viewer_id=viewer_id, lateral=lateral
        )
        parts.append(f"SELECT '{stream}' AS s, q.*, {liked} AS liked FROM ({sql}) AS q")
        params += ([viewer_id] if viewer_id else []) + p  # the liked test comes first in the text
    if viewer_id:
        parts.append(f"SELECT '{_BLOCKS}' AS s, uid, uid, CAST(0 AS DOUBLE PRECISION), FALSE FROM blk")
    ctes = _VIEWER_CTES if viewer_id else _ANONYMOUS_CTES
    rows: dict[str, list[Row]] = {s: [] for s in active}
    partners: set[int] | None = set() if viewer_id else None
    with connection.cursor() as cursor:
        cursor.execute(ctes + "\nUNION ALL\n".join(parts), params)
        for s, vid, author, hot, liked in cursor.fetchall():
            if s == _BLOCKS:
                partners.add(vid)  # type: ignore[union-attr]  # only read for a viewer
            else:
                rows.setdefault(s, []).append(Row(s, vid, author, hot, bool(liked)))
    return rows, partners


_BLOCKS = "blk"  # the rows of _fetch's statement that are the viewer's block partners, not videos


# --- the merge -------------------------------------------------------------------------------------


@dataclass
class _Session:
    """What the cursor carries: when the session started (the fresh window is fixed to it), each
    stream's last (hot_score, id) or EXHAUSTED, videos held back for author diversity, and the
    authors of the last videos shown."""

    snapshot: float
    positions: dict[str, Any]
    held: list[Pick] = field(default_factory=list)
    recent: list[int] = field(default_factory=list)

    @classmethod
    def start(cls, viewer_id: int | None) -> _Session:
        # Anonymous: nobody to be close to, the global ranking. A viewer who is not steered gets
        # nothing from the steered streams (their rows are read only while the viewer's preference is
        # matched), and a steered stream that yields nothing on the first page leaves the session (_Merge).
        streams = STREAMS if viewer_id else (GLOBAL,)
        return cls(timezone.now().timestamp(), dict.fromkeys(streams))

    @classmethod
    def decode(cls, cursor: str, viewer_id: int | None) -> _Session:
        # A cursor is the viewer's own: it names their streams and the videos held back for them, so
        # one made for someone else (or before signing in or out) is refused as invalid.
        snapshot, positions, held, recent = decode_cursor(cursor, salt=_salt(viewer_id), length=4)
        return cls(
            float(snapshot),
            dict(positions),
            [Pick(int(i), int(a), float(r), bool(k)) for i, a, r, k in held],
            [int(a) for a in recent],
        )

    def more(self) -> bool:
        """Whether anything may follow: a stream not used up, or a video held back."""
        return bool(self.held) or any(p != EXHAUSTED for p in self.positions.values())

    def encode(self, viewer_id: int | None) -> str | None:
        if not self.more():
            return None
        held = [[h.id, h.author_id, h.rank, h.liked] for h in self.held]
        return encode_cursor([self.snapshot, self.positions, held, self.recent], salt=_salt(viewer_id))


def _salt(viewer_id: int | None) -> str:
    return f"{SALT}.{viewer_id or 'anonymous'}"


class _Merge:
    """Emit up to `size` videos in rank order from the fetched stream heads, never more than
    MAX_IN_A_ROW in a row by one author (a video that would be is held and shown after someone else)."""

    def __init__(self, session: _Session, fetched: dict[str, list[Row]], n: int, size: int) -> None:
        self.session, self.size = session, size
        self.boosts = _boosts()
        self.max_in_a_row = conf().max_in_a_row
        self.queues = {s: deque(rows) for s, rows in fetched.items()}
        # A stream that filled its LIMIT has more rows than we read; one that did not is used up.
        self.truncated = {s for s, rows in fetched.items() if len(rows) == n}
        self.picks: list[Pick] = []
        self.from_held: set[int] = set()  # picks the cursor carried from an earlier page (stale maybe)

    def repeats(self, author_id: int) -> bool:
        recent = self.session.recent
        return len(recent) >= self.max_in_a_row and all(a == author_id for a in recent[-self.max_in_a_row :])

    def emit(self, pick: Pick) -> None:
        self.picks.append(pick)
        self.session.recent = [*self.session.recent, pick.author_id][-self.max_in_a_row :]

    def take_head(self, stream: str, rank: float) -> None:
        row = self.queues[stream].popleft()
        self.session.positions[stream] = [row.hot, row.id]
        pick = Pick(row.id, row.author_id, rank, row.liked)
        if self.repeats(row.author_id) and len(self.session.held) < min(4 * self.size, MAX_HELD):
            self.session.held.append(pick)  # one too many in a row from this author: after someone else
        else:
            self.emit(pick)

    def run(self) -> list[Pick]:
        held = self.session.held
        while len(self.picks) < self.size:
            # A stream cut off by its LIMIT and used up: what follows it is unknown, so stop here.
            if any(not q and s in self.truncated for s, q in self.queues.items()):
                break
            heads = [(q[0].hot + self.boosts[s], q[0].id, s) for s, q in self.queues.items() if q]
            allowed = [h for h in held if not self.repeats(h.author_id)]
            best_held = max(allowed, key=lambda h: (h.rank, h.id), default=None)
            if heads:
                rank, video_id, stream = max(heads)
                if best_held is None or (best_held.rank, best_held.id) < (rank, video_id):
                    self.take_head(stream, rank)
                    continue
            elif best_held is None:
                if not held:
                    break
                best_held = max(held, key=lambda h: (h.rank, h.id))  # only one author left: show it anyway
            held.remove(best_held)
            self.from_held.add(best_held.id)
            self.emit(best_held)
        for s, queue in self.queues.items():
            if not queue and s not in self.truncated:
                if s in (ASKED, AVOIDED) and self.session.positions[s] is None:
                    # A steered stream empty from the start (a viewer who is not steered): later pages
                    # neither read it nor test against it. (Not the closeness streams: a follow-back
                    # mid-scroll would move an author's videos into a stream no longer excluded.)
                    del self.session.positions[s]
                else:
                    self.session.positions[s] = EXHAUSTED
        return self.picks


def _still_shown(ids: set[int], viewer_id: int | None) -> set[int]:
    """Of these videos held back on an earlier page (the cursor carries them), those the viewer may
    still see: published (not taken down or deleted since), by no one in a block with them now."""
    match, params = one_of("v.id", sorted(ids))
    sql = f"SELECT v.id FROM feed_video v WHERE {match} AND v.status = 'published'"
    if viewer_id:
        sql += f" AND {not_blocked_sql('v.author_id')}"
        params = [*params, viewer_id, viewer_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


_ROUNDS = 4  # reads at most for one page (see for_you_page)


def for_you_page(viewer_id: int | None, *, cursor: str | None = None, limit: int | None = None) -> ForYouPage:
    """One page of the viewer's For You feed (anonymous: None) and the cursor of the next. A viewer's
    first page also reads the videos matched to what they asked for and against (feed.steering), in
    the same statement, when their preference is matched; a cursor carries the streams it read."""
    size = page_limit(limit)
    session = _Session.decode(cursor, viewer_id) if cursor else _Session.start(viewer_id)
    # One row past the read per stream: a stream that has no more is used up on this page, so the
    # last page's next is null (with exactly `n` rows left it was a cursor to an empty page).
    n = size * conf().overfetch + 1
    partners: set[int] | None = None
    picks: list[Pick] = []
    # A read can yield nothing to show while more follows: every row it read held back (one author's
    # run, at a small limit) or gone since it was held. Read on rather than answer an empty page with
    # a `next`, which a client takes for the end; each round moves the streams on or empties the held.
    for _ in range(_ROUNDS):
        active = [s for s in STREAMS if s in session.positions and session.positions[s] != EXHAUSTED]
        if active:
            fetched, partners = _fetch(active, session.positions, n, viewer_id)
        else:
            fetched = {}
        merge = _Merge(session, fetched, n, size)
        picks = merge.run()
        if merge.from_held:  # read on an earlier page: a video taken down or an author blocked since is left out
            shown = _still_shown(merge.from_held, viewer_id)
            picks = [p for p in picks if p.id not in merge.from_held or p.id in shown]
        if picks or not session.more():
            break
    return ForYouPage(
        ids=[p.id for p in picks],
        next=session.encode(viewer_id),
        liked={p.id for p in picks if p.liked},
        block_partners=partners,
    )
