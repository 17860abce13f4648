"""Two people who met on the app erase their accounts at the same moment: both erasures go through,
neither answers with an error. Each in its own thread and database connection, against committed
data (PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_delete

from accounts import services as accounts
from accounts.models import Notification, User
from feed import services as feed_services
from feed.models import Comment, Like, Video
from tests.races import pause_on, second_while_first_pauses, while_erasing_paused_at_the_end

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_people_who_asked_for_each_others_cameo_erasing_their_accounts_at_once_is_no_deadlock(make_user):
    """Each was told that the other asked for their cameo. Her erasure deleted the notifications about
    her (his), then her own with her account row (hers about him); his did the same the other way: each
    held one the other was about to delete, on PostgreSQL a deadlock, one erasure failed. Each erasure
    now holds both kinds in one id order before it deletes any."""
    her, him = make_user("her"), make_user("him")
    kind = Notification.Kind.CAMEO_REQUESTED
    accounts.notify(user_id=her.pk, kind=kind, about=him.pk, handle=him.handle)
    accounts.notify(user_id=him.pk, kind=kind, about=her.pk, handle=her.handle)

    # her first notification deleted, the rest not yet
    with pause_on(post_delete, sender=Notification, thread="her") as pause:
        errors = second_while_first_pauses(
            lambda: accounts.account_erase(user=User.objects.get(pk=her.pk)),
            lambda: accounts.account_erase(user=User.objects.get(pk=him.pk)),
            pause,
            names=("her", "him"),
        )

    assert errors == []
    assert not User.objects.filter(pk__in=[her.pk, him.pk]).exists()
    assert not Notification.objects.exists()


def test_two_people_who_liked_and_commented_on_each_others_videos_erasing_at_once_is_no_deadlock(make_user, make_video):
    """Her erasure took her like and then her comment off his video's counts: its row updated twice,
    which PostgreSQL checks again at commit, with his account row it names. His erasure held his account
    row and waited for her like on his video, which hers held; hers, at its commit, waited for his
    account row: a deadlock, one erasure failed. Her erasure now holds the authors of the videos whose
    counts it changes with her account row, in one id order, before anything else of theirs: his
    erasure waits for hers (or hers for his) from the start."""
    her, him = make_user("her"), make_user("him")
    his_video, her_video = make_video(him), make_video(her)
    for person, video in ((her, his_video), (him, her_video)):
        feed_services.like_create(user=person, video=video)
        feed_services.comment_create(author=person, video=video, text="nice")

    # every app's rows of hers gone, not committed
    errors = while_erasing_paused_at_the_end(
        her, lambda: accounts.account_erase(user=User.objects.get(pk=him.pk)), names=("her", "him")
    )

    assert errors == []
    assert not User.objects.filter(pk__in=[her.pk, him.pk]).exists()
    assert not Video.objects.exists() and not Like.objects.exists() and not Comment.objects.exists()


def test_two_people_erasing_at_once_one_with_the_videos_of_her_the_other_made_is_no_deadlock(make_user, make_video):
    """Her erasure with the videos of her (DELETE /me?appearances=delete) deleted his video that shows
    her, holding its likes, and told him (a notification naming him, his account row checked at
    commit). His erasure held his account row and waited for the likes of his video: a deadlock, one
    erasure failed. Her erasure now holds the authors of the videos of her with her account row, in one
    id order."""
    her, him = make_user("her"), make_user("him")
    video = make_video(him, people=(her,))
    feed_services.like_create(user=make_user("a.fan"), video=video)

    # his video deleted and he told, not committed
    errors = while_erasing_paused_at_the_end(
        her,
        lambda: accounts.account_erase(user=User.objects.get(pk=him.pk)),
        names=("her", "him"),
        delete_appearances=True,
    )

    assert errors == []
    assert not User.objects.filter(pk__in=[her.pk, him.pk]).exists()
    assert not Video.objects.exists() and not Like.objects.exists() and not Notification.objects.exists()
