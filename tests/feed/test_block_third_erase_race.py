"""A block (without its videos of me) while a third person, who liked one of the blocker's videos and
commented on another, erases their account: both take likes and comments off the same two videos'
counts. Each changed its like counts, then its comment counts: the block took the blocked's like off
the second video and then their comment off the first, the erasure its like off the first and then
its comment off the second (or the other way round); each held one video's row and waited for the
other's (a deadlock on PostgreSQL, one of the two a 500; found by benchmarks/engagement_stress.py
seed 5). Both now hold
every video whose counts they change in id order before changing any (feed.services._counts_hold).
And a block while someone shown in one of the blocker's videos erases their account: the block
changed that video's counts twice, and PostgreSQL checked its person rows' foreign keys again at
commit, the erased person's account among them (feed.services.engagement_end_for_block now changes
each video's counts once). And a block while a third person who follows the blocked erases their
account: both changed the blocked's stored follower count, the erasure last (accounts.services.
account_erase now ends the follows first). Each in its own thread and database connection, against committed data
(PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import Block, Follow, FollowerCount, User
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.races import pause_in, second_while_first_pauses, while_erasing_paused_at_the_end

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("paused", ["block", "erase"])
def test_a_block_while_a_third_person_who_engaged_with_the_same_videos_erases_their_account_is_no_deadlock(
    paused, make_user, make_video, client_of, monkeypatch
):
    author, troll, fan = make_user("the.author"), make_user("the.troll"), make_user("the.fan")
    first, second = make_video(author), make_video(author)
    assert first.pk < second.pk
    # The paused one takes a like off the second video, then a comment off the first; the other a like
    # off the first, then a comment off the second (the block: the troll's, the erasure: the fan's).
    pauses, goes = (troll, fan) if paused == "block" else (fan, troll)
    feed_services.like_create(user=pauses, video=second)
    feed_services.comment_create(author=pauses, video=first, text="meh")
    feed_services.like_create(user=goes, video=first)
    feed_services.comment_create(author=goes, video=second, text="nice")

    changed: list[Any] = []

    def the_second_count(video_ids: Any, **deltas: Any) -> bool:  # one video's count changed
        if video_ids:
            changed.append(video_ids)
        return bool(video_ids) and len(changed) == 2

    pause = pause_in(monkeypatch, feed_services, "_bump", thread=paused, when=the_second_count)
    answers: dict[str, Any] = {}
    block = lambda: answers.update(block=client_of(author).put(f"/api/v1/users/{troll.handle}/block"))  # noqa: E731
    erase = lambda: accounts.account_erase(user=User.objects.get(pk=fan.pk))  # noqa: E731
    works = {"block": block, "erase": erase}
    other = "erase" if paused == "block" else "block"
    errors = second_while_first_pauses(works[paused], works[other], pause, names=(paused, other))

    assert errors == []
    assert answers["block"].status_code == 204, answers["block"].content[:300]
    assert Block.objects.filter(blocker=author, blocked=troll).exists()
    assert not User.objects.filter(pk=fan.pk).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
    counts = Video.objects.filter(pk__in=[first.pk, second.pk]).values_list("like_count", "comment_count")
    assert list(counts) == [(0, 0), (0, 0)]


def test_a_block_while_someone_shown_in_the_blockers_video_erases_their_account_is_no_deadlock(
    make_user, make_video, client_of, monkeypatch
):
    """The block took the blocked's like off the video's count and then their comment: two updates of
    the video's row and its person rows in one transaction, whose foreign keys PostgreSQL checks again
    at commit, the account of the person it shows among them, while that person's erasure held their
    account row and waited for the video's row (to take their own like off): a deadlock (found by
    benchmarks/engagement_stress.py seed 5). The block now updates each video's counts once."""
    author, troll, shown = make_user("the.author"), make_user("the.troll"), make_user("the.shown")
    video = make_video(author, people=(shown,))
    feed_services.like_create(user=troll, video=video)
    feed_services.comment_create(author=troll, video=video, text="meh")
    feed_services.like_create(user=shown, video=video)

    # once the counts are changed, not yet committed
    pause = pause_in(monkeypatch, feed_services, "engagement_end_for_block", after=True, thread="block")
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(block=client_of(author).put(f"/api/v1/users/{troll.handle}/block")),
        lambda: accounts.account_erase(user=User.objects.get(pk=shown.pk)),
        pause,
        names=("block", "erase"),
    )

    assert errors == []
    assert answers["block"].status_code == 204, answers["block"].content[:300]
    assert not User.objects.filter(pk=shown.pk).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
    assert Video.objects.filter(pk=video.pk).values_list("like_count", "comment_count").get() == (0, 0)


@pytest.mark.parametrize("videos", ["keep", "delete"])
def test_a_block_while_a_third_person_who_follows_one_of_the_two_erases_their_account_is_no_deadlock(
    videos, make_user, make_video, client_of
):
    """The block ended the follow between the two, which took one off the followed one's stored follower
    count (a trigger on accounts_follow, accounts.models.FollowerCount: that count's row held), then
    waited to change the counts of the troll's videos the author had liked, one of which a third
    person's erasure held (taking their own like off it). The erasure, last, deleted the account row
    and with it their follow of the same person, whose count's row the block held: a deadlock
    (benchmarks/engagement_stress.py, with ?videos=delete, about one run in ten). The erasure now
    ends the person's follows right after holding their account row, before anything of the apps'."""
    author, troll, fan = make_user("the.author"), make_user("the.troll"), make_user("the.fan")
    accounts.follow_create(follower=author, followee=troll)
    accounts.follow_create(follower=fan, followee=troll)  # the troll's count: the block's and the erasure's
    first, second = make_video(troll, people=(fan,)), make_video(troll, people=(author,))
    for video in (first, second):
        feed_services.like_create(user=author, video=video)  # the block changes both counts
    feed_services.like_create(user=fan, video=first)  # the erasure changes the first's

    answers: dict[str, Any] = {}
    # the fan's like taken off: the first video's row held
    errors = while_erasing_paused_at_the_end(
        fan,
        lambda: answers.update(block=client_of(author).put(f"/api/v1/users/{troll.handle}/block?videos={videos}")),
        names=("erase", "block"),
    )

    assert errors == []
    assert answers["block"].status_code == 204, answers["block"].content[:300]
    assert Block.objects.filter(blocker=author, blocked=troll).exists()
    assert not User.objects.filter(pk=fan.pk).exists()
    assert not Like.objects.exists() and not Follow.objects.exists()
    assert FollowerCount.objects.filter(user=troll).values_list("followers", flat=True).first() in (0, None)
