"""A person likes a video on one device while unliking it on another (a quick double tap does the
same): the unlike deleted the like, then waited for the video's row to take it off the count, while
the like held the video's row first, then inserted the same like and waited for the unlike (the
unique key): on PostgreSQL a deadlock, one of the two answered with an error (a 500). Now the like is
written before the video's row is held, in the order an unlike takes them. Each in its own thread and
database connection, against committed data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

from typing import Any

import pytest

from feed import services as feed_services
from feed.models import Like, Video
from tests.races import pause_in, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_a_like_sent_while_the_same_like_is_being_taken_back_is_answered_and_counted(
    make_user, make_video, client_of, monkeypatch
):
    maker, fan = make_user("maker"), make_user("fan")
    video = make_video(maker)
    feed_services.like_create(user=fan, video=video)
    # The unlike pauses once its like is deleted, before it takes it off the count.
    pause = pause_in(monkeypatch, feed_services, "_bump", thread="unlike")
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(unlike=client_of(fan).delete(f"/api/v1/videos/{video.pk}/like")),
        lambda: answers.update(like=client_of(fan).put(f"/api/v1/videos/{video.pk}/like")),
        pause,
        names=("unlike", "like"),
    )

    assert errors == []
    assert answers["unlike"].status_code == 204, answers["unlike"].content
    assert answers["like"].status_code == 204, answers["like"].content
    assert Like.objects.filter(user=fan, video=video).count() == 1  # the like came after the unlike
    assert Video.objects.get(pk=video.pk).like_count == 1
