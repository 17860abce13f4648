"""Thin receivers of accounts' hooks; the work is in cameos.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erasing
from cameos import services


@receiver(account_erasing, dispatch_uid="cameos.erase")
def erase_cameo(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_cameo_erase(user=user)
