"""Thin receivers of accounts' hooks; the work is in cameos.services."""

from typing import Any

from django.dispatch import receiver

from accounts.signals import account_erase_starting, became_minor, connect_person_data, relation_changing
from cameos import services

connect_person_data("cameos", erase=services.user_cameo_erase, export=services.user_cameo_export)


@receiver(account_erase_starting, dispatch_uid="cameos.account_erase_starting")
def hold_consent_first(sender: Any, user: Any, **kwargs: Any) -> None:
    """The person's cameo row is locked before their account row (services.consent_hold's order): a
    publish showing them, which holds it, finishes first."""
    services.consent_hold(owner_ids=[user.pk])


@receiver(relation_changing, dispatch_uid="cameos.relation_changing")
def hold_both_first(sender: Any, user_ids: Any, **kwargs: Any) -> None:
    """A block or an unfollow holds both people's cameo rows (in order) before their follow rows, as
    an account erasure holds the person's before it deletes their follows."""
    services.consent_hold(owner_ids=user_ids)


@receiver(became_minor, dispatch_uid="cameos.became_minor")
def close_to_everyone(sender: Any, user: Any, **kwargs: Any) -> None:
    services.cameo_minor_audience(owner=user)
