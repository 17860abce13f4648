"""Celery entry points for generation: take ids, call the pipeline or a service."""

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
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


@shared_task(
    name="generation.recheck_restrictions",
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
    **retrying(OperationalError, InterfaceError, backoff_max=120, retries=5),
)
def recheck_restrictions(*, owner_id: int, after: str | None = None) -> int:
    """Block the unpublished jobs of others that show `owner_id` and break a restriction they added
    (read by meaning: MiniLM, here in the worker), of the jobs after the id `after` when given.
    Idempotent. Cut short by its time limit, it queues a run for the jobs after the last chunk it
    finished (none finished: it fails, as a run that cannot check 100 jobs in 5 minutes would again).
    Returns how many were blocked."""
    done: list[Any] = []
    try:
        return len(services.jobs_recheck_restrictions(owner_id=owner_id, after=after, done=done))
    except SoftTimeLimitExceeded:
        if not done:
            raise
        # `after` only in a run that goes on: a worker of the version before takes the others.
        recheck_restrictions.delay(owner_id=owner_id, after=str(done[-1]))
        return 0


@shared_task(name="generation.requeue_stale", acks_late=True, soft_time_limit=50, time_limit=60)
def requeue_stale() -> int:
    """Every few seconds (beat): jobs whose worker died go to another; dead attempts' and dead
    worker processes' scratch folders are removed."""
    requeued = services.stale_jobs_requeue()
    pipeline.work_folders_sweep()
    worker_tmp_sweep()
    return requeued
