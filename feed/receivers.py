"""Thin receivers of accounts' hooks; the work is in feed.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import (
    account_deactivated,
    account_erasure_naming,
    account_reactivated,
    connect_person_data,
    user_blocked,
)
from feed import services

connect_person_data("feed", erase=services.user_feed_erase, export=services.user_feed_export)


@receiver(account_erasure_naming, dispatch_uid="feed.account_erasure_naming")
def people_of_videos_counted(sender: Any, user: Any, **kwargs: Any) -> set[int]:
    return services.people_of_videos_counted_by(user=user)


@receiver(account_deactivated, dispatch_uid="feed.account_deactivated")
def hide_videos_of_deactivated(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_videos_hide(user=user)
    services.user_comments_count(user=user, shown=False)


@receiver(account_reactivated, dispatch_uid="feed.account_reactivated")
def unhide_videos_of_reactivated(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_videos_unhide(user=user)
    services.user_comments_count(user=user, shown=True)


@receiver(user_blocked, dispatch_uid="feed.user_blocked")
def end_engagement_across_a_block(
    sender: Any, blocker: Any, blocked: Any, delete_videos: bool = False, **kwargs: Any
) -> None:
    services.engagement_end_for_block(blocker=blocker, blocked=blocked, delete_videos=delete_videos)
