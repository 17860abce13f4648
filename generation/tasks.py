"""Celery entry points for generation: take ids, call the pipeline or a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.tasks import retrying
from generation import pipeline, services
from generation.conf import conf
from generation.worker_tmp import worker_tmp_sweep  # also connects each worker process's temporary folder

# Read once, when the task is declared: a change needs a worker restart.
TIME_LIMIT = conf().task_time_limit


@shared_task(
    name="generation.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=TIME_LIMIT,
    time_limit=TIME_LIMIT + 60,
    # Only what can succeed on a retry (the database unreachable, a lost connection, a lock timeout):
    # an integrity, data or programming error would fail again; the pipeline fails the job instead.
    **retrying(OperationalError, InterfaceError, backoff_max=120, retries=5),
)
def run_job(job_id: str) -> str:
    return pipeline.run(job_id)


@shared_task(name="generation.recheck_restrictions", acks_late=True, soft_time_limit=300, time_limit=360)
def recheck_restrictions(*, owner_id: int) -> int:
    """Block the unpublished jobs of others that show `owner_id` and break a restriction they added
    (read by meaning: MiniLM, here in the worker). Idempotent. Returns how many were blocked."""
    return len(services.jobs_recheck_restrictions(owner_id=owner_id))


@shared_task(name="generation.requeue_stale", acks_late=True, soft_time_limit=50, time_limit=60)
def requeue_stale() -> int:
    """Every few seconds (beat): jobs whose worker died go to another; dead attempts' and dead
    worker processes' scratch folders are removed."""
    requeued = services.stale_jobs_requeue()
    pipeline.work_folders_sweep()
    worker_tmp_sweep()
    return requeued
