"""Thin receivers of accounts' hooks; the work is in cameos.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erase_starting, connect_person_data
from cameos import services

connect_person_data("cameos", erase=services.user_cameo_erase, export=services.user_cameo_export)


@receiver(account_erase_starting, dispatch_uid="cameos.account_erase_starting")
def hold_consent_first(sender: Any, user: Any, **kwargs: Any) -> None:
    """The person's cameo row is locked before their account row (services.consent_hold's order): a
    publish showing them, which holds it, finishes first."""
    services.consent_hold(owner_ids=[user.pk])
