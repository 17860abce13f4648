"""Two people who met on the app erase their accounts at the same moment: both erasures go through,
neither answers with an error. Each in its own thread and database connection, against committed
data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db.models.signals import post_delete

from accounts import services as accounts
from accounts.models import Notification, User
from tests.generation.test_publish_race import _second_while_first_pauses

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _both_erased_while_hers_pauses(her: User, him: User, paused: threading.Event, go_on: threading.Event) -> list[Any]:
    return _second_while_first_pauses(
        lambda: accounts.account_erase(user=User.objects.get(pk=her.pk)),
        lambda: accounts.account_erase(user=User.objects.get(pk=him.pk)),
        paused,
        go_on,
        names=("her", "him"),
    )


def test_two_people_who_asked_for_each_others_cameo_erasing_their_accounts_at_once_is_no_deadlock(make_user):
    """Each was told that the other asked for their cameo. Her erasure deleted the notifications about
    her (his), then her own with her account row (hers about him); his did the same the other way: each
    held one the other was about to delete, on PostgreSQL a deadlock, one erasure failed. Each erasure
    now holds both kinds in one id order before it deletes any."""
    her, him = make_user("her"), make_user("him")
    kind = Notification.Kind.CAMEO_REQUESTED
    accounts.notify(user_id=her.pk, kind=kind, about=him.pk, handle=him.handle)
    accounts.notify(user_id=him.pk, kind=kind, about=her.pk, handle=her.handle)

    paused, go_on = threading.Event(), threading.Event()

    def pause(sender: Any, **kwargs: Any) -> None:  # her first notification deleted, the rest not yet
        if threading.current_thread().name == "her" and not paused.is_set():
            paused.set()
            go_on.wait(timeout=30)

    post_delete.connect(pause, sender=Notification, weak=False, dispatch_uid="test.pause_erasure")
    try:
        errors = _both_erased_while_hers_pauses(her, him, paused, go_on)
    finally:
        post_delete.disconnect(sender=Notification, dispatch_uid="test.pause_erasure")

    assert errors == []
    assert not User.objects.filter(pk__in=[her.pk, him.pk]).exists()
    assert not Notification.objects.exists()
