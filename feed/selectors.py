"""Reads for the feed: who may see a video, lists in keyset order, and video cards for output
(one query for a whole page)."""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accounts.models import Follow, User, normalize_handle
from accounts.selectors import (
    BLOCK_PARTNERS_SQL,
    block_partners_of,
    not_blocked_sql,
    relation_between,
    without_block_partners,
)
from core.exceptions import NotFound
from core.memo import TTLCache
from core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor, page_limit
from core.sql import one_of, planner_setting
from core.text import MENTION, canonical
from feed.conf import conf
from feed.fingerprints import CopyIndex, Fingerprint
from feed.models import Comment, ConsentPending, RemovedFingerprint, Video, VideoPerson

PUBLISHED = Video.Status.PUBLISHED


def video_visible_to(video_id: int, viewer: User | None, *, of_me: bool = False) -> Video:
    """The video if `viewer` may see it, else 404 (never 403: a draft's existence is not revealed).

    Published: everyone but people in a block relation with the author. Draft: its author and the
    people it shows. Removed: its author only. `of_me` (watching it, reporting it): the people it
    shows see it whatever the blocks, as they may see and delete every video of them; liking,
    commenting and remixing across a block stay refused."""
    video = Video.objects.select_related("author").filter(pk=video_id).first()
    if video is None:
        raise NotFound("This video does not exist.")
    if viewer is not None and viewer.pk == video.author_id:
        return video
    if video.status == Video.Status.REMOVED:
        raise NotFound("This video does not exist.")

    def shows_viewer() -> bool:
        return viewer is not None and VideoPerson.objects.filter(video=video, user=viewer).exists()

    if (
        viewer is not None
        and relation_between(viewer.pk, video.author_id).blocked_either_way
        and not (of_me and shows_viewer())
    ):
        raise NotFound("This video does not exist.")
    if video.status == Video.Status.DRAFT and not shows_viewer():
        raise NotFound("This video does not exist.")
    return video


