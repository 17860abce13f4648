"""Rate limits per user (or per client address when anonymous), and the counters behind them.

Sliding-window counters: a budget of n per period is judged over the last period, from the counts of
two fixed windows, this one and the one before, which weighs as much as the part of it still within
the last period (its hits taken as spread evenly over it: Cloudflare's estimate). One atomic
increment per request and scope and one more read in the same round trip, instead of DRF's default
of reading and rewriting the list of every recent request's timestamp. Fixed windows alone let twice
the budget through across a window's edge (all of it at the end of one window and again at the start
of the next); here the budget spent at the end of one still weighs almost whole at the start of the
next, so such a burst gets the budget and no more. (The estimate is not a log: hits bunched at the
end of one window, then spread over the next, can still reach nearly twice the budget in one
period, but never faster than the budget's own pace after the first burst.) A refused hit is taken
back: refusals spend nothing. Rates come from settings at request time (`core.conf`:
THROTTLE_RATES), so an operator or a test can change them at once.

The counters live where every process sees them and a restart keeps them (never in the per-process
cache, whatever CACHES says): in Redis when REDIS_URL is set (INCR, EXPIRE NX and a GET of the
window before in one round trip), otherwise in the database (`core.RateCounter`: one upsert that adds
one and returns the count, and the window before's, `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`,
atomic on SQLite and PostgreSQL). A counter's key names its window, so once the window
after it has ended too it is a row no one reads again: the beat task `core.sweep_rate_counters`
deletes them. A database counter hit inside a transaction that rolls back is undone with it. A member
of a group can also be remembered for a while, and a whole group forgotten at once (remember,
remembered, forget: the addresses an account signed in from, one group per account), in the same
places.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.db.models import F
from rest_framework.throttling import BaseThrottle

from core.conf import conf
from core.models import RateCounter

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
REDIS_PREFIX = "castfeed:limit:"


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/minute' → (30, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url)  # one connection pool per process (and URL)


# One statement: add one, or start the row (again, once past its expiry: a key reused across windows
# starts at 1, as in Redis); the new count, and the count of another counter not past its expiry (the
# window before: hit_window), NULL where there is none. Double-quoted names: the same SQL on SQLite and
# PostgreSQL.
_UPSERT = """
INSERT INTO "core_ratecounter" ("key", "count", "expires") VALUES (%s, 1, %s)
ON CONFLICT ("key") DO UPDATE SET
  "count" = CASE WHEN "core_ratecounter"."expires" <= %s THEN 1 ELSE "core_ratecounter"."count" + 1 END,
  "expires" = CASE WHEN "core_ratecounter"."expires" <= %s THEN excluded."expires" ELSE "core_ratecounter"."expires" END
RETURNING "count",
  (SELECT "other"."count" FROM "core_ratecounter" AS "other" WHERE "other"."key" = %s AND "other"."expires" > %s)
"""


def count_hit(key: str, *, ttl: int) -> int:
    """Add one to a counter that expires `ttl` seconds after its first hit; the new count, as seen
    by every process."""
    return _count_hit_and_read(key, None, ttl=ttl)[0]


def _count_hit_and_read(key: str, other: str | None, *, ttl: int) -> tuple[int, int]:
    """count_hit on `key`, and the count of counter `other` (0 where there is none), in one round
    trip to Redis, or one statement in the database."""
    if settings.REDIS_URL:
        with _redis(settings.REDIS_URL).pipeline(transaction=False) as pipe:  # one round trip, no MULTI
            pipe.incr(REDIS_PREFIX + key)
            pipe.expire(REDIS_PREFIX + key, ttl, nx=True)
            if other is not None:
                pipe.get(REDIS_PREFIX + other)
            replies = pipe.execute()
            return int(replies[0]), int(replies[2] or 0) if other is not None else 0
    now = int(time.time())
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, now + ttl, now, now, key if other is None else other, now])
        count, before = cursor.fetchone()
    return int(count), int(before or 0) if other is not None else 0


def clock() -> float:
    """The limits' time: what hit_window's `now` is by default (held still by tests: mid_window)."""
    return time.time()


def hit_window(key: str, limit: int, period: int, *, now: float | None = None) -> tuple[bool, float]:
    """One hit on `key` at `now` (by default, the current time) against a budget of `limit` hits in
    any `period` seconds: whether it is within it, and if not the seconds until a hit would be. Counted
    in the fixed window of `period` seconds at `now` (its counter is `<key>:<window number>`, kept
    through the next window too), with the window before weighing as much as the part of it still
    within the last `period` seconds (the module's docstring). A hit refused is counted all the same:
    hit_window_taken_back takes it back, and the seconds to wait are those once it is."""
    now = time.time() if now is None else now
    window = int(now // period)
    start = window * period
    count, before = _count_hit_and_read(f"{key}:{window}", f"{key}:{window - 1}", ttl=2 * period + 1)
    if before * (1 - (now - start) / period) + count <= limit:
        return True, 0.0
    room = limit - count  # for one more hit beside this window's others, once this one is taken back
    if room >= 0:  # later in this window, as the one before weighs less (it has hits: before > 0)
        return False, start + (1 - room / before) * period - now
    others = count - 1  # this window's, which weigh as the one before in the next
    return False, start + period + (max(0.0, 1 - (limit - 1) / others) if others > 0 else 0.0) * period - now


# Take one back from a counter that is still there (not one that expired: a new one, without expiry).
_REDIS_TAKE_BACK = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


def hit_window_taken_back(key: str, period: int, *, now: float) -> None:
    """Take back hit_window's hit on `key` made at `now`, in that hit's window: a hit counted before
    what it counts was known (a password checked), which turned out not to count."""
    name = f"{key}:{int(now // period)}"
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).eval(_REDIS_TAKE_BACK, 1, REDIS_PREFIX + name)
    else:
        RateCounter.objects.filter(key=name, count__gt=0).update(count=F("count") - 1)


def hit_window_forget(key: str, period: int, *, now: float | None = None) -> None:
    """Forget hit_window's counts of `key` in the window at `now` and the one before it (which still
    weighs on this one): in the database with the transaction under way, in Redis at once."""
    now = time.time() if now is None else now
    window = int(now // period)
    names = [f"{key}:{window - 1}", f"{key}:{window}"]
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).delete(*(REDIS_PREFIX + name for name in names))
    else:
        RateCounter.objects.filter(key__in=names).delete()


# Keep a member until its end (ARGV 2), drop those whose end has passed (ARGV 3: now) and keep the
# group as long as this one (ARGV 4): one round trip. Unpruned, an account that signs in within every
# `ttl` kept its group, and every address it ever signed in from in it, for good.
_REDIS_REMEMBER = """
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
local kept = redis.call('hgetall', KEYS[1])
for i = 1, #kept, 2 do
  if tonumber(kept[i + 1]) <= tonumber(ARGV[3]) then redis.call('hdel', KEYS[1], kept[i]) end
