"""Celery entry points for the feed."""

from celery import shared_task

from feed import services


@shared_task(name="feed.expire_fresh", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def expire_fresh() -> int:
    """Runs every minute (CELERY_BEAT_SCHEDULE): new videos lose their freshness bonus on time."""
    return services.expire_fresh()
