"""Reads for accounts. The relation selectors are on the consent gate's hot path: one query for
any number of people."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import (
    HANDLE_PATTERN,
    AuthToken,
    Block,
    Follow,
    FollowerCount,
    Notification,
    User,
    normalize_handle,
)
from core.conf import conf as core_conf
from core.exceptions import NotFound
from core.memo import TTLCache
from core.pagination import InvalidCursor, Page, decode_cursor, encode_cursor, page_limit
from core.sql import one_of


@dataclass(frozen=True)
class Relation:
    """How `me` and another person stand, seen from `me`."""

    i_follow: bool = False
    follows_me: bool = False
    blocked_by_me: bool = False
    blocked_by_them: bool = False

    @property
    def is_mutual(self) -> bool:
        return self.i_follow and self.follows_me

    @property
    def blocked_either_way(self) -> bool:
        return self.blocked_by_me or self.blocked_by_them

    def reversed(self) -> Relation:
        """The same relation seen from the other person."""
        return Relation(self.follows_me, self.i_follow, self.blocked_by_them, self.blocked_by_me)


NO_RELATION = Relation()


def relations_query(me_id: int, others: list[int]) -> tuple[str, list[Any]]:
    """The SQL of relations_from: rows (kind 0 follow / 1 block, source, target, NULL). Other apps
    may UNION ALL their own rows onto it (4 columns, kind ≥ 2) to save a round trip. The others are
    one array parameter on PostgreSQL (core.sql.one_of): one statement text whatever their number."""
    follow, block = Follow._meta.db_table, Block._meta.db_table
    (followee, ids), (follower, _), (blocked, _), (blocker, _) = (
        one_of(column, others) for column in ("followee_id", "follower_id", "blocked_id", "blocker_id")
    )
    sql = (
        f"SELECT 0, follower_id, followee_id, CAST(NULL AS text) FROM {follow} "  # noqa: S608 - table names are ours
        f"WHERE (follower_id = %s AND {followee}) OR (followee_id = %s AND {follower}) "
        f"UNION ALL SELECT 1, blocker_id, blocked_id, CAST(NULL AS text) FROM {block} "
        f"WHERE (blocker_id = %s AND {blocked}) OR (blocked_id = %s AND {blocker})"
    )
    return sql, [me_id, *ids, me_id, *ids] * 2


# SQL: the ids of the people in a block with the viewer, either way. Two parameters: the viewer's id, twice.
BLOCK_PARTNERS_SQL = (
    "SELECT b.blocked_id FROM accounts_block b WHERE b.blocker_id = %s "
    "UNION SELECT b.blocker_id FROM accounts_block b WHERE b.blocked_id = %s"
)


def block_partners_of(viewer_id: int) -> dict[int, str]:
    """The people in a block with the viewer, either way, by id, with their handles (most people
    have none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT u.id, u.handle FROM accounts_user u WHERE u.id IN ({BLOCK_PARTNERS_SQL})",  # noqa: S608 - constant SQL
            [viewer_id] * 2,
        )
        return dict(cursor.fetchall())


def notifications_of(user: User) -> QuerySet[Notification]:
    """The person's notifications but for those naming someone in a block with them (as requester,
    author or the person a face may be): who blocked them does not exist for them, and whom they
    blocked is not shown to them; nor an account support deactivated (found by no handle). A minor is
    not told of a request to use their cameo by someone they do not follow, as their list of requests
    leaves it out (docs/consent.md rule 6). Kept, not deleted: an unblock, the account opened again,
    or a follow shows them again."""
    partners = RawSQL(BLOCK_PARTNERS_SQL, [user.pk, user.pk])  # noqa: S611 - constant SQL
    deactivated = User.objects.filter(pk=OuterRef("about_id"), is_active=False)
    shown = Notification.objects.filter(user=user).exclude(about_id__in=partners).exclude(Exists(deactivated))
    if user.is_minor:
        followed = Follow.objects.filter(follower=user, followee=OuterRef("about_id"))
        shown = shown.exclude(Q(kind=Notification.Kind.CAMEO_REQUESTED) & ~Exists(followed))
    return shown


