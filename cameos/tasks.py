"""Celery entry points for cameos: take ids, call a service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from cameos import services
from core import pacing
from core.tasks import retrying


@shared_task(
    name="cameos.verify_enrollment",
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    **retrying(OperationalError, backoff_max=60, retries=3),
)
def verify_enrollment(enrollment_id: str) -> str | None:
    with pacing.waited_on():  # the person's camera screen waits for it: sibling renders pause
        enrollment = services.enrollment_verify(enrollment_id=enrollment_id)
    return enrollment.status if enrollment else None


@shared_task(name="cameos.expire_enrollments", acks_late=True, soft_time_limit=50, time_limit=60)
def expire_enrollments() -> int:
    return services.enrollments_expire()


@shared_task(
    name="cameos.scan_existing_videos",
    acks_late=True,
    soft_time_limit=300,
    time_limit=360,
    # It tells the person only what it finds: a run that failed would say nothing. Idempotent: a
    # retry skips what the run before recorded.
    **retrying(OperationalError, InterfaceError, backoff_max=60, retries=3),
)
def scan_existing_videos(cameo_id: int) -> int:
    return len(services.existing_videos_scan(cameo_id=cameo_id))
