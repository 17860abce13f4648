"""A like or a comment and a block between the same two people at once: whichever commits first, no
like or comment is left across the block (the block takes each one's likes and comments off the
other's videos; one after it is a 404). The like or comment holds its person first, as the block holds
both (feed.services._engager_held). Each request in its own thread and database connection, against
committed data (SQLite with IMMEDIATE transactions by default; PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from feed import selectors
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.races import in_thread, pause_in, second_while_first_pauses

pytestmark = pytest.mark.django_db(transaction=True)

WRITES = {
    "like": lambda client, video_id: client.put(f"/api/v1/videos/{video_id}/like"),
    "comment": lambda client, video_id: client.post(
        f"/api/v1/videos/{video_id}/comments", {"text": "nice"}, format="json"
    ),
}
BLOCKERS = ["author-blocks", "fan-blocks"]


def _block(blocker_is_author: bool, fan: Any, author: Any, client_of: Any) -> Any:
    if blocker_is_author:
        return lambda: client_of(author).put(f"/api/v1/users/{fan.handle}/block")
    return lambda: client_of(fan).put(f"/api/v1/users/{author.handle}/block")


def _nothing_across_the_block(video: Video, answers: dict[str, int], errors: list[Any]) -> None:
    assert errors == []
    assert answers["block"] == 204
    assert answers["write"] == 404  # the video is nobody's to them once the block is made
    assert not Like.objects.exists() and not Comment.objects.exists()
    video.refresh_from_db()
    assert (video.like_count, video.comment_count) == (0, 0)


@pytest.mark.parametrize("blocker", BLOCKERS)
@pytest.mark.parametrize("write", WRITES)
def test_a_like_or_comment_checked_before_a_block_and_written_after_it_is_refused(
    write, blocker, make_user, client_of, make_video, monkeypatch
):
    """The fan's request found the video visible to them, then the block was made and committed
    before it wrote: the write sees the block (a 404), rather than leave a like or comment that the
    block's cleanup had already passed by."""
    fan, author = make_user("the.fan"), make_user("the.author")
    video = make_video(author)
    # The write pauses once it has found the video visible, until the block has committed (it waits
    # for nothing of this request's: the check runs before the write's transaction); a fixed pause let
    # a slow block commit after the write.
    pause = pause_in(monkeypatch, selectors, "video_visible_to", after=True, thread="write")
    answers: dict[str, int] = {}
    fan_client = client_of(fan)
    block = _block(blocker == "author-blocks", fan, author, client_of)
    errors = second_while_first_pauses(
        lambda: answers.update(write=WRITES[write](fan_client, video.pk).status_code),
        lambda: answers.update(block=block().status_code),
        pause,
        names=("write", "block"),
        wait=30,
    )

    _nothing_across_the_block(video, answers, errors)


@pytest.mark.postgres
@pytest.mark.parametrize("blocker", BLOCKERS)
@pytest.mark.parametrize("write", WRITES)
def test_a_like_or_comment_made_while_a_block_commits_waits_for_it(
    write, blocker, make_user, client_of, make_video, monkeypatch
):
    """The block has taken their likes and comments off and not yet committed when the fan's request
    comes: it waits for the block (it holds the fan, as the block does) and then sees it. Unheld, it
    read no block, wrote, and committed first, and the block's cleanup had not seen it."""
    fan, author = make_user("the.fan"), make_user("the.author")
    video = make_video(author)
    pause = pause_in(monkeypatch, feed_services, "engagement_end_for_block", after=True)
    answers: dict[str, int] = {}
    block = _block(blocker == "author-blocks", fan, author, client_of)
    fan_client = client_of(fan)
    errors = second_while_first_pauses(
        lambda: answers.update(block=block().status_code),
        lambda: answers.update(write=WRITES[write](fan_client, video.pk).status_code),
        pause,
        names=("block", "write"),
    )

    _nothing_across_the_block(video, answers, errors)


@pytest.mark.postgres
def test_likes_unlikes_comments_and_blocks_between_two_people_at_once_never_deadlock(make_user, client_of, make_video):
    """Each likes, unlikes, comments on and deletes comments under the other's videos while one blocks
    and unblocks the other, over and over: every request answers (a 404 across a block, never an
    error), and no like or comment is left across the block made last."""
    fan, author = make_user("the.fan"), make_user("the.author")
    theirs = [make_video(author), make_video(author)]
    mine = [make_video(fan)]
    errors: list[Any] = []
    statuses: set[int] = set()

    def engage(person: Any, videos: list[Video]) -> Any:
        client = client_of(person)

        def work() -> None:
            for _, video in zip(range(15), itertools.cycle(videos), strict=False):
                statuses.add(client.put(f"/api/v1/videos/{video.pk}/like").status_code)
                said = client.post(f"/api/v1/videos/{video.pk}/comments", {"text": "hi"}, format="json")
                statuses.add(said.status_code)
                statuses.add(client.delete(f"/api/v1/videos/{video.pk}/like").status_code)
                statuses.add(client.put(f"/api/v1/videos/{video.pk}/like").status_code)
                if said.status_code == 201:
                    statuses.add(client.delete(f"/api/v1/comments/{said.json()['id']}").status_code)

        return work

    def block_and_unblock() -> None:
        client = client_of(author)
        for _ in range(15):
            statuses.add(client.put(f"/api/v1/users/{fan.handle}/block").status_code)
            statuses.add(client.delete(f"/api/v1/users/{fan.handle}/block").status_code)
        statuses.add(client.put(f"/api/v1/users/{fan.handle}/block").status_code)

    threads = [
        in_thread(engage(fan, theirs), name="fan", errors=errors),
        in_thread(engage(author, mine), name="author", errors=errors),
        in_thread(block_and_unblock, name="block", errors=errors),
    ]
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    assert statuses <= {201, 204, 404}
    assert not Like.objects.exists() and not Comment.objects.exists()
    for video in [*theirs, *mine]:
        video.refresh_from_db()
        assert (video.like_count, video.comment_count) == (0, 0)


@pytest.mark.postgres
def test_a_comment_deleted_from_a_video_that_a_block_deletes_with_videos_delete_is_no_deadlock(
    make_user, make_video, client_of, monkeypatch
):
    """I block the author of a video that shows me, with `videos=delete`, which I liked: the block
    takes my like off its count (its row), then deletes it. Meanwhile someone deletes their comment
    on it: the comment, then the video's row. The block held the row, then waited for the comment to
    delete the video; on PostgreSQL a deadlock, the block or the deletion answered with a 500. The
    block now holds the likes and comments of the videos it deletes before any count changes."""
    me, author, fan = make_user("me.shown"), make_user("the.author"), make_user("the.fan")
    video = make_video(author, people=(me,))
    feed_services.like_create(user=me, video=video)
    comment = feed_services.comment_create(author=fan, video=video, text="nice")

    # once my like is taken off the count
    pause = pause_in(
        monkeypatch, feed_services, "_bump", after=True, thread="block", when=lambda video_ids, **deltas: video_ids
    )
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(block=client_of(me).put(f"/api/v1/users/{author.handle}/block?videos=delete")),
        lambda: answers.update(delete=client_of(fan).delete(f"/api/v1/comments/{comment.pk}")),
        pause,
        names=("block", "delete"),
    )

    assert errors == []
    assert answers["block"].status_code == 204, answers["block"].content
    assert answers["delete"].status_code in (204, 404), answers["delete"].content
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
