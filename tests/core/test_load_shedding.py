"""Load shedding by queue time (core.middleware.ShedLateRequests): a request the proxy stamped longer
ago than QUEUE_BUDGET_MS is refused with 503 before any work; a fresh one, one without the stamp and
one with a stamp that is no time are served as before."""

import logging
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
    body = response.json()
    assert body["error"] == "unavailable"
    assert 1 <= body["retry_after"] <= 5 and response["Retry-After"] == str(body["retry_after"])
    assert not User.objects.filter(handle="late.comer").exists()


@pytest.mark.parametrize(
    "header",
    [
        lambda: f"{(time.time() - 3) * 1000:.0f}",  # milliseconds, bare (HAProxy)
        lambda: f"t={stamp(60)[2:]}, t={time.time() - 3:.3f}",  # appended after a client's: the last counts
    ],
)
def test_other_stamps_of_a_late_request_are_read(api, header):
    assert api.get("/api/v1/me", HTTP_X_REQUEST_START=header()).status_code == 503


# -60: the proxy's clock ahead; "t=5" and 600 s ago: no queue is that long, so clocks apart (logged).
@pytest.mark.parametrize("header", [None, 0.05, "t=soon", "t=-1", "t=inf", "t=nan", "t=5", -60.0, 600.0])
def test_a_fresh_unstamped_or_unreadable_request_is_served(api, header):
    if isinstance(header, float):
        header = stamp(header)
    extra = {"HTTP_X_REQUEST_START": header} if header else {}
    response = api.get("/api/v1/me", **extra)
    assert response.status_code == 200, response.content


def test_health_probes_are_never_refused(anon):
    response = anon.get("/healthz", HTTP_X_REQUEST_START=stamp(5))
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


def test_refusals_are_counted_in_one_warning_a_minute_not_an_error_line_each(api, caplog):
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert api.get("/api/v1/me", HTTP_X_REQUEST_START=stamp(5)).status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.errors"]
    assert len(warnings) == 1 and "1 requests refused (503)" in warnings[0], warnings