@dataclass(frozen=True)
class VideoCard:
    """What a client sees of a video, read in one query for any number of videos (list pages render
    twenty at a time: building model instances for them cost more than ranking them)."""

    id: int
    author_id: int
    author_handle: str
    author_display_name: str
    status: str
    caption: str
    media_key: str
    media: str
    poster: str
    duration_ms: int
    width: int
    height: int
    likes: int
    comments: int
    views: int
    remixes: int
    remix_of_id: int | None
    remix_of_author_id: int | None  # the source's author, never shown: whom a block hides it from
    created_at: dt.datetime
    published_at: dt.datetime | None
    people: tuple[str, ...]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def video_cards(ids: Sequence[int]) -> list[VideoCard]:
    """Cards of the videos with these ids, in the order of `ids` (missing ones left out). Their people
    leave out an account support deactivated (its handle is found by nothing) and anyone found in the
    video without their consent (VideoPerson.credited). `remix_of_id` is the
    source only while it is published: a remix points at no draft or removed video (a 404 to all but
    a few), and names its source once that is published (its remix count counts published remixes).
    `remix_of_author_id` is that source's author (feed.presenters hides the source from whoever is
    in a block with them)."""
    wanted = [int(i) for i in ids]
    if not wanted:
        return []
    match, params = one_of("v.id", wanted)
    if connection.vendor == "postgresql":
        people = "string_agg(pu.handle, ',' ORDER BY pu.handle)"
    else:
        people = "group_concat(pu.handle, ',')"
    sql = (
        "SELECT v.id, v.author_id, u.handle, u.display_name, v.status, v.caption, v.media_key, v.media, v.poster, "
        "v.duration_ms, v.width, v.height, v.like_count, v.comment_count, v.view_count, v.remix_count, "
        f"src.id, src.author_id, v.created_at, v.published_at, (SELECT {people} FROM feed_videoperson vp "
        "JOIN accounts_user pu ON pu.id = vp.user_id WHERE vp.video_id = v.id AND vp.credited AND pu.is_active) "
        "FROM feed_video v JOIN accounts_user u ON u.id = v.author_id "
        f"LEFT JOIN feed_video src ON src.id = v.remix_of_id AND src.status = %s WHERE {match}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [PUBLISHED, *params])
        rows = cursor.fetchall()
    cards = {}
    for row in rows:
        *head, created, published, names = row
        cards[row[0]] = VideoCard(  # type: ignore[call-arg]  # the columns above, in the dataclass's order
            *head,
            _aware(created),
            _aware(published),
            tuple(sorted(names.split(","))) if names else (),
        )
    return [cards[i] for i in wanted if i in cards]


def remix_sources_shown(source_ids: Iterable[int | None], viewer: User | None) -> set[int]:
    """Of these remix sources, those that a body only `viewer` reads (their jobs, their export) names
    as `remix_of`: a published one whose author is in no block with them, as in every video body, and
    their own draft too (it is theirs to open, and they remixed it). Never a removed video, theirs
    included: it is on no page, and a remix of it is published without the link. One query."""
    ids = {i for i in source_ids if i is not None}
    if not ids or viewer is None:
        return set()
    mine = Q(status=Video.Status.DRAFT, author_id=viewer.pk)
    shown = Video.objects.filter(Q(status=PUBLISHED) | mine, pk__in=ids)
    return set(without_block_partners(shown, "author_id", viewer).values_list("pk", flat=True))


def liked_ids(viewer: User | None, video_ids: Sequence[int]) -> set[int]:
    """Which of these videos `viewer` likes (hand-written: every page of videos asks, and the ORM
    took twice as long as the statement to build it)."""
    if viewer is None or not video_ids:
        return set()
    match, params = one_of("video_id", [int(i) for i in video_ids])
    with connection.cursor() as db:
        db.execute(f"SELECT video_id FROM feed_like WHERE user_id = %s AND {match}", [viewer.pk, *params])
        return {row[0] for row in db.fetchall()}


def following_feed(viewer: User) -> QuerySet[Video]:
    """Published videos of the people `viewer` follows (ids and keys only; render with video_cards)."""
    followees = Follow.objects.filter(follower=viewer).values("followee_id")
    return Video.objects.filter(status=PUBLISHED, author_id__in=followees).only("id", "published_at")


def videos_of(author: User) -> QuerySet[Video]:
    return Video.objects.filter(status=PUBLISHED, author=author).only("id", "published_at")


def comments_of(video: Video, viewer: User | None = None) -> QuerySet[Comment]:
    """The video's comments, but for those of people in a block with the viewer, either way, and of
    accounts support deactivated (found by no handle, as in the followers lists). Nor, for anyone,
    those of people in a block with the video's author: hidden from the author alone, they stayed up
    under the author's video for everyone else, where the author could not find them to delete them."""
    comments = Comment.objects.select_related("author").filter(video=video, author__is_active=True)
    comments = without_block_partners(comments, "author_id", video.author)
    return without_block_partners(comments, "author_id", viewer)


def comment_get(comment_id: int) -> Comment:
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("This comment does not exist.")
    return comment


def comment_reachable_by(comment_id: int, user: User) -> Comment:
    """The comment as `user` may reach it to delete it: their own wherever it is (also on a video
    whose author later blocked them), another's only on a video they can see, and, but for the
    video's author (whose video it is to tidy), among its comments as listed to them (comments_of: not
    one by someone in a block with them, or an account support deactivated). Else the same 404, word
    for word, as an unknown id: whether a hidden video has comments, or a video someone sees a
    comment hidden from them, is not revealed (a 403 said so)."""
    comment = comment_get(comment_id)
    if comment.author_id != user.pk:
        try:
            video = video_visible_to(comment.video_id, user)
        except NotFound:
            raise NotFound("This comment does not exist.") from None
        if video.author_id != user.pk and not comments_of(video, user).filter(pk=comment.pk).exists():
            raise NotFound("This comment does not exist.")
    return comment


def people_in(video_id: int) -> list[int]:
    """Ids of the people whose likeness a video shows (tagged or detected), for the consent gate."""
    return list(VideoPerson.objects.filter(video_id=video_id).values_list("user_id", flat=True))


def unpublished_showing(person_id: int, authors: Iterable[int] | None = None) -> QuerySet[Video]:
    """Drafts that show `person_id`, of these authors (all when None): what a withdrawal of consent
    must stop before they can be published."""
    # published=False: a draft's person rows always say so, and the filter lets the planner read them
    # from the partial index of drafts' person rows (feed_videoperson_user_draft), not every row of the person.
    showing = VideoPerson.objects.filter(user_id=person_id, published=False).values("video_id")
    videos = Video.objects.filter(status=Video.Status.DRAFT, pk__in=showing)
    return videos if authors is None else videos.filter(author_id__in=list(authors))


def draft_consent_pending(video_id: int) -> bool:
    """A withdrawal of consent from someone the draft shows (a restriction they added included) waits
    for its cascade or recheck (ConsentPending)."""
    return ConsentPending.objects.filter(video_id=video_id).exists()


def hidden_for_now() -> Q:
    """The removed videos that may be published again: those hidden while their author's account is
    deactivated (Video.AUTHOR_DEACTIVATED: user_videos_unhide), and those hidden pending a takedown
    review (video_hide: their fingerprint kept as `hidden_for_review` until video_unhide). Each was
    published when it was hidden. A video taken down by moderation, or hidden for a review but made
    before videos had fingerprints, is not among them."""
    waiting = RemovedFingerprint.objects.filter(reason=RemovedFingerprint.Reason.HIDDEN_FOR_REVIEW)
    return Q(status=Video.Status.REMOVED) & (
        Q(removed_reason=Video.AUTHOR_DEACTIVATED) | Q(pk__in=waiting.values("video_id"))
    )


# --- copies of removed videos ----------------------------------------------------------------------

# Each process keeps every removed fingerprint in one matrix (feed.fingerprints.CopyIndex) under the
# table's row count and highest id. Rows are added (a removal, a video hidden pending a takedown
# review) and deleted (a video put back, a dismissed takedown), never changed in what the matrix holds,
# and ids are never reused, so any change anywhere changes the key and the next publish reloads;
# otherwise a publish costs one aggregate query and a scan of the matrix in memory.
_copy_index = TTLCache(ttl=3600, max_items=1)


def removed_copy_of(fingerprint: bytes | memoryview | None) -> int | None:
    """The id of a removed video this fingerprint is a copy of (feed.fingerprints.is_copy), or None:
    one removed for someone's sake, or hidden pending a takedown review (RemovedFingerprint). A video
    without a fingerprint (made before there were any) is a copy of nothing."""
    if not fingerprint:
        return None
    version = RemovedFingerprint.objects.aggregate(rows=Count("id"), last=Max("id"))
    key = ("removed", version["rows"], version["last"])
    index = _copy_index.get_many([key]).get(key)
    if index is None:
        index = CopyIndex(RemovedFingerprint.objects.values_list("video_id", "fingerprint").iterator(chunk_size=5000))
        _copy_index.set_many({key: index})
    return index.find(Fingerprint.from_bytes(fingerprint))


# An at sign as typed: the fullwidth and the small one read as "@" once canonical, as the gate reads them.
AT_SIGN = re.compile(r"[@\uff20\ufe6b]")
# A word (what canonical reads a word by word) with an at sign in it; tried from a word's start only.
_WORD_WITH_AT = re.compile(r"(?<!\S)\S*[@\uff20\ufe6b]\S*")
_HIDDEN_MENTION = "@\u2026"


def without_mentions_of(caption: str, handles: set[str]) -> str:
    """The caption with each @mention of these handles read as `@…` (what follows the handle kept): a
    caption is the author's words as written, but the viewer is not handed a handle that `cameos`
    hides from them. A mention is read as the consent gate reads one (core.text.canonical, which reads
    a whole word at a time: a look-alike letter or at sign is the handle's, and so are the letters
    glued before or after it; with or without its trailing dots, moderation.consent.mention_readings),
    so a spelling the gate read as the person hides them too. A word with such a mention is shown in
    that canonical form; the others as written."""

    def hidden_in(mention: re.Match[str]) -> str:
        handle = normalize_handle(mention.group(1))
        bare = len(handle.rstrip("."))
        reading = next((handle[:n] for n in range(len(handle), bare - 1, -1) if handle[:n] in handles), None)
        return mention.group() if reading is None else _HIDDEN_MENTION + mention.group(1)[len(reading) :]

    def hidden(match: re.Match[str]) -> str:
        word = canonical(match.group(), strict=False)
        read = MENTION.sub(hidden_in, word)
        return match.group() if read == word else read

    return _WORD_WITH_AT.sub(hidden, caption) if AT_SIGN.search(caption) else caption


# --- search ----------------------------------------------------------------------------------------

# bm25 weights of the FTS5 columns (caption, search_text): a caption match counts more, as 'A' > 'B'.
_FTS_WEIGHTS = "2.5, 1.0"
_NOT_BLOCKED = not_blocked_sql("v.author_id")
_MAX_WORDS = 16
# A search vector whose text form is at most this long fits the covering btree index of migration
# 0007 (an entry holds at most 2,704 bytes; the stored form is at most ~1.2× the text's).
_COVERED_VECTOR_CHARS = 2000
# How many of the _SAMPLE best-ranked videos have a phrase (_among_the_best) tells how far a read in
# rank order goes to find its matches. Where at least _COMMON do, the RUM read is planned with no
# bitmap scans.
_SAMPLE, _COMMON = 2000, 8
# ts_rank(vector, query, 32) is r / (1 + r). For an AND of two distinct lexemes or more PostgreSQL
# ranks by calc_rank_and, where r is at most 1 (each pair of positions adds 1 - (1 - r)(1 - w) with
# w at most 1): the text match then adds at most half the weight. Otherwise (one lexeme, calc_rank_or)
# r may exceed 1, and the bound is the whole weight.
_AND_RANK_BOUND = 0.5
# The matches a best-first read is expected to take, as a multiple of the rows its page needs
# (measured on the search benchmark's phrases: a median of 1.05, 1.7 at the 90th percentile).
_BEST_FIRST_MATCHES = 2
_RANK_ORDER_READ = 75_000  # index entries a best-first read may take before the planner's way
# What an entry of the best-first read costs against one of the RUM read's estimate (the fewest
# videos of any of the phrase's words). Measured on the search benchmark's 218 phrases, each read
# both ways: best first takes 3–8 ms where the sample finds the phrase at all, RUM 5–10 ms for words
# in 9,600 videos, 17–22 ms in 77,000, 36–64 ms in 100,000. Choosing with 0.5 gave the lowest mean
# and p99 (5.5 and 10.3 ms); anything from 0.5 to 2 was within 0.4 ms of them, 3 had a p99 of 14.4.
_RANK_ORDER_COST = 0.5
_RUM_COMPLETIONS = 32  # words a last word may begin for the RUM index's read; more: the GIN index
_HIDDEN_MENTION_BATCH = 400  # the most matches read at once to fill a page that some left out (videos_search)
_rum_index = TTLCache(ttl=60, max_items=4)  # database name → whether it has the RUM index, asked once a minute


def _search_words(q: str) -> list[str]:
    """The words of a query (letters and digits), lower case: never operators of either engine."""
    return re.findall(r"[^\W_]+", q.lower())[:_MAX_WORDS]


def _pg_tsquery(words: list[str]) -> str:
    """SQL: the tsquery of a search's words, every one of them, the last also as a prefix (words are
    letters and digits only: written into the statement)."""
    query = "'" + " & ".join([*words[:-1], f"{words[-1]}:*"]) + "'"
    return f"to_tsquery('english'::regconfig, {query})"


def _fts_query(words: list[str]) -> str:
    """The FTS5 query of a search's words, every one of them, the last also as a prefix."""
    return " ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])


def _pg_ranked(
    words: list[str], viewer: User | None, *, k: int, below: tuple[float, int] | None
) -> tuple[str, list[Any], bool]:
    """The PostgreSQL statement of videos_search's ranked matches (id, score) for a page of k rows
    below the cursor's (score, id) (None: the first page), its parameters, and whether it must be
    planned without bitmap scans.

    The stored, GIN-indexed search_vector (migration 0005). The query is written into the statement
    (words are letters and digits only) so that each is planned with its own statistics: a common
    word is read in rank order, a rare one from the index. Only the best-ranked SEARCH_CANDIDATES
    matches are ordered by relevance too: a word found in 77,000 videos costs the same as one found
    in a thousand; every page of a search considers the same ones. Two arms (migration 0007): a
    vector that fits a btree entry is read from the covering hot-score index alone, in rank order,
    with no visit to the table; the few longer ones from their own small GIN index.

    A phrase of several words is read one of two more ways:
    - where many of the best-ranked videos have it, best first (migration 0010): the covering index
      in rank order, stopping once no match further down can reach the page (its hot score plus the
      text match's bound is below the page's k-th score): the page is the same, from ~20–40 matches
      instead of SEARCH_CANDIDATES;
    - where the RUM index is (migration 0008) and the best-first read would cost more, from it in
      hot-score order. GIN would intersect the words' lists and sort every match from the table
      (20–40 ms for a phrase of common words that only a few videos share)."""
    weight = conf().search_relevance_weight
    n = conf().search_candidates
    tsquery = _pg_tsquery(words)
    not_blocked = f" AND {_NOT_BLOCKED}" if viewer is not None else ""
    blocked = [viewer.pk, viewer.pk] if viewer is not None else []

    def scored(rows: str) -> str:
        return (
            f"SELECT c.id AS id, c.hot_score + %s * ts_rank(c.search_vector, {tsquery}, 32)::float8 AS score "
            f"FROM ({rows}) c"
        )

    def arm(size: str) -> str:
        return (
            "SELECT v.id, v.hot_score, v.search_vector FROM feed_video v WHERE v.status = 'published' "
            f"AND octet_length(v.search_vector::text) {size} {_COVERED_VECTOR_CHARS} "
            f"AND v.search_vector @@ {tsquery}{not_blocked} ORDER BY v.hot_score DESC, v.id DESC LIMIT %s"
        )

    arm_params = [*blocked, n]
    planners = scored(f"({arm('<=')}) UNION ALL ({arm('>')}) ORDER BY hot_score DESC, id DESC LIMIT %s")
    planners_params = [weight, *arm_params, *arm_params, n]
    if len(words) == 1:
        return planners, planners_params, False
    rum = _rum_read(words)
    best, lexemes = _among_the_best(tsquery, words)
    # The index entries the best-first read is expected to take (a page after the first reads the
    # matches of the pages before it too: at least as many again): where RUM is, costing less than
    # RUM's read (a phrase found once in the sample may still be read best first where RUM would
    # intersect lists of 77,000 videos: 7.5 against 21 ms); without it, within the read's own bound
    # (past it, the planner's way after all).
    matches = _BEST_FIRST_MATCHES * k * (2 if below else 1)
    entries = matches * _SAMPLE / best if best else None
    if entries is not None and (
        _RANK_ORDER_COST * entries < rum.entries if rum is not None else entries <= _RANK_ORDER_READ
    ):
        # The planner multiplies the words' frequencies, as if independent; words searched together
        # go together, so it takes a common phrase for a rare one and reads every match from the
        # GIN index (9,600 rows, 28 ms). The function reads at most _RANK_ORDER_READ entries; where
        # it could not be sure in those (a phrase common only among the very best), the planner's way.
        hidden = f"ARRAY({BLOCK_PARTNERS_SQL})" if viewer is not None else "'{}'::bigint[]"
        unsure = "EXISTS (SELECT FROM best WHERE id IS NULL)"
        sql = (
            f"WITH best AS MATERIALIZED (SELECT id, score FROM feed_video_search_best_first({tsquery}, "
            f"%s::float8, %s::float8, %s::int, %s::int, %s::int, %s::float8, %s::bigint, {hidden})) "
            f"SELECT id, score FROM best WHERE id IS NOT NULL AND NOT {unsure} "
            f"UNION ALL SELECT id, score FROM ({planners}) p WHERE {unsure}"
        )
        bound = weight * (_AND_RANK_BOUND if lexemes > 1 else 1.0)
        first = [weight, bound, k, n, _RANK_ORDER_READ, *(below or (None, None)), *blocked]
        return sql, [*first, *planners_params], False
    if rum is not None:
        # A phrase few of the best have: the RUM index (migration 0008) reads its matches in
        # hot-score order, the last word as the words it begins.
        candidates = (
            "SELECT v.id, v.hot_score, v.search_vector FROM feed_video v WHERE v.status = 'published' "
            "AND v.hot_score > '-Infinity'::float8 AND v.search_vector @@ "
            f"(to_tsquery('english'::regconfig, {rum.head}) && %s::tsquery){not_blocked} "
            # By hot score alone: a second key would make PostgreSQL read every match and sort them.
            # So where videos tie in hot score at the n-th place, the ones kept are RUM's (the same
            # for the same index), not the highest ids as in the other reads.
            "ORDER BY v.hot_score <=| (SELECT max(hot_score) FROM feed_video WHERE status = 'published') LIMIT %s"
        )
        # The planner takes the words as independent, so it expects a few dozen matches of words
        # that go together (`go kart`: 9,613 videos each, and together) and, for so few, reads them
        # all from the GIN index and sorts them: 25-35 ms, where RUM's ordered read stops at n
        # (5-7 ms). Where the sample found the phrase common (_COMMON), bitmap reads are ruled out.
        return scored(candidates), [weight, rum.last, *blocked, n], best >= _COMMON
    return planners, planners_params, False


@dataclass(frozen=True)
class _RumRead:
    """A phrase as the RUM index's ordered read takes it (migration 0008)."""

    head: str  # the words but the last, a to_tsquery literal
    last: str  # the last word as a tsquery of the words of published videos it begins, its stem among them
    entries: int  # about how many index entries the read takes: the fewest videos any of its words has


def _rum_read(words: list[str]) -> _RumRead | None:
    """The phrase for the RUM index's ordered read, or None where the index is not installed, a
    word is no lexeme or several (a stop word, or one PostgreSQL splits: "x½y"), or the last word
    begins more than _RUM_COMPLETIONS words. RUM reads a prefix by gathering every entry of every
    word it begins, so it is given those words: the counted ones (feed_videoword) and those of
    changes not yet counted (feed_videoword_change), so a video is found as soon as it is published."""
    if not _rum_installed():
        return None
    with connection.cursor() as db:
        db.execute(_RUM_WORDS, [words, _RUM_COMPLETIONS + 1, _RUM_COMPLETIONS + 1, _RUM_COMPLETIONS + 1, len(words)])
        rows = db.fetchall()
    lexemes: dict[int, list[tuple[str, int]]] = {}  # a word's index → its lexemes and their videos
    completions: dict[str, int] = {}  # the words the last one begins → their videos
    for i, lexeme, completion, videos in rows:
        if completion is None:
            lexemes.setdefault(i, []).append((lexeme, videos))
        else:
            completions[completion] = videos
    last = lexemes.get(len(words), [])
    if len(last) != 1 or any(len(found) > 1 for found in lexemes.values()) or len(completions) > _RUM_COMPLETIONS:
        return None
    alternatives = sorted({last[0][0], *completions})
    quoted = " | ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in alternatives)
    heads = [found[0][1] for i, found in lexemes.items() if i != len(words)]
    return _RumRead(
        head="'" + " & ".join(words[:-1]) + "'", last=quoted, entries=min([sum(completions.values()), *heads])
    )


# Each query word's lexemes (its index, the lexeme, NULL, its videos counted and not yet counted),
# and the words of published videos the last one's lexeme begins (its index, the lexeme, the word,
# the word's videos counted and not yet counted), at most a bound of each kind. Not yet counted:
# until beat's fold (every minute; or ever, where beat is down) a phrase's words would otherwise
# count as rare, and RUM would read phrases of common words at 36-66 ms where rank order takes <20.
_RUM_WORDS = """WITH q AS (
    SELECT i, l FROM unnest(%s::text[]) WITH ORDINALITY u(w, i),
        unnest(tsvector_to_array(to_tsvector('english'::regconfig, u.w))) l
)
SELECT q.i, q.l, NULL::text, coalesce(d.videos, 0) + coalesce(
    (SELECT sum(c.delta) FROM feed_videoword_change c WHERE c.word = q.l), 0)::bigint
FROM q LEFT JOIN feed_videoword d ON d.word = q.l
UNION ALL
SELECT q.i, q.l, c.word, c.videos FROM q CROSS JOIN LATERAL (
    SELECT word, sum(videos)::bigint AS videos FROM (
        (SELECT word, videos FROM feed_videoword WHERE word >= q.l AND word < q.l || chr(1114111)
         ORDER BY word LIMIT %s)
        UNION ALL
        (SELECT word, sum(delta) FROM feed_videoword_change WHERE word >= q.l AND word < q.l || chr(1114111)
         GROUP BY word ORDER BY word LIMIT %s)
    ) found GROUP BY word HAVING sum(videos) > 0 ORDER BY word LIMIT %s
) c WHERE q.i = %s"""


def _rum_installed() -> bool:
    """Whether this database has migration 0008's RUM index (the `rum` extension was available) and
    is in UTF-8 (the completions' ranges end at the last code point); asked again after a minute."""
    name = connection.settings_dict["NAME"]
    known = _rum_index.get_many([name]).get(name)
    if known is None:
        with connection.cursor() as db:
            db.execute("SELECT to_regclass('feed_video_search_rum') IS NOT NULL AND getdatabaseencoding() = 'UTF8'")
            known = bool(db.fetchone()[0])
        _rum_index.set_many({name: known})
    return known


def _among_the_best(tsquery: str, words: list[str]) -> tuple[int, int]:
    """How many of the _SAMPLE best-ranked videos match (read from the covering index alone, ~1 ms):
    where enough do, a page's matches are found soonest in rank order; and how many distinct lexemes
    the words have (the bound of the text match: _AND_RANK_BOUND)."""
    sample = (
        "SELECT count(*), (SELECT count(DISTINCT l) FROM unnest(%s::text[]) w, "
        "unnest(tsvector_to_array(to_tsvector('english'::regconfig, w))) l) "
        "FROM (SELECT v.search_vector FROM feed_video v WHERE v.status = 'published' "
        f"AND octet_length(v.search_vector::text) <= {_COVERED_VECTOR_CHARS} "
        "ORDER BY v.hot_score DESC, v.id DESC LIMIT %s) best "
        f"WHERE best.search_vector @@ {tsquery}"
    )
    with connection.cursor() as db:
        db.execute(sample, [words, _SAMPLE])
        found, lexemes = db.fetchone()
        return int(found), int(lexemes)


def _ranked(
    words: list[str], viewer: User | None, *, size: int, below: tuple[float, int] | None, shown: list[int]
) -> list[tuple[int, float]]:
    """videos_search's matches (id, score), best first, at most size + 1 of them, below `below` (the
    cursor's (score, id); None: from the top); on SQLite after the videos `shown` (the ids of the
    page the cursor ends) as they rank now, where any of them is still found."""
    after_sql, after_params = "", []
    if below is not None:
        score, last = below
        after_sql, after_params = " WHERE score < %s OR (score = %s AND id < %s)", [score, score, last]
    ordered = False  # whether only an ordered read may find the candidates (_pg_ranked)
    params: list[Any]
    if connection.vendor == "postgresql":
        inner, params, ordered = _pg_ranked(words, viewer, k=size + 1, below=below)
    else:
        params = [conf().search_relevance_weight]
        query = _fts_query(words)
        rank = f"(-bm25(feed_video_fts, {_FTS_WEIGHTS}))"
        inner = (
            f"SELECT v.id AS id, v.hot_score + %s * ({rank} / (1.0 + {rank})) AS score "
            "FROM feed_video_fts JOIN feed_video v ON v.id = feed_video_fts.rowid "
            "WHERE feed_video_fts MATCH %s AND v.status = 'published'"
        )
        params.append(query)
        if viewer is not None:
            inner += f" AND {_NOT_BLOCKED}"
            params += [viewer.pk, viewer.pk]
        if shown:
            # bm25 reads the whole table's statistics: a video published, made or deleted since the
            # last page moved every score, and the cursor's score is no position any more (the next
            # page repeated or skipped a page). So start after the last page's videos as they rank
            # now, the one ranked lowest; the cursor's score only where none of them is found any more.
            match, match_params = one_of("found.id", shown)
            with connection.cursor() as db:
                db.execute(
                    f"SELECT score, id FROM ({inner}) found WHERE {match} ORDER BY score, id LIMIT 1",
                    [*params, *match_params],
                )
                anchor = db.fetchone()
            if anchor is not None:
                after_params = [anchor[0], anchor[0], anchor[1]]
    sql = f"SELECT id, score FROM ({inner}) found{after_sql} ORDER BY score DESC, id DESC LIMIT %s"
    if ordered:  # its own text: a prepared statement keeps the plan of the settings it was first run with
        sql = "/* no bitmap */ " + sql
    with planner_setting("enable_bitmapscan", "off") if ordered else nullcontext(), connection.cursor() as db:
        db.execute(sql, [*params, *after_params, size + 1])
        rows = db.fetchall()
    return [(row[0], row[1]) for row in rows]


def _found_through_mentions_of(words: list[str], ids: list[int], handles: set[str]) -> set[int]:
    """Those of these videos found by the search's words only through an @mention of one of these
    handles in their caption (without_mentions_of): read as the viewer is shown it, the caption with
    the prompt's words does not match. Asked of the engine that searched, for the few videos whose
    caption mentions one of them."""
    shown: dict[int, tuple[str, str]] = {}
    for video_id, caption, search_text in Video.objects.filter(pk__in=ids).values_list("id", "caption", "search_text"):
        read = without_mentions_of(caption, handles)
        if read != caption:
            shown[video_id] = (read, search_text or "")
    if not shown:
        return set()
    with connection.cursor() as db:
        if connection.vendor == "postgresql":
            db.execute(
                "SELECT t.id FROM unnest(%s::bigint[], %s::text[], %s::text[]) t(id, caption, search_text) "
                "WHERE (setweight(to_tsvector('english'::regconfig, t.caption), 'A') "
                f"|| setweight(to_tsvector('english'::regconfig, t.search_text), 'B')) @@ {_pg_tsquery(words)}",
                [list(shown), [c for c, _ in shown.values()], [s for _, s in shown.values()]],
            )
            matching = {row[0] for row in db.fetchall()}
        else:  # the same tokenizer as feed_video_fts (migration 0003), in a table of this connection's own
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.feed_video_fts_shown "
                "USING fts5(caption, search_text, tokenize='porter unicode61')"
            )
            db.execute("DELETE FROM temp.feed_video_fts_shown")
            db.executemany(
                "INSERT INTO temp.feed_video_fts_shown (rowid, caption, search_text) VALUES (%s, %s, %s)",
                [(i, c, s) for i, (c, s) in shown.items()],
            )
            db.execute(
                "SELECT rowid FROM temp.feed_video_fts_shown WHERE feed_video_fts_shown MATCH %s", [_fts_query(words)]
            )
            matching = {row[0] for row in db.fetchall()}
            db.execute("DELETE FROM temp.feed_video_fts_shown")
    return set(shown) - matching