# The key of a notification's data that names the person it is about (`about_id`), by kind.
_NAMES_ABOUT = {
    Notification.Kind.CAMEO_REQUESTED: "handle",
    Notification.Kind.APPEARANCE_TO_CONFIRM: "handle",
    Notification.Kind.DRAFT_OF_YOU: "author",
    Notification.Kind.CAMEO_USED: "author",
}


def notifications_named_now(notifications: Iterable[Notification]) -> list[Notification]:
    """These notifications naming the person each is about by their handle now, not as it was when
    it was sent: support may rename someone, and the old handle then be taken by anyone, whom the
    notification would name instead (a minor told to follow the asker first would follow a stranger).
    One query for a page."""
    notifications = list(notifications)
    ids = {n.about_id for n in notifications if n.about_id is not None and n.kind in _NAMES_ABOUT}
    handles = dict(User.objects.filter(pk__in=ids).values_list("pk", "handle")) if ids else {}
    for n in notifications:
        key = _NAMES_ABOUT.get(n.kind)  # type: ignore[call-overload]
        if key is not None and key in n.data and n.about_id in handles:
            n.data = {**n.data, key: handles[n.about_id]}
    return notifications


def not_blocked_sql(column: str) -> str:
    """SQL: the user id in `column` is in no block with the viewer, either way. Two parameters: the
    viewer's id, twice."""
    return f"{column} NOT IN ({BLOCK_PARTNERS_SQL})"


def relations_parse(me_id: int, others: list[int], rows: Iterable[Sequence[Any]]) -> dict[int, Relation]:
    flags: dict[int, dict[str, bool]] = {i: {} for i in others}
    for kind, source, target, *_ in rows:
        if kind not in (0, 1):
            continue
        outgoing = source == me_id
        other = target if outgoing else source
        if kind == 0:
            flags[other]["i_follow" if outgoing else "follows_me"] = True
        else:
            flags[other]["blocked_by_me" if outgoing else "blocked_by_them"] = True
    return {i: Relation(**f) if f else NO_RELATION for i, f in flags.items()}


def relations_from(me_id: int, other_ids: Iterable[int]) -> dict[int, Relation]:
    """Relations between `me_id` and each of `other_ids`, in one query: a UNION of the follow and
    block edges touching both sides, each read from its (a, b) unique index.

    Hand-written SQL on purpose: the consent gate calls this on every generation, and building the
    same UNION through the ORM costs about 2 ms of Python per call against 0.1 ms in the database
    (BENCHMARKS.md)."""
    others = sorted({int(i) for i in other_ids if i is not None and int(i) != me_id})
    if not others:
        return {}
    sql, params = relations_query(me_id, others)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return relations_parse(me_id, others, rows)


def relation_between(me_id: int, other_id: int) -> Relation:
    return relations_from(me_id, [other_id]).get(other_id, NO_RELATION)


def are_mutuals(a_id: int, b_id: int) -> bool:
    return relation_between(a_id, b_id).is_mutual


def is_blocked_between(a_id: int, b_id: int) -> bool:
    """Has A blocked B or B blocked A."""
    return relation_between(a_id, b_id).blocked_either_way


def _valid_handle(handle: str) -> str:
    """The normalised handle; a string that could never be a handle is nobody (and never reaches
    the database, where bytes such as NUL are errors)."""
    value = normalize_handle(handle)
    if not re.fullmatch(HANDLE_PATTERN, value):
        raise NotFound("No one has this handle.")
    return value


