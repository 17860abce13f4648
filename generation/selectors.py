"""Reads for generation: the author's jobs."""

import datetime as dt
from typing import Any

from django.db.models import Min, QuerySet

from accounts.models import User
from core.exceptions import NotFound
from generation.models import GenerationJob


def jobs_of(author: User) -> QuerySet[GenerationJob]:
    return GenerationJob.objects.filter(author=author).select_related("video", "author")


def job_of(author: User, job_id: Any) -> GenerationJob:
    job = jobs_of(author).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.")  # someone else's job does not exist for you
    return job


def oldest_unfinished_job_created_at() -> dt.datetime | None:
    """When the oldest job that may still store a draft (queued, checking, running or scanning) was
    created; None when there is none (moderation's drafts_pending)."""
    return GenerationJob.objects.filter(status__in=GenerationJob.ACTIVE).aggregate(at=Min("created_at"))["at"]
