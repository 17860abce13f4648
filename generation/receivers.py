"""Thin receivers: the consent cascade reaches jobs; an erased account takes its jobs along."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erasing, account_exporting
from generation import presenters, services
from moderation.signals import consent_withdrawn


@receiver(consent_withdrawn, dispatch_uid="generation.consent_withdrawn")
def stop_jobs(sender: Any, owner_id: int, author_ids: Any, reason: str, **kwargs: Any) -> None:
    services.jobs_recheck(owner_id=owner_id, author_ids=author_ids, reason=reason)


@receiver(account_erasing, dispatch_uid="generation.erase")
def erase_jobs(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_generation_erase(user=user)


@receiver(account_exporting, dispatch_uid="generation.export")
def export_jobs(sender: Any, user: Any, out: dict, **kwargs: Any) -> None:
    out["generations"] = [presenters.job_export_body(job) for job in services.jobs_of_author(user)]
