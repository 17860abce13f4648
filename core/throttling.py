"""Rate limits per user (or per client address when anonymous).

Fixed-window counters in the cache: one atomic increment per request and scope (Redis INCR when
REDIS_URL is set), instead of DRF's default of reading and rewriting the list of every recent
request's timestamp. A window allows at most twice the rate across its edge, which is fine for abuse
control. Rates come from settings at request time (`CASTFEED_THROTTLE_RATES`), so an operator or a
test can change them at once.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/minute' → (30, 60)."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


def count_hit(key: str, *, ttl: int) -> int:
    """Add one to a counter that expires `ttl` seconds after its first hit; the new count.
    On Redis: INCR and EXPIRE NX in one round trip. Elsewhere: the cache's add and incr."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        redis_key = backend.make_and_validate_key(key)
        with backend._cache.get_client(write=True).pipeline() as pipe:
            pipe.incr(redis_key)
            pipe.expire(redis_key, ttl, nx=True)
            return int(pipe.execute()[0])
    if backend.add(key, 1, timeout=ttl):
        return 1
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr: a new window
        backend.add(key, 1, timeout=ttl)
        return 1


class _FixedWindowThrottle(BaseThrottle):
    def scope_for(self, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = self.scope_for(view)
        rate = settings.CASTFEED_THROTTLE_RATES.get(scope) if scope else None
        if not rate:
            return True
        limit, period = parse_rate(rate)
        now = time.time()
        window = int(now // period)
        user = request.user
        ident = f"u{user.pk}" if user and user.is_authenticated else f"ip{self.get_ident(request)}"
        count = count_hit(f"throttle:{scope}:{ident}:{window}", ttl=period + 1)
        self.wait_seconds = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


class UserOrIPRateThrottle(_FixedWindowThrottle):
    """Every API request counts against the `default` scope."""

    def scope_for(self, view: Any) -> str | None:
        return "default"


class ScopedRateThrottle(_FixedWindowThrottle):
    """A view's `throttle_scope` (registration, sign-in, comments, ...) has its own budget."""

    def scope_for(self, view: Any) -> str | None:
        return getattr(view, "throttle_scope", None)
