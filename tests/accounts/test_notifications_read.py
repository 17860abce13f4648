"""POST /notifications/read marks what GET /notifications shows: a notification hidden by a block
(or by an account support deactivated) is neither counted in `read` nor marked read, so nothing
tells the caller it is there, and it shows again unread after the unblock (or the reactivation)."""

import pytest

from accounts import services
from accounts.models import Notification

pytestmark = pytest.mark.django_db
LIST, READ = "/api/v1/notifications", "/api/v1/notifications/read"


@pytest.mark.parametrize("hidden_by", ["they blocked me", "I blocked them", "support deactivated them"])
def test_marking_read_counts_and_marks_only_the_notifications_shown(api, me, other, make_user, hidden_by):
    services.notify(user_id=me.pk, kind="cameo_requested", about=other.pk, handle=other.handle)
    stranger = make_user("a.stranger")
    services.notify(user_id=me.pk, kind="cameo_requested", about=stranger.pk, handle=stranger.handle)
    if hidden_by == "they blocked me":
        services.block_create(blocker=other, blocked=me)
    elif hidden_by == "I blocked them":
        services.block_create(blocker=me, blocked=other)
    else:
        services.user_active_set(user=other, active=False)

    assert [n["data"]["handle"] for n in api.get(LIST).json()["results"]] == ["a.stranger"]
    assert api.post(READ).json() == {"read": 1}
    assert api.post(READ).json() == {"read": 0}

    services.block_delete(blocker=other, blocked=me)
    services.block_delete(blocker=me, blocked=other)
    services.user_active_set(user=other, active=True)
    shown = {n["data"]["handle"]: n["read"] for n in api.get(LIST).json()["results"]}
    assert shown == {"other.person": False, "a.stranger": True}  # never shown, so never read
    assert Notification.objects.filter(user=me, read_at__isnull=True).count() == 1
