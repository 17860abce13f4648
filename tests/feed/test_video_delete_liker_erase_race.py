"""A video is deleted (by a person it shows, or by its author) while someone who liked or commented on
it erases their account, or unlikes it: either deletes their like (or comment) and takes it off the
video's count (its row). The deletion locked the video's row, then deleted its likes (theirs among
them), while an unlike or the erasure deleted the like first, then waited for the video's row: on
PostgreSQL a deadlock, one of the two answered with an error. Each in its own thread and database
connection, against committed data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.races import pause_in, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize(
    ("engaged", "fan_does", "by", "pause"),
    [
        ("like", "erase", "person_in_it", "before"),
        ("like", "erase", "author", "before"),
        ("like", "unlike", "person_in_it", "before"),
        ("comment", "erase", "person_in_it", "before"),
        ("comment", "erase", "person_in_it", "after"),
    ],
)
def test_a_video_deleted_while_someone_who_liked_it_erases_their_account_or_unlikes_it_is_no_deadlock(
    engaged, fan_does, by, pause, make_user, make_video, client_of, monkeypatch
):
    maker, ria, fan = make_user("maker"), make_user("ria"), make_user("fan")
    video = make_video(maker, people=(ria,))
    if engaged == "like":
        feed_services.like_create(user=fan, video=video)
    else:
        feed_services.comment_create(author=fan, video=video, text="nice")

    at_the_fans_first_count = pause_in(  # the fan's first change to a video's count
        monkeypatch,
        feed_services,
        "_bump",
        after=pause == "after",
        thread=fan_does,
        when=lambda video_ids, **_: video_ids,
    )
    answers: dict[str, Any] = {}
    url = f"/api/v1/cameo/appearances/{video.pk}" if by == "person_in_it" else f"/api/v1/videos/{video.pk}"
    deleter = ria if by == "person_in_it" else maker
    fans_change = {
        "erase": lambda: accounts.account_erase(user=User.objects.get(pk=fan.pk)),
        "unlike": lambda: feed_services.like_delete(user=User.objects.get(pk=fan.pk), video=video),
    }[fan_does]
    errors = second_while_first_pauses(
        fans_change,
        lambda: answers.update(delete=client_of(deleter).delete(url)),
        at_the_fans_first_count,
        names=(fan_does, "delete"),
    )

    assert errors == []
    assert answers["delete"].status_code == 204, answers["delete"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
    assert User.objects.filter(pk=fan.pk).exists() == (fan_does == "unlike")


@pytest.mark.parametrize("pause", ["before", "after"])
def test_my_comment_deleted_by_the_videos_author_while_i_erase_my_account_is_no_deadlock(
    pause, make_user, make_video, client_of, monkeypatch
):
    """The video's author deletes my comment (its row, then the video's count) while my erasure takes
    my comments off the counts. Before, the erasure changed the count first (the video's row) and then
    deleted my comments: a deadlock with the author, and had it not been one, my comment counted off
    twice."""
    maker, fan = make_user("maker"), make_user("fan")
    video = make_video(maker)
    comment = feed_services.comment_create(author=fan, video=video, text="nice")
    feed_services.comment_create(author=make_user("another"), video=video, text="hello")

    at_the_first_count = pause_in(
        monkeypatch,
        feed_services,
        "_bump",
        after=pause == "after",
        thread="erase",
        when=lambda video_ids, **_: video_ids,
    )
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: accounts.account_erase(user=User.objects.get(pk=fan.pk)),
        lambda: answers.update(delete=client_of(maker).delete(f"/api/v1/comments/{comment.pk}")),
        at_the_first_count,
        names=("erase", "delete"),
    )

    assert errors == []
    assert answers["delete"].status_code in (204, 404), answers["delete"].content
    assert not User.objects.filter(pk=fan.pk).exists()
    assert Video.objects.get(pk=video.pk).comment_count == 1 == Comment.objects.filter(video=video).count()
