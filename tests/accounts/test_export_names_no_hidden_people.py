"""GET /me/export and GET /notifications name no one the person's own lists hide: someone who
blocked them (who does not exist for them), someone they blocked (in notifications, as the list
does), or an account support deactivated (found by no handle)."""

import pytest

from accounts import services as accounts_services
from accounts.models import User
from cameos import services as cameo_services

pytestmark = pytest.mark.django_db


def handles_in(value):
    """Every string anywhere in an export body."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in handles_in(v)]
    if isinstance(value, list):
        return [s for v in value for s in handles_in(v)]
    return [value] if isinstance(value, str) else []


@pytest.fixture
def asker(make_user, me, activate_cameo):
    """Someone who asked to use my cameo (a request and a notification naming them)."""
    activate_cameo(me, audience="approved")
    person = make_user("the.asker")
    cameo_services.grant_request(requester=person, owner=me)
    return person


def test_someone_who_blocked_me_is_not_in_my_export(api, me, asker):
    assert "the.asker" in handles_in(api.get("/api/v1/me/export").json())
    accounts_services.block_create(blocker=asker, blocked=me)
    body = api.get("/api/v1/me/export").json()
    assert "the.asker" not in handles_in(body)
    assert body["notifications"] == [] and body["grants_given"] == []
    assert api.get("/api/v1/notifications").json()["results"] == []


def test_someone_i_blocked_is_not_in_my_exported_notifications(api, me, asker):
    accounts_services.block_create(blocker=me, blocked=asker)
    body = api.get("/api/v1/me/export").json()
    assert body["notifications"] == []
    assert body["blocked"] == ["the.asker"]  # the list of whom I blocked still says it


def test_a_deactivated_account_is_named_nowhere_in_my_export_or_notifications(api, me, asker, other):
    accounts_services.follow_create(follower=asker, followee=me)
    accounts_services.follow_create(follower=me, followee=asker)
    accounts_services.follow_create(follower=me, followee=other)
    assert len(api.get("/api/v1/notifications").json()["results"]) == 1
    accounts_services.user_active_set(user=User.objects.get(pk=asker.pk), active=False)
    body = api.get("/api/v1/me/export").json()
    assert "the.asker" not in handles_in(body)
    assert (body["followers"], body["following"], body["notifications"]) == ([], ["other.person"], [])
    assert api.get("/api/v1/notifications").json()["results"] == []
    # Opened again: shown again.
    accounts_services.user_active_set(user=User.objects.get(pk=asker.pk), active=True)
    assert len(api.get("/api/v1/notifications").json()["results"]) == 1
