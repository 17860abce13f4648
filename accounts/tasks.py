"""Celery entry points for accounts: call a service."""

from celery import shared_task

from accounts import services


@shared_task(name="accounts.purge_idle_tokens", acks_late=True, soft_time_limit=240, time_limit=300)
def purge_idle_tokens() -> int:
    return services.tokens_purge_idle()
