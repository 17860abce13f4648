"""Every video of me deleted in one transaction (my cameo's deletion with its videos) while a fan likes
(or comments on) one of them that it has not deleted yet, and then takes it back: both are answered.
The deletion held the likes and comments of all the videos at its start, but not their rows
(feed.services.videos_hold_for_deleting), so the fan's like committed meanwhile; their unlike holds
it, then the video's count (its row). Each video's deletion holds its likes and comments again, before
its row (feed.services.video_delete): held only at the start, the deletion held the video's row and
waited for the like, while the unlike waited for the row (on PostgreSQL a deadlock, one of the two
answered with an error). Each in its own thread and database connection, against committed data
(PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.generation.test_publish_race import PAUSE_S, in_thread

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("engaged", ["like", "comment"])
def test_my_videos_deleted_while_a_fan_likes_one_not_yet_deleted_and_takes_it_back_answers_both(
    engaged, me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me)
    maker, fan = make_user("video.maker"), make_user("fan")
    first, second = sorted((make_video(maker, people=(me,)), make_video(maker, people=(me,))), key=lambda v: v.pk)

    # The deletion pauses once it has deleted the first video (every hold of it taken), before the second.
    deleting, go_on = threading.Event(), threading.Event()
    delete = feed_services.video_delete

    def delete_then_pause(*, video: Any, by: Any = None) -> None:
        delete(video=video, by=by)
        if threading.current_thread().name == "delete" and not deleting.is_set():
            deleting.set()
            go_on.wait(timeout=30)

    # The fan's take-back pauses holding the like (or comment), before the video's count.
    taking_back, back_on = threading.Event(), threading.Event()
    bump = feed_services._bump

    def pause_then_bump(*args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "take back" and not taking_back.is_set():
            taking_back.set()
            back_on.wait(timeout=30)
        bump(*args, **kwargs)

    monkeypatch.setattr(feed_services, "video_delete", delete_then_pause)
    monkeypatch.setattr(feed_services, "_bump", pause_then_bump)
    errors: list[Any] = []
    answers: dict[str, Any] = {}
    deletion = in_thread(
        lambda: answers.update(delete=client_of(me).delete("/api/v1/cameo?appearances=delete")),
        name="delete",
        errors=errors,
    )
    assert deleting.wait(timeout=60)
    if engaged == "like":
        feed_services.like_create(user=fan, video=Video.objects.get(pk=second.pk))
        take_back = lambda: feed_services.like_delete(user=fan, video=Video.objects.get(pk=second.pk))  # noqa: E731
    else:
        comment = feed_services.comment_create(author=fan, video=Video.objects.get(pk=second.pk), text="nice")
        take_back = lambda: feed_services.comment_delete(comment=comment, by=fan)  # noqa: E731
    taker = in_thread(take_back, name="take back", errors=errors)
    assert taking_back.wait(timeout=60)
    go_on.set()
    deletion.join(timeout=PAUSE_S)  # the deletion reaches the second video and waits for the like
    back_on.set()
    deletion.join(timeout=60)
    taker.join(timeout=60)
    assert not deletion.is_alive() and not taker.is_alive()

    assert errors == []
    assert answers["delete"].status_code == 204, answers["delete"].content[:300]
    assert not Video.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