def _aware(value: Any) -> dt.datetime:
    """A timestamp read by raw SQL as Django would give it: PostgreSQL's are aware already, SQLite's
    come naive in UTC (or as text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, dt.UTC) if timezone.is_naive(value) else value


def token_owner(digest: str) -> tuple[User, AuthToken] | None:
    """The active user holding the token with this digest, and the token. Runs on every
    authenticated request: one prepared statement, no ORM query building (~1 ms of Python saved)."""
    columns: list[str] = [f.column for f in User._meta.concrete_fields if f.column]
    select = ", ".join(f"u.{connection.ops.quote_name(c)}" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.id, t.created_at, t.last_used_at, {select} FROM {AuthToken._meta.db_table} t "  # noqa: S608 - names are ours
            f"JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.digest = %s AND u.is_active",
            [digest],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    user = User.from_db(
        connection.alias,
        columns,
        [
            f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
            for f, v in zip(User._meta.concrete_fields, row[3:], strict=True)
        ],
    )
    created_at, last_used_at = (_aware(v) for v in row[1:3])
    token = AuthToken(pk=row[0], user=user, digest=digest, created_at=created_at, last_used_at=last_used_at)
    token._state.adding, token._state.db = False, connection.alias
    return user, token


def user_by_handle(handle: str) -> User:
    user = User.objects.filter(handle=_valid_handle(handle), is_active=True).first()
    if user is None:
        raise NotFound("No one has this handle.")
    return user


def account_by_handle(handle: str) -> User | None:
    """The account holding this handle, one support deactivated too (it keeps its handle and its
    published videos); None for no one. Only for what the caller already sees under the handle."""
    return User.objects.filter(handle=_valid_handle(handle)).first()


def user_by_handle_for(handle: str, viewer: User | None) -> User:
    """`user_by_handle` as `viewer` may look it up: someone who blocked the viewer does not exist for
    them (the same 404, word for word, as an unknown handle). The blocker still finds the people they
    blocked, as on their profile."""
    user = user_by_handle(handle)
    viewer_id = getattr(viewer, "pk", None)
    if viewer_id is not None and viewer_id != user.pk and relation_between(viewer_id, user.pk).blocked_by_them:
        raise NotFound("No one has this handle.")
    return user


def blockers_of(user: User) -> QuerySet[Block, Any]:
    """The ids (`blocker_id`) of the people who blocked `user`, as a subquery."""
    return Block.objects.filter(blocked=user).values("blocker_id")


def users_by_handles(handles: Iterable[str]) -> dict[str, User]:
    wanted = {h for h in map(normalize_handle, handles) if re.fullmatch(HANDLE_PATTERN, h)}
    return {u.handle: u for u in User.objects.filter(handle__in=wanted, is_active=True)}


def _count(model: type[Follow], field: str, other: str) -> Coalesce:
    """How many follows have `field` the person, the account at `other` (the other end) not one support
    deactivated: as the lists (followers_of, following_of) leave those out, a count one above the list
    told everyone a hidden account follows them."""
    counted = (
        model.objects.filter(**{field: OuterRef("pk"), f"{other}__is_active": True})
        .order_by()
        .values(field)
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_follow_counts(queryset: QuerySet[User]) -> QuerySet[User]:
    return queryset.annotate(
        followers_count=_count(Follow, "followee", "follower"), following_count=_count(Follow, "follower", "followee")
    )


def user_visible_to(handle: str, viewer: User | None) -> User:
    """A person's profile as `viewer` may see it. Someone who blocked the viewer does not exist for
    them (404, the same answer as an unknown handle)."""
    user = with_follow_counts(User.objects.filter(is_active=True)).filter(handle=_valid_handle(handle)).first()
    if user is None:
        raise NotFound("No one has this handle.")
    relation = relation_between(viewer.pk, user.pk) if viewer is not None else NO_RELATION
    if relation.blocked_by_them:
        raise NotFound("No one has this handle.")
    user.relation = relation  # type: ignore[attr-defined]
    return user


def me_with_counts(user: User) -> User:
    return with_follow_counts(User.objects.filter(pk=user.pk)).get()


def without_block_partners(queryset: QuerySet[Any], column: str, viewer: User | None) -> QuerySet[Any]:
    """`queryset` without the rows whose `column` (a user id) is someone in a block with the viewer,
    either way: a list shows neither the people one blocked nor those who blocked one."""
    if viewer is None or not viewer.is_authenticated:
        return queryset
    blocked = Block.objects.filter(blocker_id=viewer.pk).values("blocked_id")
    blockers = Block.objects.filter(blocked_id=viewer.pk).values("blocker_id")
    return queryset.exclude(**{f"{column}__in": blocked}).exclude(**{f"{column}__in": blockers})


def followers_of(user: User, viewer: User | None = None) -> QuerySet[Follow]:
    followers = Follow.objects.filter(followee=user, follower__is_active=True).select_related("follower")
    return without_block_partners(followers, "follower_id", viewer)


def following_of(user: User, viewer: User | None = None) -> QuerySet[Follow]:
    following = Follow.objects.filter(follower=user, followee__is_active=True).select_related("followee")
    return without_block_partners(following, "followee_id", viewer)


def blocks_of(user: User) -> QuerySet[Block]:
    """The people `user` blocked, but for accounts support deactivated (found by no handle, as in the
    followers lists); listed again when opened again."""
    return Block.objects.filter(blocker=user, blocked__is_active=True).select_related("blocked")


# --- people search ---------------------------------------------------------------------------------
# Two steps, one interface: the database's own engine picks a bounded set of candidates, then one
# Python ranking (rapidfuzz) orders them, the same on both. PostgreSQL: the names starting with the
# query (btree prefix ranges), and when fewer than a page do, the people with the query's words as
# typed or as the closest words anyone has (pg_trgm over a dictionary of name words, then full-text
# search: accounts migration 0008), so a typo anywhere in a word is found. SQLite: the FTS5 table
# accounts_user_fts with prefix queries, and every name starting with the query's first two letters
# (a typo after them).

SEARCH_CANDIDATES = 100  # the most people one query ranks (the first by name, and the popular ones): bounded cost
_FUZZY_FLOOR = 70  # rapidfuzz ratio (0–100) below which a candidate is not a match


@dataclass(frozen=True)
class SearchHit:
    """A person found (by id: a page's people are loaded once ranked), with how close their names
    are to the query (0–100) and their followers."""

    user_id: int
    closeness: int
    followers: int

    @property
    def key(self) -> tuple[int, int, int]:
        """The ranking, best first when sorted ascending: closeness, then followers, then newest."""
        return (-self.closeness, -self.followers, -self.user_id)


def search_text(q: str) -> str:
    """The query as names are compared: lower case, no leading `@`, single spaces."""
    return " ".join(q.strip().lower().lstrip("@").split())


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# Each arm is a bounded read of one index (migrations 0005 and 0006). A prefix is a range of the
# btree pattern-ops indexes (`~>=~`, `~<~`: PostgreSQL uses them only through these operators); %(n)s
# is SEARCH_CANDIDATES; {among} narrows to the people a caller considers (e.g. cameo owners) before
# the bound. The final order is rapidfuzz's (people_ranked), not these arms'.
_PG_PREFIX = """(SELECT id, 2.0 AS s FROM accounts_user WHERE is_active{among}
    AND handle ~>=~ %(lo)s AND handle ~<~ %(hi)s ORDER BY handle USING ~<~ LIMIT %(n)s)
UNION ALL (SELECT id, 2.0 FROM accounts_user WHERE is_active{among}
    AND lower(display_name) ~>=~ %(lo)s AND lower(display_name) ~<~ %(hi)s
    ORDER BY lower(display_name) USING ~<~ LIMIT %(n)s)"""
# When fewer than a page of names start with the query: its words, each also as its closest
# spellings among the words people have (accounts migration 0008: pg_trgm similarity, `%%`, over a
# dictionary of name words, and the words one edit away by a symmetric-delete table), and the people
# whose handle or display name has every word, the last as a prefix, from a full-text index.
_PG_CORRECTIONS = """SELECT q.i, q.w, c.word FROM (
    SELECT w, i FROM regexp_split_to_table(lower(%(q)s), '[^[:alnum:]]+') WITH ORDINALITY t(w, i)
    WHERE w <> '' ORDER BY i LIMIT %(words)s
) q LEFT JOIN LATERAL (
    SELECT word FROM (
        (SELECT word FROM accounts_nameword WHERE length(q.w) >= 3 AND word %% q.w LIMIT 50)
        UNION (SELECT word FROM accounts_namedelete WHERE length(q.w) >= 3 AND variant = ANY(ARRAY(
            SELECT overlay(q.w placing '' from n for 1) FROM generate_series(1, length(q.w)) n) || q.w) LIMIT 50)
    ) found ORDER BY similarity(word, q.w) DESC, word LIMIT %(k)s
) c ON true ORDER BY q.i"""
# The index expression of accounts migration 0008, word for word, so that the planner uses it.
_PG_WORDS = """SELECT id FROM accounts_user WHERE is_active{among} AND to_tsvector('simple'::regconfig,
    regexp_replace(lower(handle || ' ' || display_name), '[^[:alnum:]]+', ' ', 'g'))
    @@ to_tsquery('simple'::regconfig, %(query)s) LIMIT %(n)s"""
_CORRECTIONS = 3  # spellings tried for each query word besides its own
_MAX_WORDS = 8


def _words_query(words: dict[int, str], corrections: dict[int, list[str]]) -> str:
    """A tsquery: every word (by its position), as a prefix or one of its closest spellings."""
    return " & ".join("(" + " | ".join([f"{w}:*", *corrections.get(i, [])]) + ")" for i, w in words.items())


def _after(prefix: str) -> str:
    """The first string after every string that starts with `prefix` (in code point order): its
    last character's successor, past the surrogates (no text holds them), or, after the last code
    point, the successor of what comes before it."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:
        last = 0xE000
    if last > 0x10FFFF:
        return _after(prefix[:-1]) if len(prefix) > 1 else "\U0010ffff" * 8
    return prefix[:-1] + chr(last)


def _among(among: QuerySet[Any] | None, column: str = "id") -> tuple[str, list[Any]]:
    """` AND <column> IN (<the ids of `among`>)` and its parameters, or nothing."""
    if among is None:
        return "", []
    sql, params = among.query.sql_with_params()
    return f" AND {column} IN ({sql})", list(params)


def _named(sql: str, params: list[Any]) -> tuple[str, dict[str, Any]]:
    """`sql`'s positional %s parameters as named ones (the candidate statements use names)."""
    parts = sql.split("%s")
    names = [f"among{i}" for i in range(len(params))]
    return parts[0] + "".join(f"%({n})s{p}" for n, p in zip(names, parts[1:], strict=True)), dict(
        zip(names, params, strict=True)
    )


def _candidates_postgresql(q: str, among: QuerySet[Any] | None = None, *, typed: str = "") -> list[int]:
    """Names starting with the query; when fewer than a page do, also the people with its words
    spelled as typed or as the closest words anyone has (a typo anywhere, the first letters too).
    Every read is bounded, so a two-letter query that begins thousands of names costs little more
    than a rare one."""
    among_sql, among_params = _named(*_among(among))
    params: dict[str, Any] = {"q": q, "lo": q, "hi": _after(q), "n": SEARCH_CANDIDATES, **among_params}
    prefix = _PG_PREFIX.replace("{among}", among_sql)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT id FROM ({prefix}) found LIMIT %(n)s", params)  # noqa: S608
        found = [row[0] for row in cursor.fetchall()]
        # A page's worth of names start with the query: a typo's match would rank below every one
        # of them (people_ranked), so it is not looked for.
        if len(found) >= core_conf().page_size:
            return found
        # The query's words as the index has them (PostgreSQL splits both), each with its closest
        # spellings; runs of letters and digits, so none is a tsquery operator.
        # PostgreSQL lowers what was typed itself, as it lowered the names ("İnce": "ince").
        cursor.execute(_PG_CORRECTIONS, {"q": typed or q, "words": _MAX_WORDS, "k": _CORRECTIONS})
        words: dict[int, str] = {}
        corrections: dict[int, list[str]] = {}
        for i, word, correction in cursor.fetchall():
            words[i] = word
            if correction is not None:
                corrections.setdefault(i, []).append(correction)
        if len("".join(words.values())) < 2:
            return found
        params["query"] = _words_query(words, corrections)
        cursor.execute(_PG_WORDS.replace("{among}", among_sql), params)
        seen = set(found)
        typos = [row[0] for row in cursor.fetchall() if row[0] not in seen]
    return found + typos[: SEARCH_CANDIDATES - len(found)]


def _candidates_sqlite(q: str, among: QuerySet[Any] | None = None, *, typed: str = "") -> list[int]:
    words = re.findall(r"[^\W_]+", q)
    if not words:
        return []
    match = " AND ".join(f'"{w}"*' for w in words) + f' OR "{words[0][:2]}"*'
    among_sql, among_params = _among(among, "rowid")
    with connection.cursor() as cursor:
        sql = "SELECT rowid FROM accounts_user_fts WHERE accounts_user_fts MATCH %s{} ORDER BY rank LIMIT %s"
        cursor.execute(sql.format(among_sql), [match, *among_params, SEARCH_CANDIDATES])
        return [row[0] for row in cursor.fetchall()]


def _words_of(text: str) -> list[str]:
    """Runs of letters, marks and digits, in every script (a vowel sign stays in its word, as in
    PostgreSQL's `[:alnum:]`); dots, underscores, spaces and other signs separate them."""
    return "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text).split()


def closeness(q: str, handle: str, display_name: str) -> int:
    """How close a person's names are to the query, 0–100 (0: no match): the exact handle 100, the
    exact display name 95, a handle starting with it 90, a word of either starting with it 85, else
    rapidfuzz's ratio against the handle, the display name or a word (less 3), or their beginnings
    (less 6): a typo, at most 84."""
    from rapidfuzz import fuzz

    name = " ".join(display_name.lower().split())
    if handle == q:
        return 100
    if name == q:
        return 95
    if handle.startswith(q):
        return 90
    words = _words_of(f"{handle} {name}")
    if name.startswith(q) or any(w.startswith(q) for w in words):
        return 85
    # The whole handle counts most, then the display name or one word, then a beginning.
    best = max(
        fuzz.ratio(q, handle),
        max(fuzz.ratio(q, text) for text in [name, *words] if text) - 3 if name or words else 0,
        max(fuzz.ratio(q, text[: len(q)]) for text in [handle, name, *words] if text) - 6,
    )
    return min(84, int(best)) if best >= _FUZZY_FLOOR else 0


# Among thousands of namesakes the prefix arms take the first by name, so the most followed of them
# were missed (the 40 most followed people found on page 1 by their first name: 2 of 82 queries).
# So the _POPULAR most followed active people are candidates too whenever a name of theirs starts
# with the query: a list each process reads once a minute (~3 ms, from the index of migration 0009)
# and matches in memory (bisect).
_POPULAR = 1000
_popular = TTLCache(ttl=60, max_items=4)


def _popular_people() -> tuple[list[tuple[str, int, int]], ...]:
    """The most followed active people's handles and lower-cased display names, each list sorted as
    (name, rank, id), rank 0 the most followed: a prefix is a range of each (bisect)."""
    key = connection.settings_dict["NAME"]
    lists = _popular.get_many([key]).get(key)
    if lists is None:
        rows = (
            FollowerCount.objects.filter(user__is_active=True, followers__gt=0)
            .order_by("-followers", "user_id")
            .values_list("user_id", "user__handle", "user__display_name")[:_POPULAR]
        )
        people = list(rows)
        lists = (
            sorted((handle, rank, pk) for rank, (pk, handle, _) in enumerate(people)),
            sorted((name.lower(), rank, pk) for rank, (pk, _, name) in enumerate(people)),
        )
        _popular.set_many({key: lists})
    return lists


def _popular_starting_with(text: str) -> list[int]:
    """Of the most followed people, a page's worth whose handle or display name starts with `text`,
    most followed first."""
    found: dict[int, int] = {}
    for names in _popular_people():
        for name, rank, pk in itertools.islice(names, bisect.bisect_left(names, (text,)), None):
            if not name.startswith(text):
                break
            found[pk] = rank
    return sorted(found, key=found.__getitem__)[: core_conf().page_size]


# A candidate's names and stored follower count (FollowerCount, kept by triggers: one row a candidate,
# where counting the follows read every one of them), unless they are inactive or in a block with
# the viewer either way. Hand-written: the same query built through the ORM cost ~1.5 ms of Python a
# search. {ids} is the candidates (core.sql.one_of), {among} narrows them, {not_blocked} the blocks.
_PEOPLE = """SELECT u.id, u.handle, u.display_name, COALESCE(f.followers, 0) FROM accounts_user u
    LEFT JOIN accounts_followercount f ON f.user_id = u.id
    WHERE {ids} AND u.is_active{among} AND {not_blocked}"""


def people_ranked(q: str, viewer: User, *, among: QuerySet[Any] | None = None) -> list[SearchHit]:
    """Everyone whose handle or display name matches `q` (prefix or a typo), best first: closest,
    then most followed. People in a block with `viewer`, either way, never appear. `among` (a
    queryset of user ids) narrows the people considered, e.g. the owners of cameos."""
    text = search_text(q)
    if not text:
        return []
    find = _candidates_postgresql if connection.vendor == "postgresql" else _candidates_sqlite
    # `among` inside: candidates are bounded, so it narrows before the bound. The most followed
    # namesakes besides (`among` applies to them below).
    ids = list(dict.fromkeys([*_popular_starting_with(text), *find(text, among, typed=q.strip().lstrip("@"))]))
    if not ids:
        return []
    ids_sql, ids_params = one_of("u.id", ids)
    among_sql, among_params = _among(among, "u.id")
    sql = _PEOPLE.format(ids=ids_sql, among=among_sql, not_blocked=not_blocked_sql("u.id"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids_params, *among_params, viewer.pk, viewer.pk])
        rows = cursor.fetchall()
    hits = [SearchHit(pk, closeness(text, handle, name), followers) for pk, handle, name, followers in rows]
    return sorted((h for h in hits if h.closeness), key=lambda h: h.key)


def hits_after(hits: Sequence[Any], *, cursor: str | None, salt: str) -> Sequence[Any]:
    """The ranked hits (each with a `key`, unique, ascending) after a page's signed cursor: the last
    hit's closeness and id (hits_page), placed by their key now, or, for someone no longer found (a
    block, a deactivation, a rename since), by their stored follower count now."""
    if not cursor:
        return hits
    try:
        closeness, person = decode_cursor(cursor, salt=salt, length=2)
    except InvalidCursor:  # a cursor of before, that held the count itself
        last = tuple(decode_cursor(cursor, salt=salt, length=3))
    else:
        found = next((h.key for h in hits if (h.key[0], h.key[2]) == (closeness, person)), None)
        if found is None:
            followers = FollowerCount.objects.filter(user_id=-int(person)).values_list("followers", flat=True).first()
            found = (closeness, -(followers or 0), person)
        last = found
    return [h for h in hits if h.key > last]


def hits_page(hits: Sequence[Any], *, cursor: str | None, limit: int | None, salt: str) -> Page[Any]:
    """One page of ranked hits (each with a `key`, unique, ascending): a signed cursor holds the last
    hit's closeness and id, so the next page starts after it, as core.pagination's keyset cursors do.
    Not their follower count: a cursor is readable by whoever holds it, and the stored count counts
    the follows of accounts support deactivated, which profiles and lists leave out."""
    size = page_limit(limit)
    rows = list(hits_after(hits, cursor=cursor, salt=salt)[: size + 1])
    if len(rows) <= size:
        return Page(items=rows, next=None)
    key = rows[size - 1].key
    return Page(items=rows[:size], next=encode_cursor([key[0], key[2]], salt=salt))


def people_search(q: str, viewer: User, *, cursor: str | None, limit: int | None) -> Page[User]:
    """GET /search?type=people: a page of the people matching `q` (people_ranked)."""
    page = hits_page(
        people_ranked(q, viewer), cursor=cursor, limit=limit, salt=f"search-people:{viewer.pk}:{search_text(q)}"
    )
    people = User.objects.in_bulk([h.user_id for h in page.items])
    return Page(items=[people[h.user_id] for h in page.items if h.user_id in people], next=page.next)
