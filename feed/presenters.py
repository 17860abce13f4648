"""How the feed looks to clients: the one place that renders a video, comment or report body and
declares its schema serializer. Other apps' views (cameos, generation) render videos through here,
never feed.apis."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rest_framework import serializers

from accounts.models import User
from accounts.presenters import UserSummaryOutput
from accounts.selectors import block_partners_of
from core.presenters import timestamp
from feed import media, selectors
from feed.models import Comment, Report, Steer, Video


def video_body(card: selectors.VideoCard, *, liked: bool = False) -> dict[str, Any]:
    """A video as clients see it (VideoOutput documents the shape)."""
    return {
        "id": card.id,
        "author": {"handle": card.author_handle, "display_name": card.author_display_name},
        "caption": card.caption,
        "status": card.status,
        "media_url": media.file_url(
            media_key=card.media_key, status=card.status, name=card.media, filename="video.mp4"
        ),
        "poster_url": media.file_url(
            media_key=card.media_key, status=card.status, name=card.poster, filename="poster.jpg"
        ),
        "duration_ms": card.duration_ms,
        "width": card.width,
        "height": card.height,
        "counts": {"likes": card.likes, "comments": card.comments, "views": card.views, "remixes": card.remixes},
        "cameos": list(card.people),
        "remix_of": card.remix_of_id,
        "created_at": timestamp(card.created_at),
        "published_at": timestamp(card.published_at),
        "liked": liked,
    }


def poster_url(video: Video) -> str | None:
    """The URL of `video`'s poster, as its body gives it (video_body): signed and expiring for a draft,
    none for a removed video. For lists that name a video of the caller's by its id (the author's
    possible matches) without its whole body."""
    return media.file_url(
        media_key=video.media_key, status=video.status, name=video.poster.name or "", filename="poster.jpg"
    )


def video_bodies(ids: list[int], viewer: User | None) -> list[dict[str, Any]]:
    """Bodies of the videos with these ids, in order: two queries for a whole page."""
    liked = selectors.liked_ids(viewer, ids)
    cards = selectors.video_cards(ids)
    bodies = [video_body(card, liked=card.id in liked) for card in cards]
    return without_block_partners_shown(bodies, getattr(viewer, "pk", None), remix_sources(cards))


def remix_sources(cards: list[selectors.VideoCard]) -> dict[int, int]:
    """The remixes among these cards that name their source: remix id → the source's author id."""
    return {card.id: card.remix_of_author_id for card in cards if card.remix_of_author_id is not None}


def without_block_partners_shown(
    bodies: list[dict[str, Any]], viewer_id: int | None, sources: dict[int, int], partners: set[int] | None = None
) -> list[dict[str, Any]]:
    """The bodies as the viewer sees them: without, in `cameos`, anyone in a block with the viewer
    (someone who blocked them does not exist for them: their handle is a 404; someone they blocked is
    not shown to them), their @mentions in captions read `@…` (selectors.without_mentions_of), and with
    `remix_of` null where the source's author (`sources`: remix_sources) is in a block with them:
    that source is a 404 to them. One query, for a signed-in viewer's page that shows someone, links
    a source or has an at sign in a caption, unless the caller read the ids of the viewer's block
    partners already (`partners`): none at all (For You: most viewers), or a page that shows no one and
    mentions no one."""
    shows = any(body["cameos"] for body in bodies)
    mentions = any(selectors.AT_SIGN.search(body["caption"]) for body in bodies)
    if viewer_id is None or partners == set() or not (shows or sources or mentions):
        return bodies
    hidden: set[str] = set()
    if partners is None or shows or mentions:
        found = block_partners_of(viewer_id)
        partners, hidden = set(found), set(found.values())
    if not partners:
        return bodies
    return [
        {
            **body,
            "caption": selectors.without_mentions_of(body["caption"], hidden) if hidden else body["caption"],
            "cameos": [h for h in body["cameos"] if h not in hidden],
            "remix_of": None if sources.get(body["id"]) in partners else body["remix_of"],
        }
        for body in bodies
    ]


class AuthorOutput(UserSummaryOutput):  # who made a video or wrote a comment (no docstring: it would enter the schema)
    pass


class CountsOutput(serializers.Serializer):
    likes = serializers.IntegerField()
    comments = serializers.IntegerField()
    views = serializers.IntegerField()
    remixes = serializers.IntegerField()


class VideoOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = AuthorOutput()
    caption = serializers.CharField(
        help_text="As written, but an @mention of anyone in a block with the caller reads @…."
    )
    status = serializers.ChoiceField(choices=Video.Status.choices)
    media_url = serializers.CharField(
        allow_null=True, help_text="Stable when published; signed and expiring for a draft; null when removed."
    )
    poster_url = serializers.CharField(allow_null=True)
    duration_ms = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    counts = CountsOutput()
    cameos = serializers.ListField(
        child=serializers.CharField(),
        help_text="Handles of the people shown, but for anyone in a block with the caller or deactivated.",
    )
    remix_of = serializers.IntegerField(
        allow_null=True,
        help_text="The source's id while it is published, but null for anyone in a block with its author.",
    )
    created_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField(allow_null=True)
    liked = serializers.BooleanField(help_text="The caller likes it.")


def comment_body(comment: Comment) -> dict[str, Any]:
    """A comment as clients see it (CommentOutput documents the shape)."""
    author = comment.author
    return {
        "id": comment.pk,
        "author": {"handle": author.handle, "display_name": author.display_name},
        "text": comment.text,
        "created_at": timestamp(comment.created_at),
    }


def comment_bodies(comments: Iterable[Comment], viewer_id: int | None) -> list[dict[str, Any]]:
    """Comments as the viewer sees them: an @mention of anyone in a block with them reads `@…`, as in
    captions (selectors.without_mentions_of). One query, for a signed-in viewer's page with an at sign in it."""
    bodies = [comment_body(comment) for comment in comments]
    if viewer_id is None or not any(selectors.AT_SIGN.search(body["text"]) for body in bodies):
        return bodies
    hidden = set(block_partners_of(viewer_id).values())
    if not hidden:
        return bodies
    return [{**body, "text": selectors.without_mentions_of(body["text"], hidden)} for body in bodies]


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    author = AuthorOutput()
    text = serializers.CharField(help_text="As written, but an @mention of anyone in a block with the caller reads @….")
    created_at = serializers.DateTimeField()


def report_body(report: Report) -> dict[str, Any]:
    """A report as its reporter sees it (ReportOutput documents the shape)."""
    return {
        "id": report.pk,
        "reason": report.reason,
        "status": report.status,
        "created_at": timestamp(report.created_at),
    }


class ReportOutput(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


def steer_body(steer: Steer | None) -> dict[str, Any]:
    """A person's steering of their For You (SteerOutput documents the shape); empty when unset."""
    if steer is None:
        return {"text": None, "more": [], "less": [], "applied": False, "updated_at": None}
    return {
        "text": steer.text,
        "more": list(steer.more),
        "less": list(steer.less),
        "applied": steer.matched_at is not None,
        "updated_at": timestamp(steer.updated_at),
    }


class SteerOutput(serializers.Serializer):
    text = serializers.CharField(allow_null=True, help_text="In the person's words; null when unset.")
    more = serializers.ListField(child=serializers.CharField(), help_text="What to show more of, as read.")
    less = serializers.ListField(child=serializers.CharField(), help_text="What to show less of, as read.")
    applied = serializers.BooleanField(
        help_text="Embedded and matched by the worker, and steering For You (a second or so after PUT)."
    )
    updated_at = serializers.DateTimeField(allow_null=True)