end
return redis.call('expire', KEYS[1], ARGV[4])
"""


def remember(group: str, member: str, *, ttl: int) -> None:
    """Keep `member` of `group` for `ttl` seconds from now (again from now if it was kept already),
    where the counters are; forget() forgets a whole group at once. Its end is stored with it, so that
    remembered() reads it on the limits' clock. In Redis a group is one hash (member: its end), kept
    as long as its last member, its members past their end dropped as another is kept; in the
    database a row per member, named `<group>:<member>`, swept once past its end (sweep_counters)."""
    now = int(time.time())
    expires = now + ttl
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).eval(_REDIS_REMEMBER, 1, REDIS_PREFIX + group, member, expires, now, ttl)
    else:
        RateCounter.objects.bulk_create(
            [RateCounter(key=f"{group}:{member}", count=1, expires=expires)],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["expires"],
        )


def remembered(group: str, member: str) -> bool:
    """Whether `member` of `group` is kept (remember) and its time not over."""
    now = time.time()
    if settings.REDIS_URL:
        expires = _redis(settings.REDIS_URL).hget(REDIS_PREFIX + group, member)
        return expires is not None and int(expires) > now
    return RateCounter.objects.filter(key=f"{group}:{member}", expires__gt=now).exists()


def forget(group: str) -> None:
    """Forget every member of `group` (remember): in the database with the transaction under way (a
    rollback keeps them), in Redis at once."""
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).delete(REDIS_PREFIX + group)
    else:
        RateCounter.objects.filter(key__startswith=group + ":").delete()


def sweep_counters() -> int:
    """Delete the database's counters past their expiry (their window and the next have ended: no one
    reads them again); how many (Redis expires its own)."""
    deleted, _ = RateCounter.objects.filter(expires__lte=int(time.time())).delete()
    return deleted


def forget_redis_counters() -> None:
    """Delete every counter kept in Redis (tests: the database's roll back with each test)."""
    if settings.REDIS_URL:
        client = _redis(settings.REDIS_URL)
        keys = list(client.scan_iter(match=REDIS_PREFIX + "*", count=1000))
        if keys:
            client.delete(*keys)


class _WindowThrottle(BaseThrottle):
    def scope_for(self, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = self.scope_for(view)
        rate = conf().throttle_rates.get(scope) if scope else None
        if not rate:
            return True
        limit, period = parse_rate(rate)
        user = request.user
        ident = f"u{user.pk}" if user and user.is_authenticated else f"ip{client_address(request)}"
        key, now = f"throttle:{scope}:{ident}", clock()
        allowed, self.wait_seconds = hit_window(key, limit, period, now=now)
        if not allowed:
            hit_window_taken_back(key, period, now=now)  # a refused request spends nothing
        return allowed

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


def client_address(request: Any) -> str:
    """The caller's address: the peer's (REMOTE_ADDR), or behind CASTFEED_CORE_TRUSTED_PROXIES = N
    proxies that each append the address they saw to X-Forwarded-For, the N-th entry from the end
    (what the outermost of them saw). Never what a client wrote in the header itself: DRF's own
    get_ident took the whole header as the identity, so a new header a request escaped every limit."""
    peer = request.META.get("REMOTE_ADDR") or ""
    proxies = conf().trusted_proxies
    if not proxies:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else peer


class UserOrIPRateThrottle(_WindowThrottle):
    """Every API request counts against the `default` scope."""

    def scope_for(self, view: Any) -> str | None:
        return "default"


class ScopedRateThrottle(_WindowThrottle):
    """A view's `throttle_scope` (registration, sign-in, comments, ...) has its own budget."""

    def scope_for(self, view: Any) -> str | None:
        return getattr(view, "throttle_scope", None)
