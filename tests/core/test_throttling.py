"""Rate limits on the real cache backends: local memory by default, Redis in production."""

import os

import pytest
from django.core.cache import caches

from core.throttling import count_hit, parse_rate

pytestmark = pytest.mark.django_db


def test_parse_rate():
    assert parse_rate("30/minute") == (30, 60)
    assert parse_rate("5/s") == (5, 1)
    assert parse_rate("100/day") == (100, 86400)


@pytest.mark.redis
def test_limits_hold_on_redis_with_one_counter_per_window(api, settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis (set REDIS_URL)")
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": url}}
    settings.CASTFEED_THROTTLE_RATES = {**settings.CASTFEED_THROTTLE_RATES, "default": "2/minute"}
    caches["default"].clear()
    try:
        assert [api.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 429]
        assert [count_hit("probe", ttl=7) for _ in range(2)] == [1, 2]
        backend = caches["default"]
        assert 0 < backend._cache.get_client().ttl(backend.make_and_validate_key("probe")) <= 7
    finally:
        caches["default"].clear()
