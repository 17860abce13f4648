"""Hooks for the consent cascade (moderation connects; cameos never imports it)."""

from django.dispatch import Signal

# A grant was revoked: unpublished jobs of the grantee that use this cameo must stop. Args: grant.
grant_revoked = Signal()
# The audience became narrower (e.g. everyone → approved). Args: cameo, previous.
audience_narrowed = Signal()
# The cameo was deleted (template and crops erased). Args: owner.
cameo_erased = Signal()
# The owner approved or denied a request (the audit log records it). Args: grant.
grant_decided = Signal()
