"""Thin receivers of accounts' hooks; the work is in cameos.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erasing, account_exporting
from cameos import services


@receiver(account_erasing, dispatch_uid="cameos.erase")
def erase_cameo(sender: Any, user: Any, **kwargs: Any) -> None:
    services.user_cameo_erase(user=user)


@receiver(account_exporting, dispatch_uid="cameos.export")
def export_cameo(sender: Any, user: Any, out: dict, **kwargs: Any) -> None:
    out.update(services.user_cameo_export(user=user))
