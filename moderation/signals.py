"""Hooks moderation offers to the apps above it (generation connects; moderation never imports it)."""

from django.dispatch import Signal

# Someone may no longer be allowed to show `owner_id` (a grant revoked, an audience narrowed, a cameo
# deleted, a block). Every unpublished job of `author_ids` (None: of anyone) that shows this person
# must be checked again and stopped (status `blocked`) if the gate now refuses it. Args: owner_id,
# author_ids, reason.
consent_withdrawn = Signal()

# Asked by the takedown sweep (moderation.takedowns.templates_expire) before it erases the template of
# a confirmed request: when the oldest job that may still store a draft (not ended, no draft yet) was
# created. Each receiver answers a datetime, or None when it has no such job.
drafts_pending = Signal()

# Asked by the consent preflight, which has no duration: the longest video, in seconds, that a submit
# accepts. Its quoted lines must fit in that (core.spoken.too_long). Each receiver answers an int; with
# none answering, the lines' length is not checked.
longest_video_s = Signal()
