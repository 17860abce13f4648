"""Background storage work shared by every app."""

from celery import shared_task

from core import storage


@shared_task(
    name="core.delete_stored_files",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=5,
)
def delete_stored_files(names: list[str]) -> int:
    """Delete files from the default storage; a file already gone is not an error (idempotent)."""
    return storage.delete_now(names)


@shared_task(name="core.sweep_rate_counters", acks_late=True, soft_time_limit=60, time_limit=90)
def sweep_rate_counters() -> int:
    """Delete rate-limit counters whose window has ended (Celery beat; database store only)."""
    from core.throttling import sweep_counters

    return sweep_counters()
