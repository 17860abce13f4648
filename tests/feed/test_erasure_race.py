"""What a person does with a video (a comment, a like) while they erase their account on another
device: one waits for the other, neither answers with an error. Each in its own thread and database
connection, against committed data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.generation.test_publish_race import _second_while_first_pauses

pytestmark = pytest.mark.django_db(transaction=True)


ACTIONS = {
    "comment": lambda me, video: feed_services.comment_create(author=me, video=video, text="nice"),
    "like": lambda me, video: feed_services.like_create(user=me, video=video),
}


@pytest.mark.postgres
@pytest.mark.parametrize("action", ACTIONS)
def test_commenting_on_or_liking_a_video_i_watched_while_i_erase_my_account_is_no_deadlock(
    action, me, make_user, make_video, monkeypatch
):
    """My comment (or like) held the video (its count), then needed my account row at commit (the row
    names me); my erasure held my account row, then took my view off the video's count (its row): on
    PostgreSQL a deadlock, one of the two answered with an error. The comment, like or view now holds
    me first (accounts.services.people_keep), so one waits for the other."""
    video = make_video(make_user("the.author"))
    feed_services.view_record(viewer=me, video=video, watched_ms=1000, completed=True)

    paused, go_on = threading.Event(), threading.Event()
    bump = feed_services._bump

    def bump_then_pause(*args: Any, **kwargs: Any) -> None:  # the video held, the comment or like stored
        bump(*args, **kwargs)
        if threading.current_thread().name == action and not paused.is_set():
            paused.set()
            go_on.wait(timeout=30)

    monkeypatch.setattr(feed_services, "_bump", bump_then_pause)
    errors = _second_while_first_pauses(
        lambda: ACTIONS[action](User.objects.get(pk=me.pk), video),
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        paused,
        go_on,
        names=(action, "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=me.pk).exists() and not Comment.objects.exists() and not Like.objects.exists()
    video = Video.objects.get(pk=video.pk)
    assert (video.comment_count, video.like_count, video.view_count) == (0, 0, 0)
