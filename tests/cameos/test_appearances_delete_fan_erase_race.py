"""Every video of me deleted in one transaction (my cameo's deletion with its videos, my erasure with
them, a revocation with the approved person's videos of me) while someone who liked or commented on
two of them erases their account: both are answered. The deletion held each video's likes and
comments just before that video's row, video by video, while the erasure holds the person's likes
(then comments) in id order, whatever video they are on: their like on the second video deleted,
older than the one on the first, was held by the erasure, which then waited for the one on the first,
held by the deletion, which then waited for the one on the second (on PostgreSQL a deadlock, one of
the two answered with an error). A block with the videos held them already, with those it ends
(feed.services.engagement_end_for_block: tests/feed/test_block_race.py). Each in its own thread and
database connection, against committed data (PostgreSQL: SQLite lets one writer at a time)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from accounts import services as accounts
from accounts.models import User
from cameos.models import CameoGrant
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.enroll import approve
from tests.races import Pause, pause_in, second_while_first_pauses

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("engaged", ["like", "comment"])
@pytest.mark.parametrize("deletion", ["cameo", "erasure", "revocation"])
def test_every_video_of_me_deleted_while_someone_who_liked_two_of_them_erases_their_account_answers_both(
    deletion, engaged, me, make_user, make_video, client_of, activate_cameo, monkeypatch
):
    activate_cameo(me)  # open to approved people
    maker, fan = make_user("video.maker"), make_user("fan")
    grant = approve(me, maker)
    videos = [make_video(maker, people=(me,)), make_video(maker, people=(me,))]
    # The deletion takes them in id order (cameos.services.appearances_delete); the fan engages with the
    # second first, so that their erasure holds that like (or comment) before the first's.
    order = sorted(video.pk for video in videos)
    for video_id in reversed(order):
        video = Video.objects.get(pk=video_id)
        if engaged == "like":
            feed_services.like_create(user=fan, video=video)
        else:
            feed_services.comment_create(author=fan, video=video, text="nice")

    # The deletion pauses once it has deleted the first video, before it deletes the second.
    pause, deleted, delete = Pause(thread="delete"), [], feed_services.video_delete

    def delete_then_pause(*, video: Any, by: Any = None) -> None:
        delete(video=video, by=by)
        if threading.current_thread().name == "delete":
            deleted.append(video.pk)
        pause()

    monkeypatch.setattr(feed_services, "video_delete", delete_then_pause)
    answers: dict[str, Any] = {}
    url = {
        "cameo": "/api/v1/cameo?appearances=delete",
        "erasure": "/api/v1/me?appearances=delete",
        "revocation": f"/api/v1/cameo/grants/{grant.pk}?videos=delete",
    }[deletion]
    errors = second_while_first_pauses(
        lambda: answers.update(delete=client_of(me).delete(url)),
        lambda: accounts.account_erase(user=User.objects.get(pk=fan.pk)),
        pause,
        names=("delete", "erase"),
    )

    assert errors == []
    assert answers["delete"].status_code == 204, answers["delete"].content[:300]
    assert deleted == order
    assert not Video.objects.filter(pk__in=order).exists()
    assert not Like.objects.exists() and not Comment.objects.exists()
    assert not User.objects.filter(pk=fan.pk).exists()
    assert User.objects.filter(pk=me.pk).exists() == (deletion != "erasure")
    if deletion == "revocation":
        assert CameoGrant.objects.get(pk=grant.pk).status == CameoGrant.Status.REVOKED


def test_my_erasure_with_every_video_of_me_while_someone_who_liked_one_erases_theirs_answers_both(
    me, make_user, make_video, client_of, monkeypatch
):
    """My erasure with every video of me (DELETE /me?appearances=delete) while a fan erases their account:
    they liked a video of me, and I liked a video of theirs before that. My erasure held the likes of
    the videos of me (theirs among them), deleted those videos, and then held my own likes: the fan's
    erasure, which holds their likes and those on their videos in one id order, held my like on their
    video and waited for theirs on the video of me (a deadlock). Mine now holds them all at once too."""
    maker, fan = make_user("video.maker"), make_user("fan")
    of_me, fans_own = make_video(maker, people=(me,)), make_video(fan)
    feed_services.like_create(user=me, video=fans_own)  # older: the fan's erasure holds it first
    feed_services.like_create(user=fan, video=of_me)

    # My erasure pauses once it has deleted the video of me, before its feed part holds my likes.
    pause = pause_in(monkeypatch, feed_services, "video_delete", after=True, thread="me")
    answers: dict[str, Any] = {}
    errors = second_while_first_pauses(
        lambda: answers.update(me=client_of(me).delete("/api/v1/me?appearances=delete")),
        lambda: answers.update(fan=client_of(fan).delete("/api/v1/me")),
        pause,
        names=("me", "fan"),
    )

    assert errors == []
    assert answers["me"].status_code == 204, answers["me"].content[:300]
    assert answers["fan"].status_code == 204, answers["fan"].content[:300]
    assert not User.objects.filter(pk__in=[me.pk, fan.pk]).exists()
    assert not Video.objects.filter(pk__in=[of_me.pk, fans_own.pk]).exists() and not Like.objects.exists()
