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

from typing import Any

import pytest

from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.races import PAUSE_S, in_thread, pause_in, until_done_or_blocked

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("engaged", ["like", "comment"])
def test_my_videos_deleted_while_a_fan_likes_one_not_yet_deleted_and_takes_it_back_answers_both(
    engaged, me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me)
    maker, fan = make_user("video.maker"), make_user("fan")
    first, second = sorted((make_video(maker, people=(me,)), make_video(maker, people=(me,))), key=lambda v: v.pk)

    # The deletion pauses once it has deleted the first video (every hold of it taken), before the second;
    # the fan's take-back pauses holding the like (or comment), before the video's count.
    deleting = pause_in(monkeypatch, feed_services, "video_delete", after=True, thread="delete")
    taking_back = pause_in(monkeypatch, feed_services, "_bump", thread="take back")
    errors: list[Any] = []
    answers: dict[str, Any] = {}
    deletion = in_thread(
        lambda: answers.update(delete=client_of(me).delete("/api/v1/cameo?appearances=delete")),
        name="delete",
        errors=errors,
    )
    assert deleting.reached.wait(timeout=60)
    if engaged == "like":
        feed_services.like_create(user=fan, video=Video.objects.get(pk=second.pk))
        take_back = lambda: feed_services.like_delete(user=fan, video=Video.objects.get(pk=second.pk))  # noqa: E731
    else:
        comment = feed_services.comment_create(author=fan, video=Video.objects.get(pk=second.pk), text="nice")
        take_back = lambda: feed_services.comment_delete(comment=comment, by=fan)  # noqa: E731
    taker = in_thread(take_back, name="take back", errors=errors)
    assert taking_back.reached.wait(timeout=60)
    deleting.go_on.set()
    until_done_or_blocked(deletion, PAUSE_S)  # the deletion reaches the second video and waits for the like
    taking_back.go_on.set()
    deletion.join(timeout=60)
    taker.join(timeout=60)
    assert not deletion.is_alive() and not taker.is_alive()

    assert errors == []
    assert answers["delete"].status_code == 204, answers["delete"].content[:300]
    assert not Video.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
