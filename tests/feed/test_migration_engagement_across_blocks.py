"""feed 0012: the likes and comments across a block made before a block took them away go, each
video's counts and rank taken down as a block does now; those of anyone else stay."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from accounts.models import Block
from feed import services
from feed.models import Comment, Like, Video, VideoPerson

pytestmark = pytest.mark.django_db
migration = importlib.import_module("feed.migrations.0012_engagement_across_blocks")


@pytest.mark.parametrize("weights", [{}, {"WEIGHT_LIKE": "5", "WEIGHT_COMMENT": "0.5"}])
def test_likes_and_comments_across_a_block_made_before_go_and_counts_and_ranks_drop(
    api, me, other, make_user, make_video, settings, weights
):
    """The rank by the deployment's weights (CASTFEED_FEED_WEIGHT_*), as the app ranks."""
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, **weights}
    third = make_user("third")
    mine, theirs = make_video(me, people=(third,)), make_video(other)
    Video.objects.filter(pk=mine.pk).update(completed_view_count=3, remix_count=2)  # ranked with the likes
    for fan, video in ((other, mine), (third, mine), (me, theirs), (third, theirs)):
        services.like_create(user=fan, video=video)
    for said, video in ((other, mine), (other, mine), (third, mine), (me, theirs)):
        services.comment_create(author=said, video=video, text="hi")
    liked_rank = Video.objects.get(pk=mine.pk).hot_score
    Block.objects.create(blocker=me, blocked=other)  # as a block was stored before: the likes stayed

    migration.end_engagement_across_blocks(apps, None)
    migration.end_engagement_across_blocks(apps, None)  # run again: nothing more

    assert set(Like.objects.values_list("user_id", "video_id")) == {(third.pk, mine.pk), (third.pk, theirs.pk)}
    assert list(Comment.objects.values_list("author_id", "video_id")) == [(third.pk, mine.pk)]
    counts = api.get(f"/api/v1/videos/{mine.pk}").json()["counts"]
    assert (counts["likes"], counts["comments"]) == (1, 1)
    assert (Video.objects.get(pk=theirs.pk).like_count, Video.objects.get(pk=theirs.pk).comment_count) == (1, 0)
    after = Video.objects.get(pk=mine.pk).hot_score
    assert after < liked_rank
    assert VideoPerson.objects.get(video=mine).hot_score == after
    # The rank is the one a like taken off the live way gives.
    services.like_delete(user=third, video=mine)
    services.like_create(user=third, video=mine)
    assert Video.objects.get(pk=mine.pk).hot_score == pytest.approx(after)
