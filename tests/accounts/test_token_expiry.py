"""A sign-in nobody used for CASTFEED_ACCOUNTS_TOKEN_IDLE_DAYS stops working on its own."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import AuthToken
from accounts.tasks import purge_idle_tokens
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _signed_in(anon, handle="me.myself"):
    token = anon.post("/api/v1/auth/token", {"handle": handle, "password": PASSWORD}, format="json").json()["token"]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _last_used(days_ago, **filters):
    AuthToken.objects.filter(**filters).update(last_used_at=timezone.now() - dt.timedelta(days=days_ago))


def test_a_token_unused_for_the_idle_days_is_refused_and_deleted(anon, me):
    header = _signed_in(anon)
    _last_used(61)

    response = anon.get("/api/v1/me", **header)

    assert response.status_code == 401
    assert response.json() == {
        "error": "authentication_failed",
        "detail": "This sign-in was not used for 60 days and has expired; sign in again.",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not AuthToken.objects.filter(user=me).exists()
    assert anon.get("/api/v1/me", **_signed_in(anon)).status_code == 200  # signing in again works


def test_using_a_token_keeps_it_alive(anon, me):
    header = _signed_in(anon)
    _last_used(59)

    assert anon.get("/api/v1/me", **header).status_code == 200

    token = AuthToken.objects.get(user=me)
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)  # counted from this use
    _last_used(59)
    assert anon.get("/api/v1/feed", **header).status_code == 200  # any endpoint counts, reads too
    assert timezone.now() - AuthToken.objects.get(user=me).last_used_at < dt.timedelta(minutes=1)


def test_an_expired_token_ends_only_itself(anon, me):
    old, fresh = _signed_in(anon), _signed_in(anon)
    stale = AuthToken.objects.filter(user=me).order_by("pk").first()
    _last_used(61, pk=stale.pk)

    assert anon.get("/api/v1/me", **old).status_code == 401
    assert anon.get("/api/v1/me", **fresh).status_code == 200


def test_the_idle_days_are_a_setting(anon, me, settings):
    header = _signed_in(anon)
    _last_used(8)
    settings.CASTFEED_ACCOUNTS = {**settings.CASTFEED_ACCOUNTS, "TOKEN_IDLE_DAYS": 7}

    response = anon.get("/api/v1/me", **header)

    assert response.status_code == 401
    assert "7 days" in response.json()["detail"]


def test_the_daily_purge_deletes_only_idle_tokens(anon, me, other):
    _signed_in(anon), _signed_in(anon, handle="other.person")
    _last_used(61, user=me)
    _last_used(59, user=other)

    assert purge_idle_tokens() == 1

    assert not AuthToken.objects.filter(user=me).exists()
    assert AuthToken.objects.filter(user=other).count() == 1


def test_a_new_token_starts_its_idle_time_now(me):
    services.token_issue(user=me)
    assert timezone.now() - AuthToken.objects.get(user=me).last_used_at < dt.timedelta(minutes=1)


def test_use_is_recorded_at_most_once_a_day(anon, me):
    """Every request reads the token; only the first of a day writes (no UPDATE per request)."""
    header = _signed_in(anon)
    _last_used(0.5)  # used twelve hours ago
    before = AuthToken.objects.get(user=me).last_used_at

    assert anon.get("/api/v1/me", **header).status_code == 200

    assert AuthToken.objects.get(user=me).last_used_at == before
