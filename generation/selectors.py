"""Reads for generation: the author's jobs."""

from typing import Any

from django.db.models import QuerySet

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
