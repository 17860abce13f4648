"""Thin receivers of accounts' hooks; the work is in feed.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erasing, account_exporting
from feed import services


@receiver(account_erasing, dispatch_uid="feed.erase")
def erase_feed_data(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_feed_erase(user=user)


@receiver(account_exporting, dispatch_uid="feed.export")
def export_feed(sender: Any, user: Any, out: dict, **kwargs: Any) -> None:
    out.update(services.user_feed_export(user=user))
