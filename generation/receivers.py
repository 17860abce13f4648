"""Thin receivers: the consent cascade reaches jobs (and a cameo's new restrictions, in the worker);
an erased account takes its jobs along."""

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from accounts.signals import account_erasing, account_exporting, people_holding
from cameos.signals import restrictions_added
from feed.signals import (
    video_deleting,
    video_person_added,
    video_person_adding,
    video_taking_down,
    videos_changing,
    videos_deleting,
)
from generation import presenters, selectors, services
from generation.conf import conf
from moderation.signals import consent_withdrawn, drafts_pending, longest_video_s


@receiver(consent_withdrawn, dispatch_uid="generation.consent_withdrawn")
def stop_jobs(sender: Any, owner_id: int, author_ids: Any, reason: str, **kwargs: Any) -> None:
    services.jobs_recheck(owner_id=owner_id, author_ids=author_ids, reason=reason)


@receiver(drafts_pending, dispatch_uid="generation.drafts_pending")
def oldest_unfinished_job(sender: Any, **kwargs: Any) -> Any:
    return selectors.oldest_unfinished_job_created_at()


@receiver(longest_video_s, dispatch_uid="generation.longest_video_s")
def longest_video(sender: Any, **kwargs: Any) -> int:
    return conf().max_seconds


@receiver(restrictions_added, dispatch_uid="generation.restrictions_added")
def recheck_restrictions(sender: Any, cameo: Any, **kwargs: Any) -> None:
    from generation.tasks import recheck_restrictions as task

    owner_id = cameo.owner_id
    transaction.on_commit(lambda: task.delay(owner_id=owner_id))


@receiver(video_person_added, dispatch_uid="generation.video_person_added")
def index_person_found(sender: Any, video_id: int, user_id: int, **kwargs: Any) -> None:
    services.job_person_found(video_id=video_id, user_id=user_id)


@receiver(video_person_adding, dispatch_uid="generation.video_person_adding")
def hold_jobs_of_video_gaining_a_person(sender: Any, video_id: int, **kwargs: Any) -> None:
    services.jobs_of_video_hold(video_id=video_id)


@receiver(video_deleting, dispatch_uid="generation.video_deleting")
def hold_jobs_of_video(sender: Any, video_id: int, by_id: int | None = None, **kwargs: Any) -> None:
    services.jobs_of_video_hold(video_id=video_id)
    services.job_draft_gone(video_id=video_id, by_id=by_id)


@receiver([videos_deleting, videos_changing], dispatch_uid="generation.videos_deleting")
def hold_jobs_of_videos(sender: Any, video_ids: Any, **kwargs: Any) -> None:
    services.jobs_of_video_hold(video_ids=video_ids)


@receiver(video_taking_down, dispatch_uid="generation.video_taking_down")
def hold_jobs_of_video_taken_down(sender: Any, video_id: int, **kwargs: Any) -> None:
    services.jobs_of_video_hold(video_id=video_id)
    services.job_draft_gone(video_id=video_id, by_id=None, taken_down=True)


@receiver(people_holding, dispatch_uid="generation.people_holding")
def hold_jobs(
    sender: Any,
    *,
    user_ids: Any,
    erasing: bool = False,
    deleting_videos_of: Any = None,
    videos: Any = (),
    only_videos: bool = False,
    **kwargs: Any,
) -> None:
    services.jobs_hold(
        author_ids=() if only_videos else user_ids,
        naming=user_ids if erasing else (),
        videos_of=deleting_videos_of,
        videos=videos,
    )


@receiver(account_erasing, dispatch_uid="generation.erase")
def erase_jobs(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_generation_erase(user=user)


@receiver(account_exporting, dispatch_uid="generation.export")
def export_jobs(sender: Any, user: Any, out: dict, **kwargs: Any) -> None:
    out["generations"] = presenters.job_export_bodies(services.jobs_of_author(user), user)
