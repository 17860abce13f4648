"""Someone likes or plays a video while a comment on it is being deleted: they are answered at once,
without waiting for the deletion. The deletion held its comment with the video's row
(SELECT ... FOR UPDATE of the comment joined to its video locks both rows on PostgreSQL), from the
start, so every like, comment and play of that video waited for it to commit. It holds the comment
alone now, and the video's row only to change its count, as a like does. Each in its own thread and
database connection, against committed data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

from typing import Any

import pytest

from feed import services as feed_services
from feed.models import Comment, Like, Video, View
from tests.races import pause_in, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

WAIT_S = 10  # far more than a like or a play takes; without waiting for the deletion, done long before


@pytest.mark.parametrize("fan_does", ["like", "play"])
def test_a_like_or_a_play_while_a_comment_on_the_video_is_being_deleted_is_answered_at_once(
    fan_does, make_user, make_video, client_of, monkeypatch
):
    maker, fan = make_user("maker"), make_user("fan")
    video = make_video(maker)
    comment = feed_services.comment_create(author=make_user("commenter"), video=video, text="nice")

    # The deletion pauses once it holds the comment, before it changes the video's count.
    pause = pause_in(monkeypatch, feed_services, "_bump", thread="delete")
    api = client_of(fan)
    send = {
        "like": lambda: api.put(f"/api/v1/videos/{video.pk}/like"),
        "play": lambda: api.post(
            f"/api/v1/videos/{video.pk}/views", {"watched_ms": 400, "completed": True}, format="json"
        ),
    }[fan_does]
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(delete=client_of(maker).delete(f"/api/v1/comments/{comment.pk}")),
        lambda: answers.update(fan=send(), while_the_deletion_held_its_comment=not pause.go_on.is_set()),
        pause,
        names=("delete", fan_does),
        wait=WAIT_S,
    )

    assert errors == []
    assert answers["while_the_deletion_held_its_comment"]
    assert answers["fan"].status_code == 204, answers["fan"].content[:300]
    assert answers["delete"].status_code == 204, answers["delete"].content[:300]
    video = Video.objects.get(pk=video.pk)
    assert video.comment_count == 0 and not Comment.objects.exists()
    if fan_does == "like":
        assert video.like_count == 1 == Like.objects.filter(video=video).count()
    else:
        assert video.completed_view_count == 1 == View.objects.filter(video=video).count()
