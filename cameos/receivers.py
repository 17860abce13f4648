"""Thin receivers of accounts' and feed's hooks; the work is in cameos.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import (
    account_appearances_deleting,
    account_erasure_naming,
    became_approval_only,
    became_minor,
    connect_person_data,
    mutual_follow_ended,
    people_holding,
)
from cameos import services
from feed.signals import video_deleted

connect_person_data("cameos", erase=services.user_cameo_erase, export=services.user_cameo_export)


@receiver(account_appearances_deleting, dispatch_uid="cameos.account_appearances_deleting")
def delete_the_videos_of_them(sender: Any, user: Any, **kwargs: Any) -> None:
    """DELETE /me?appearances=delete: every video that shows the person goes with the account, as if
    they deleted each (as DELETE /cameo?appearances=delete)."""
    services.appearances_delete(person=user, erasing=True)


@receiver(account_erasure_naming, dispatch_uid="cameos.account_erasure_naming")
def authors_told_of_the_videos_deleted(sender: Any, user: Any, delete_appearances: bool = False, **kwargs: Any) -> Any:
    """DELETE /me?appearances=delete tells the author of each video of them that it was deleted."""
    return services.appearance_authors(person=user) if delete_appearances else ()


@receiver(people_holding, dispatch_uid="cameos.people_holding")
def hold_cameos_first(sender: Any, user_ids: Any, **kwargs: Any) -> None:
    """The people's cameo rows first of all (accounts.signals.people_holding's order)."""
    services.consent_hold(owner_ids=user_ids)


@receiver(became_minor, dispatch_uid="cameos.became_minor")
def close_to_everyone(sender: Any, user: Any, **kwargs: Any) -> None:
    services.cameo_approval_only_audience(owners=[user])
    services.questions_withdraw_not_admitted(owners=[user])


@receiver(became_approval_only, dispatch_uid="cameos.became_approval_only")
def close_to_everyone_but_approved(sender: Any, users: Any, **kwargs: Any) -> None:
    services.cameo_approval_only_audience(owners=users)
    services.questions_withdraw_not_admitted(owners=users)


@receiver(mutual_follow_ended, dispatch_uid="cameos.mutual_follow_ended")
def stop_asking_former_mutuals(sender: Any, follower: Any, followee: Any, **kwargs: Any) -> None:
    """A cameo shared with mutuals no longer admits the other: they are no longer asked about its owner."""
    services.questions_withdraw_not_admitted(owners=[follower, followee])


@receiver(video_deleted, dispatch_uid="cameos.video_deleted")
def withdraw_questions_about_the_video(sender: Any, video_id: int, author_id: int, **kwargs: Any) -> None:
    """Its author is no longer asked to confirm or remove anyone in a video that is gone."""
    services.video_questions_withdraw(video_id=video_id, author_id=author_id)