def videos_search(q: str, viewer: User | None, *, cursor: str | None = None, limit: int | None = None) -> Page[int]:
    """Ids of the published videos whose caption or prompt words match every word of `q` (the last
    also as a prefix), best first: hot_score (engagement and freshness) + SEARCH_RELEVANCE_WEIGHT ×
    the text match (PostgreSQL full-text search with ts_rank, SQLite FTS5 with bm25, both as
    r / (1 + r)). On PostgreSQL only the SEARCH_CANDIDATES matches with the best hot_score are
    considered. Drafts and removed videos are never found, nor anyone's in a block relation with
    the viewer, nor a video through a caption's @mention of such a person (it reads `@…` to them:
    its other words find it). Keyset pages on (score, id) under a signed cursor (core.pagination); on SQLite the
    cursor also names the page's videos, and the next page starts after them as they rank now."""
    size = page_limit(limit)
    words = _search_words(q)
    if not words:
        return Page(items=[], next=None)
    # A cursor is a position in this query's list for this viewer (blocks take videos out of it):
    # one of another query, or of someone else, is refused, not read as a position here.
    salt = f"search.videos:{getattr(viewer, 'pk', None)}:{' '.join(words)}"
    below: tuple[float, int] | None = None  # the cursor's (score, id)
    shown: list[int] = []  # SQLite: the ids of the page the cursor ends
    if cursor:
        try:
            score, last, shown = decode_cursor(cursor, salt=salt, length=3)
        except InvalidCursor:
            score, last = decode_cursor(cursor, salt=salt, length=2)
        if (
            not isinstance(score, (int, float))
            or not isinstance(last, int)
            or not isinstance(shown, list)
            or not all(isinstance(i, int) for i in shown)
        ):
            raise InvalidCursor
        below = (float(score), last)
    # A video is found through its caption as the viewer is shown it: where it mentions someone in a
    # block with them (read `@…`: without_mentions_of), not through that mention. Most viewers have
    # no block partners, and their search is read once, as it always was.
    hidden = set(block_partners_of(viewer.pk).values()) if viewer is not None else set()
    rows = _ranked(words, viewer, size=size, below=below, shown=shown)
    if hidden:
        # Those found only through such a mention are left out, and the page filled from further
        # down, read in batches four times larger each time (a search for a block partner's handle
        # may leave out most of what it finds).
        kept: list[tuple[int, float]] = []
        batch = size
        while True:
            through = _found_through_mentions_of(words, [row[0] for row in rows], hidden)
            kept += [row for row in rows if row[0] not in through]
            if len(kept) > size or len(rows) <= batch:
                break
            batch = min(batch * 4, _HIDDEN_MENTION_BATCH)
            rows = _ranked(words, viewer, size=batch, below=(float(rows[-1][1]), rows[-1][0]), shown=[])
        rows = kept[: size + 1]
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        position: list[Any] = [float(rows[-1][1]), rows[-1][0]]
        if connection.vendor != "postgresql":  # ts_rank reads one video; bm25 the whole table (above)
            position.append([row[0] for row in rows])
        next_cursor = encode_cursor(position, salt=salt)
    return Page(items=[row[0] for row in rows], next=next_cursor)


