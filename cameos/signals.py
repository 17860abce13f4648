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
# A verified enrollment is about to be accepted: moderation may still refuse it (a protected person's
# face: nobody enrolls as a public figure). Receivers return None, or (code, reason) to refuse.
# Args: user, template (the enrollment's L2-normalised face template).
enrollment_checking = Signal()
# The owner is saving instructions that every video using their cameo will add to its prompt:
# moderation may refuse them (what no prompt may say, or anyone else named). Receivers return None,
# or a message saying why. Args: owner, text (already canonical).
instructions_checking = Signal()
# The owner is saving a restriction ("no drinking"): moderation may refuse one it could never match
# (it names nothing to keep out). Receivers return None, or a message saying why. Args: owner, text.
restriction_checking = Signal()
# The owner added restrictions ("no drinking"): unpublished videos of them by others that break one
# must stop. Args: cameo, added (the new restrictions).
restrictions_added = Signal()
