"""Celery entry points for generation: take ids, call the pipeline or a service."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, InterfaceError

from generation import pipeline, services


@shared_task(
    name="generation.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CASTFEED_GENERATION["TASK_TIME_LIMIT"],
    time_limit=settings.CASTFEED_GENERATION["TASK_TIME_LIMIT"] + 60,
    autoretry_for=(DatabaseError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
)
def run_job(job_id: str) -> str:
    return pipeline.run(job_id)


@shared_task(name="generation.requeue_stale", acks_late=True, soft_time_limit=50, time_limit=60)
def requeue_stale() -> int:
    return services.stale_jobs_requeue()
