"""Hooks the feed offers to the apps above it (moderation's audit log connects)."""

from django.dispatch import Signal

# A video was deleted (by its author, a person it showed, an erasure, a consent cascade). Args:
# video_id, author_id, status (what it was: draft, published, removed), by_id (who asked; None: the system).
video_deleted = Signal()
# A video is about to be deleted, inside video_delete's transaction, before its row is locked. Args:
# video_id, by_id (who asked, as for video_deleted). The jobs that point at it (the one that made it,
# remixes of it) are locked first, as every other path locks a job before its video (a publish, a
# block, an erasure): the other order deadlocked. A ready job whose draft someone deletes ends with it.
video_deleting = Signal()
# Several videos are about to be deleted in one transaction (videos_hold_for_deleting). Args:
# video_ids. The jobs that point at any of them are locked first, at once and in id order: locked
# video by video (video_deleting) they were taken out of that order, and someone holding their
# author (accounts.services.people_hold: every job of theirs, in id order) deadlocked with it. The
# feed then holds the videos' likes and comments, before any video's row.
videos_deleting = Signal()
# Several videos are about to be hidden or published again in one transaction (a takedown request's
# verification or dismissal: videos_hold_for_changing), each changing the remix count of the video it
# remixes. Args: video_ids. As for videos_deleting: the jobs that point at any of them are locked first,
# at once and in id order. Locked after the videos, a deletion of the video one of them remixes (its
# jobs, that remix's among them, then its row, then the remix's to unlink it) deadlocked with it.
videos_changing = Signal()
# A video is about to be taken down by moderation, inside video_take_down's transaction, before its
# row is updated. Args: video_id. As for video_deleting: its jobs are held first, and a ready job whose
# draft it is ends with it.
video_taking_down = Signal()
# A video was taken down by moderation. Args: video_id, author_id, reason.
video_taken_down = Signal()
# Someone more was found in an existing video (a scan when they enrolled). Args: video_id, user_id.
# The generation app indexes them on the draft's job, whose consent cascade must find it even after
# their account is erased (its VideoPerson rows go with the account).
video_person_added = Signal()
# Someone more is about to be added to a video (a possible match confirmed, a scan of existing
# videos), inside the caller's transaction, before the video's row is locked (video_hold_for_people).
# Args: video_id. As for video_deleting: its jobs are held first, so that adding a person (which
# indexes them on the job) and a deletion lock a job before its video; the other order deadlocked.
video_person_adding = Signal()
