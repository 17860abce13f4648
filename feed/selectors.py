"""Reads for the feed: who may see a video, lists in keyset order, and batch hydration for output
(a fixed number of queries per page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db.models import QuerySet

from accounts.models import Follow, User
from accounts.selectors import relation_between
from core.exceptions import NotFound
from feed.models import Comment, Like, Video, VideoPerson

PUBLISHED = Video.Status.PUBLISHED


def video_visible_to(video_id: int, viewer: User | None) -> Video:
    """The video if `viewer` may see it, else 404 (never 403: a draft's existence is not revealed).

    Published: everyone but people in a block relation with the author. Draft: its author and the
    people it shows. Removed: its author only."""
    video = Video.objects.select_related("author").filter(pk=video_id).first()
    if video is None:
        raise NotFound("This video does not exist.")
    if viewer is not None and viewer.pk == video.author_id:
        return video
    if video.status == Video.Status.REMOVED:
        raise NotFound("This video does not exist.")
    if viewer is not None and relation_between(viewer.pk, video.author_id).blocked_either_way:
        raise NotFound("This video does not exist.")
    if video.status == Video.Status.DRAFT and (
        viewer is None or not VideoPerson.objects.filter(video=video, user=viewer).exists()
    ):
        raise NotFound("This video does not exist.")
    return video


def hydrate(videos: Sequence[Video], viewer: User | None) -> list[Video]:
    """Attach `people_handles` and `liked` (by the viewer) to loaded videos: two queries at most."""
    ids = [v.pk for v in videos]
    people: dict[int, list[str]] = defaultdict(list)
    if ids:
        rows = (
            VideoPerson.objects.filter(video_id__in=ids)
            .order_by("user__handle")
            .values_list("video_id", "user__handle")
        )
        for video_id, handle in rows:
            people[video_id].append(handle)
    liked: set[int] = set()
    if ids and viewer is not None:
        liked = set(Like.objects.filter(user=viewer, video_id__in=ids).values_list("video_id", flat=True))
    for video in videos:
        video.people_handles = people.get(video.pk, [])  # type: ignore[attr-defined]
        video.liked = video.pk in liked  # type: ignore[attr-defined]
    return list(videos)


def videos_by_ids(ids: Sequence[int], viewer: User | None) -> list[Video]:
    """Videos in the order of `ids`, hydrated for output (three queries)."""
    found = {v.pk: v for v in Video.objects.select_related("author").filter(pk__in=ids)}
    return hydrate([found[i] for i in ids if i in found], viewer)


def following_feed(viewer: User) -> QuerySet[Video]:
    followees = Follow.objects.filter(follower=viewer).values("followee_id")
    return Video.objects.select_related("author").filter(status=PUBLISHED, author_id__in=followees)


def videos_of(author: User) -> QuerySet[Video]:
    return Video.objects.select_related("author").filter(status=PUBLISHED, author=author)


def comments_of(video: Video) -> QuerySet[Comment]:
    return Comment.objects.select_related("author").filter(video=video)


def comment_get(comment_id: int) -> Comment:
    comment = Comment.objects.filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("This comment does not exist.")
    return comment


def liked_by(viewer: User, video: Video) -> bool:
    return Like.objects.filter(user=viewer, video=video).exists()
