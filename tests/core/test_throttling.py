"""Rate limits and their counters on the real stores: the database by default, Redis when REDIS_URL is
set; never the per-process cache (the tests keep LocMemCache, whatever REDIS_URL says)."""

import os
import threading
import time
import types

import pytest
from django.db import connections

from core.models import RateCounter
from core.tasks import sweep_rate_counters
from core.throttling import REDIS_PREFIX, _redis, count_hit, parse_rate


def test_parse_rate():
    assert parse_rate("30/minute") == (30, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("100/day") == (100, 86400)


@pytest.fixture
def database_store(settings):  # type: ignore[no-untyped-def]
    settings.REDIS_URL = ""


@pytest.fixture
def redis_store(settings):  # type: ignore[no-untyped-def]
    url = os.environ["REDIS_URL"]  # its tests are marked `redis`: skipped before they get here without one
    settings.REDIS_URL = url
    return _redis(url)


@pytest.mark.django_db
def test_limits_hold_in_the_database_with_one_row_per_window(api, me, settings, database_store, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "2/day"}}
    start = int(mid_window)  # the limits' clock, held in the middle of a window
    assert [api.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
    row = RateCounter.objects.get(key=f"throttle:default:u{me.pk}:{start // 86400}")
    assert row.count == 2  # the refused request spent nothing
    assert row.expires == start + 2 * 86400 + 1  # from the first hit, through the next window (its weight)


@pytest.mark.django_db
def test_a_counter_past_its_expiry_starts_again_and_the_sweep_deletes_ended_windows(database_store):
    now = int(time.time())
    RateCounter.objects.create(key="ended", count=7, expires=now - 1)
    RateCounter.objects.create(key="old.window", count=3, expires=now - 60)
    assert [count_hit("ended", ttl=60) for _ in range(2)] == [1, 2]
    assert now + 59 <= RateCounter.objects.get(key="ended").expires <= now + 61
    assert [count_hit("live", ttl=60) for _ in range(3)] == [1, 2, 3]

    assert sweep_rate_counters.delay().get() == 1
    assert sorted(RateCounter.objects.values_list("key", "count")) == [("ended", 2), ("live", 3)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_on_the_database_count_each_once(database_store):
    seen: list[int] = []

    def hit() -> None:
        try:
            seen.extend(count_hit("crowded", ttl=60) for _ in range(25))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(seen) == list(range(1, 201))
    assert RateCounter.objects.get(key="crowded").count == 200


@pytest.mark.redis
@pytest.mark.django_db
def test_limits_hold_on_redis_with_one_counter_per_window(api, me, settings, redis_store, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "2/day"}}
    assert [api.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
    window = int(mid_window // 86400)
    assert int(redis_store.get(f"{REDIS_PREFIX}throttle:default:u{me.pk}:{window}")) == 2  # not the refused
    assert [count_hit("probe", ttl=7) for _ in range(2)] == [1, 2]
    assert 0 < redis_store.ttl(REDIS_PREFIX + "probe") <= 7
    assert not RateCounter.objects.exists()  # nothing in the database while Redis holds them


@pytest.mark.django_db
def test_a_header_the_client_writes_is_no_way_around_a_limit(me, settings, database_store, mid_window):
    """DRF's own get_ident took all of X-Forwarded-For as the caller: a new value a request and the
    sign-in limit, which slows password guessing, never refused anyone."""
    from django.test import Client

    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"sign_in": "3/minute"}}
    client = Client(REMOTE_ADDR="198.51.100.7")
    codes = [
        client.post(
            "/api/v1/auth/token",
            {"handle": me.handle, "password": f"guess{i}"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        ).status_code
        for i in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]


@pytest.mark.django_db
def test_behind_trusted_proxies_the_address_the_outermost_saw_is_the_caller(me, settings, database_store, mid_window):
    settings.CASTFEED_CORE = {
        **settings.CASTFEED_CORE,
        "THROTTLE_RATES": {"sign_in": "2/minute"},
        "TRUSTED_PROXIES": 1,
    }
    from django.test import Client

    def sign_in(forwarded: str) -> int:
        client = Client(REMOTE_ADDR="127.0.0.1")  # the proxy
        body = {"handle": me.handle, "password": "wrong"}
        return client.post(
            "/api/v1/auth/token", body, content_type="application/json", HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    # The client's own prefix changes each time; the address nginx appended does not.
    assert [sign_in(f"10.0.0.{i}, 203.0.113.5") for i in range(3)] == [400, 400, 429]
    assert sign_in("203.0.113.6") == 400  # someone else behind the same proxy has their own limit


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, settings) -> None:  # type: ignore[no-untyped-def]
    """Each store in turn: the database (SQLite or PostgreSQL), then Redis when REDIS_URL is set."""
    settings.REDIS_URL = os.environ["REDIS_URL"] if request.param == "redis" else ""


@pytest.fixture
def set_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Sets the limits' clock (core.throttling's time) to the time given."""
    held = types.SimpleNamespace(time=time.time)
    monkeypatch.setattr("core.throttling.time", held)

    def set_to(now: float) -> None:
        held.time = lambda: now

    return set_to


@pytest.mark.django_db
def test_the_budget_at_a_windows_end_and_again_at_the_next_ones_start_is_the_budget_once(
    api, settings, store, set_clock
):
    """Fixed windows let 5 requests through in the last second of one minute and 5 more in the first
    second of the next: 10 in a second against a limit of 5 a minute. The minute before still weighs
    on this one as much as the part of it within the last 60 seconds."""
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "5/minute"}}
    edge = float(int(time.time()) // 60 * 60 + 600)  # a minute's start, later than now
    set_clock(edge - 0.5)
    assert [api.get("/api/v1/me").status_code for _ in range(5)] == [200] * 5
    set_clock(edge + 0.5)
    refused = [api.get("/api/v1/me") for _ in range(5)]
    assert [r.status_code for r in refused] == [429] * 5
    # 5 x (1 - 12/60) + 1 = 5: one more 12 s into the minute, and Retry-After says so.
    assert refused[-1]["Retry-After"] == "12" and refused[-1].json()["retry_after"] == 12


@pytest.mark.django_db
def test_the_window_before_weighs_less_as_it_slides_and_retry_after_is_when(api, settings, store, set_clock):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "5/minute"}}
    edge = float(int(time.time()) // 60 * 60 + 600)
    set_clock(edge - 0.5)
    assert [api.get("/api/v1/me").status_code for _ in range(5)] == [200] * 5
    set_clock(edge + 0.5)
    wait = int(api.get("/api/v1/me")["Retry-After"])
    set_clock(edge + 0.5 + wait - 1)  # a second early: still refused
    assert api.get("/api/v1/me").status_code == 429
    set_clock(edge + 0.5 + wait)
    assert [api.get("/api/v1/me").status_code for _ in range(2)] == [200, 429]  # one, as the weight allows
    set_clock(edge + 30)  # half of the minute before weighs: 2.5 + the one above; one more
    assert [api.get("/api/v1/me").status_code for _ in range(2)] == [200, 429]
    set_clock(edge + 60)  # the minute before no longer weighs; this one's 2 of 5 weigh whole
    assert [api.get("/api/v1/me").status_code for _ in range(4)] == [200, 200, 200, 429]
