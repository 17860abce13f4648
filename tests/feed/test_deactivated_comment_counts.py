"""`counts.comments` is what the comment list shows: the comments of an account support deactivated
are hidden from the list (feed.selectors.comments_of), and taken off the count and rank while it is
deactivated (feed.services.user_comments_count); opened again, they count again."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from accounts import services as accounts
from accounts.models import User
from feed import services
from feed.models import Video

pytestmark = pytest.mark.django_db


def shown(client, video):  # type: ignore[no-untyped-def]
    """(counts.comments, the number of comments the list shows) as `client` reads the video."""
    count = client.get(f"/api/v1/videos/{video.pk}").json()["counts"]["comments"]
    listed = client.get(f"/api/v1/videos/{video.pk}/comments").json()["results"]
    return count, len(listed)


def test_the_count_follows_the_list_through_a_deactivation_and_back(anon, me, other, make_user, make_video):
    troll = make_user("the.troll")
    video, elsewhere = make_video(me), make_video(other)
    for author, where in ((troll, video), (troll, video), (other, video), (troll, elsewhere)):
        services.comment_create(author=author, video=where, text="hi")
    rank = Video.objects.get(pk=video.pk).hot_score

    accounts.user_active_set(user=troll, active=False)
    assert shown(anon, video) == (1, 1)
    assert shown(anon, elsewhere) == (0, 0)
    assert Video.objects.get(pk=video.pk).hot_score < rank

    accounts.user_active_set(user=troll, active=False)  # again: nothing more taken off
    assert shown(anon, video) == (1, 1)
    accounts.user_active_set(user=troll, active=True)
    assert shown(anon, video) == (3, 3)
    assert shown(anon, elsewhere) == (1, 1)
    assert Video.objects.get(pk=video.pk).hot_score == pytest.approx(rank)


def test_a_hidden_comment_deleted_or_erased_meanwhile_is_not_taken_off_twice(api, anon, me, other, make_video):
    video = make_video(me)
    first = services.comment_create(author=other, video=video, text="hi")
    services.comment_create(author=other, video=video, text="again")
    services.comment_create(author=me, video=video, text="mine")
    accounts.user_active_set(user=other, active=False)

    assert api.delete(f"/api/v1/comments/{first.pk}").status_code == 204  # I, the video's author, knew its id
    assert shown(anon, video) == (1, 1)
    accounts.user_active_set(user=other, active=True)
    assert shown(anon, video) == (2, 2)

    accounts.user_active_set(user=other, active=False)
    accounts.account_erase(user=other)
    assert shown(anon, video) == (1, 1)


def test_the_migration_uncounts_the_comments_of_accounts_deactivated_before(anon, me, other, make_video):
    migration = importlib.import_module("feed.migrations.0015_uncount_comments_of_deactivated")
    video = make_video(me)
    for author in (other, other, me):
        services.comment_create(author=author, video=video, text="hi")
    User.objects.filter(pk=other.pk).update(is_active=False)  # as deactivated before: still counted
    assert shown(anon, video) == (3, 1)

    migration.uncount_comments_of_deactivated(apps, None)

    assert shown(anon, video) == (1, 1)
    accounts.user_active_set(user=other, active=True)
    assert shown(anon, video) == (3, 3)


def test_a_like_or_comment_sent_as_support_deactivates_the_account_is_refused(anon, me, make_user, make_video):
    """The request signed in while the account was open, and the deactivation committed before its
    write: written, the comment was counted while the list hid it, and counted again on reactivation."""
    from core.exceptions import ApplicationError
    from feed.models import Comment, Like

    troll = make_user("the.troll")
    video = make_video(me)
    signed_in = User.objects.get(pk=troll.pk)  # as the request's authentication read it
    accounts.user_active_set(user=troll, active=False)

    for write in (
        lambda: services.comment_create(author=signed_in, video=video, text="hi"),
        lambda: services.like_create(user=signed_in, video=video),
    ):
        with pytest.raises(ApplicationError) as refused:
            write()
        assert (refused.value.status_code, refused.value.code) == (403, "account_deactivated")
    assert not Comment.objects.exists() and not Like.objects.exists()
    accounts.user_active_set(user=troll, active=True)
    assert shown(anon, video) == (0, 0)
    assert anon.get(f"/api/v1/videos/{video.pk}").json()["counts"]["likes"] == 0