# --- trending --------------------------------------------------------------------------------------

_RISING_OFFSET_HOURS = 2.0  # a video minutes old is not divided by almost nothing


def rising_video_ids(*, now: dt.datetime | None = None, limit: int = 20) -> list[tuple[int, int]]:
    """(video id, author id) of the published videos still in their fresh window (FRESH_SECONDS:
    the few rows of the partial index feed_video_fresh), fastest rising first: velocity =
    e / (age_h + 2) ** TRENDING_GRAVITY, where e is the hot score's weighted engagement (likes,
    completed views, comments, remixes) and age_h the hours since publishing. A video nobody engaged
    with is not rising. Ties: the newer first. The same for everyone: callers filter per viewer."""
    k = conf()
    now = now or timezone.now()
    fresh = Video.objects.filter(status=PUBLISHED, published_at__gte=now - dt.timedelta(seconds=k.fresh_seconds))
    if k.boost_fresh > 0:
        fresh = fresh.filter(bonus__gt=0)  # the partial index's condition (feed.expire_fresh clears it)
    engaged = Q(like_count__gt=0) | Q(completed_view_count__gt=0) | Q(comment_count__gt=0) | Q(remix_count__gt=0)
    rows = fresh.filter(engaged).values_list(
        "id", "author_id", "published_at", "like_count", "completed_view_count", "comment_count", "remix_count"
    )
    scored = []
    for video_id, author_id, published_at, likes, completed, comments, remixes in rows.iterator(chunk_size=2000):
        e = (
            likes * k.weight_like
            + completed * k.weight_completed_view
            + comments * k.weight_comment
            + remixes * k.weight_remix
        )
        if e <= 0 or published_at is None:
            continue
        age_h = max(0.0, (now - published_at).total_seconds() / 3600)
        scored.append((e / (age_h + _RISING_OFFSET_HOURS) ** k.trending_gravity, video_id, author_id))
    return [(video_id, author_id) for _, video_id, author_id in heapq.nlargest(limit, scored)]


def most_shown_people(since: dt.datetime, limit: int, *, among: QuerySet[Any] | None = None) -> list[tuple[int, int]]:
    """(user id, uses) of the people shown in the most videos published since `since` (and still
    published), most first, ties by handle; only people in `among` (a subquery of user ids) when given."""
    rows = VideoPerson.objects.filter(  # `published` and `credited` first: the person rows' own partial index
        published=True, credited=True, video__status=PUBLISHED, video__published_at__gte=since, user__is_active=True
    )
    if among is not None:
        rows = rows.filter(user_id__in=among)
    counted = rows.values("user_id", "user__handle").annotate(uses=Count("id")).order_by("-uses", "user__handle")
    return [(row["user_id"], row["uses"]) for row in counted[:limit]]


def remixable_by(video_id: int, author_id: int) -> bool:
    """May `author_id` (still) remix this video: published and its author in no block with them, or
    their own video that is not removed."""
    row = Video.objects.filter(pk=video_id).values_list("status", "author_id").first()
    if row is None:
        return False
    status, source_author = row
    if source_author == author_id:
        return status != Video.Status.REMOVED
    return status == Video.Status.PUBLISHED and not relation_between(author_id, source_author).blocked_either_way
