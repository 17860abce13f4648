"""Celery entry points for the feed."""

from celery import shared_task

from feed import services


@shared_task(name="feed.expire_fresh", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def expire_fresh() -> int:
    """Runs every minute (CELERY_BEAT_SCHEDULE): new videos lose their freshness bonus on time."""
    return services.expire_fresh()


@shared_task(name="feed.fold_video_words", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def fold_video_words() -> int:
    """Runs every minute (CELERY_BEAT_SCHEDULE): the counts of the words video search completes."""
    return services.fold_video_words()


@shared_task(name="feed.embed_video", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def embed_video(video_id: int) -> bool:
    """After a video is published: what it is about, for steered For You pages (feed.embeddings)."""
    from feed import embeddings

    return embeddings.embed_video(video_id)


@shared_task(name="feed.embed_steer", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def embed_steer(user_id: int, stamp: str) -> bool:
    """After a person sets how their For You is steered: embed what they asked for (feed.steering)."""
    from feed import steering

    return steering.steer_embed(user_id=user_id, stamp=stamp)


@shared_task(name="feed.refresh_steers", acks_late=True, soft_time_limit=50, time_limit=60, ignore_result=True)
def refresh_steers() -> int:
    """Runs every minute (CELERY_BEAT_SCHEDULE): steered For You pages take in new videos."""
    from feed import steering

    return steering.refresh_due()
