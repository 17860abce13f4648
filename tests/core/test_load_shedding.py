"""Load shedding by queue time (core.middleware.ShedLateRequests): a request the proxy stamped longer
ago than QUEUE_BUDGET_MS is refused with 503 before any work; a fresh one, one without the stamp and
one with a stamp that is no time are served as before."""

import time

import pytest

from accounts.models import User
from core.middleware import queued_since

pytestmark = pytest.mark.django_db


def stamp(seconds_ago: float) -> str:
    return f"t={time.time() - seconds_ago:.3f}"  # as nginx's ${msec} writes it


def test_a_request_that_waited_past_the_budget_is_refused_and_stores_nothing(anon, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = anon.post(
            "/api/v1/auth/register",
            {"handle": "late.comer", "password": "a long enough passphrase"},
            format="json",
            HTTP_X_REQUEST_START=stamp(5),
        )
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert response["Retry-After"] == "1"
    assert not User.objects.filter(handle="late.comer").exists()


@pytest.mark.parametrize("header", [None, 0.05, "t=soon", "t=-1", "t=inf", -60.0])  # -60: a clock ahead
def test_a_fresh_unstamped_or_unreadable_request_is_served(api, header):
    if isinstance(header, float):
        header = stamp(header)
    extra = {"HTTP_X_REQUEST_START": header} if header else {}
    response = api.get("/api/v1/me", **extra)
    assert response.status_code == 200, response.content


def test_no_budget_sheds_nothing(api, settings):
    settings.CASTFEED_CORE = {**getattr(settings, "CASTFEED_CORE", {}), "QUEUE_BUDGET_MS": 0}
    assert api.get("/api/v1/me", HTTP_X_REQUEST_START=stamp(60)).status_code == 200


def test_seconds_milliseconds_and_microseconds_are_read_alike():
    now = 1_764_700_000.25
    assert queued_since("t=1764700000.250") == pytest.approx(now)
    assert queued_since("1764700000250") == pytest.approx(now)
    assert queued_since("t=1764700000250000") == pytest.approx(now)
    assert queued_since("t=") is None
