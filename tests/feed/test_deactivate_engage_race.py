"""A like or a comment sent while support deactivates the account on another connection: the write
waits for the deactivation (it holds the person, FOR SHARE, which the deactivation's hold of the account
row conflicts with) and then reads the account as the deactivation committed it, in the statement that
held it (accounts.services.people_keep_active): refused (403 account_deactivated), nothing written or
counted. Read as it was before the wait, the like or comment was counted while the deactivation hid it,
and counted again on reactivation. Each in its own thread and database connection, against committed
data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from accounts import services as accounts
from accounts.models import User
from core.exceptions import ApplicationError
from feed import services
from feed.models import Comment, Like, Video
from tests.races import Pause, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WRITES = {
    "like": lambda user, video: services.like_create(user=user, video=video),
    "comment": lambda user, video: services.comment_create(author=user, video=video, text="hi"),
}


@pytest.mark.parametrize("write", WRITES)
def test_a_like_or_comment_sent_while_support_deactivates_the_account_waits_and_is_refused(
    write, me, make_user, make_video
):
    troll = make_user("the.troll")
    video = make_video(me)
    signed_in = User.objects.get(pk=troll.pk)  # as the request's authentication read it: active

    pause = Pause()

    def deactivate() -> None:  # committed only once the write is waiting for the account row
        with transaction.atomic():
            accounts.user_active_set(user=User.objects.get(pk=troll.pk), active=False)
            pause()

    answers: list[Any] = []

    def engage() -> None:
        try:
            WRITES[write](signed_in, Video.objects.get(pk=video.pk))
            answers.append("written")
        except ApplicationError as refused:
            answers.append((refused.status_code, refused.code))

    errors = second_while_first_pauses(deactivate, engage, pause, names=("deactivate", write))

    assert errors == []
    assert answers == [(403, "account_deactivated")]
    assert not Like.objects.exists() and not Comment.objects.exists()
    video.refresh_from_db()
    assert (video.like_count, video.comment_count) == (0, 0)
