"""What a person does with a video (a comment, a like) while they erase their account on another
device: one waits for the other, neither answers with an error. Each in its own thread and database
connection, against committed data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models.signals import post_delete

from accounts import services as accounts
from accounts.models import User
from feed import services as feed_services
from feed.models import Comment, Like, Video, View
from tests.races import pause_in, pause_on, second_while_first_pauses

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

    # once the video is held, the comment or like stored
    pause = pause_in(monkeypatch, feed_services, "_bump", after=True, thread=action)
    errors = second_while_first_pauses(
        lambda: ACTIONS[action](User.objects.get(pk=me.pk), video),
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        pause,
        names=(action, "erase"),
    )

    assert errors == []
    assert not User.objects.filter(pk=me.pk).exists() and not Comment.objects.exists() and not Like.objects.exists()
    video = Video.objects.get(pk=video.pk)
    assert (video.comment_count, video.like_count, video.view_count) == (0, 0, 0)


@pytest.mark.postgres
def test_playing_a_video_while_i_erase_my_account_on_another_device_is_a_404_and_no_deadlock(
    me, make_user, make_video, client_of, monkeypatch
):
    """My erasure holds my account row, then takes my like and my earlier play off the video's counts
    (its row) while my other device plays the video again. The play held the video first
    (_require_published), then waited for my account row (_actor_held): on PostgreSQL a deadlock, the
    play answered with a 500 or the erasure failed. The play now holds me first, as a like does."""
    video = make_video(make_user("the.author"))
    feed_services.view_record(viewer=me, video=video, watched_ms=1000, completed=True)
    feed_services.like_create(user=me, video=video)
    other_device = client_of(me)

    # my account row held, the video not yet
    pause = pause_in(monkeypatch, feed_services, "_bump", thread="erase", when=lambda video_ids, **deltas: video_ids)
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
        lambda: answers.update(
            play=other_device.post(
                f"/api/v1/videos/{video.pk}/views", {"watched_ms": 500, "completed": False}, format="json"
            )
        ),
        pause,
        names=("erase", "play"),
    )

    assert errors == []
    assert answers["play"].status_code == 404, answers["play"].content
    assert not User.objects.filter(pk=me.pk).exists() and not View.objects.exists()
    video = Video.objects.get(pk=video.pk)
    assert (video.like_count, video.view_count, video.completed_view_count) == (0, 0, 0)


@pytest.mark.postgres
def test_someone_playing_my_video_while_my_account_is_erased_is_a_404_and_the_erasure_goes_through(
    me, make_user, make_video, client_of
):
    """My erasure deletes my video: its plays first, then its row. Someone played it in between: the
    play held the video's row and recorded itself, and the erasure failed its foreign key at commit
    (the play it never saw still named the video): a 500, my account left. My videos are now held
    before anything of them is deleted, so the play waits and finds the video gone."""
    video = make_video(me)
    fan = make_user("the.fan")
    feed_services.view_record(viewer=make_user("earlier.fan"), video=video, watched_ms=1000, completed=True)
    fans_device = client_of(fan)

    answers: dict[str, Any] = {}
    # once the video's plays are deleted, its row not yet
    with pause_on(post_delete, sender=View, thread="erase") as pause:
        errors = second_while_first_pauses(
            lambda: accounts.account_erase(user=User.objects.get(pk=me.pk)),
            lambda: answers.update(
                play=fans_device.post(
                    f"/api/v1/videos/{video.pk}/views", {"watched_ms": 500, "completed": True}, format="json"
                )
            ),
            pause,
            names=("erase", "play"),
        )

    assert errors == []
    assert answers["play"].status_code == 404, answers["play"].content
    assert not User.objects.filter(pk=me.pk).exists()
    assert not Video.objects.exists() and not View.objects.exists()


@pytest.mark.postgres
def test_two_people_erasing_their_accounts_one_of_whom_commented_on_the_others_videos_is_no_deadlock(
    make_user, make_video, monkeypatch
):
    """Her erasure holds the likes and comments of each of her videos, video by video, before it deletes
    them; his erasure holds his comments, which are on her two videos, in their id order: the comment on
    her second video first. Her erasure held her first video's (his later comment) and then waited for
    her second video's (his earlier one), which he held while waiting for his later one: on PostgreSQL a
    deadlock, one erasure failed. The likes and comments are now held across all the videos, each kind
    in one id order."""
    her, him = make_user("her"), make_user("him")
    first, second = make_video(her), make_video(her)
    feed_services.comment_create(author=him, video=second, text="earlier")
    feed_services.comment_create(author=him, video=first, text="later")

    # once her first video's likes and comments are held (or all of them)
    pause = pause_in(monkeypatch, feed_services, "_engagement_hold", after=True, thread="her")
    errors = second_while_first_pauses(
        lambda: accounts.account_erase(user=User.objects.get(pk=her.pk)),
        lambda: accounts.account_erase(user=User.objects.get(pk=him.pk)),
        pause,
        names=("her", "him"),
    )

    assert errors == []
    assert not User.objects.filter(pk__in=[her.pk, him.pk]).exists()
    assert not Video.objects.exists() and not Comment.objects.exists()
