"""Background storage work shared by every app, and the retry policy every app's tasks use."""

from typing import Any

from celery import shared_task

from core import storage


def retrying(*errors: type[BaseException], backoff_max: int, retries: int) -> dict[str, Any]:
    """shared_task options: retry on these errors only (what can succeed on a retry), waiting 5 s, then
    twice as long each time up to `backoff_max` seconds (with jitter), at most `retries` times."""
    return {
        "autoretry_for": errors,
        "retry_backoff": 5,
        "retry_backoff_max": backoff_max,
        "max_retries": retries,
    }


@shared_task(
    name="core.delete_stored_files",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    **retrying(OSError, backoff_max=300, retries=5),
)
def delete_stored_files(names: list[str]) -> int:
    """Delete files from the default storage; a file already gone is not an error (idempotent)."""
    return storage.delete_now(names)


@shared_task(name="core.sweep_rate_counters", acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_rate_counters() -> int:
    """Delete rate-limit counters no limit reads any more (Celery beat; database store only)."""
    from core.throttling import sweep_counters

    return sweep_counters()
