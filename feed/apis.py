"""Thin HTTP views for the feed (API.md § Feed and videos)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.presenters import viewer_of
from accounts.selectors import user_visible_to
from core.apis import errors, no_content, page_query, paginated
from core.exceptions import Forbidden
from core.files import serve_file
from core.memo import TTLCache
from core.pagination import keyset_page
from core.serializers import JSONString, StrictSerializer
from feed import media, selectors, services, steering
from feed.conf import conf
from feed.models import Report, Video
from feed.presenters import (
    CommentOutput,
    ReportOutput,
    SteerOutput,
    VideoOutput,
    comment_bodies,
    comment_body,
    report_body,
    steer_body,
    video_bodies,
    video_body,
    without_block_partners_shown,
)
from feed.ranking import ForYouPage, for_you_page


def _videos_page(request: Request, queryset: Any, salt: str) -> dict[str, Any]:
    page = keyset_page(queryset, ordering=("-published_at", "-id"), salt=salt, **page_query(request))
    return {"results": video_bodies([v.pk for v in page.items], viewer_of(request)), "next": page.next}


# --- feeds -----------------------------------------------------------------------------------------


# Rendered bodies of published videos, shared by every viewer's For You page for a few seconds.
# The page's ids always come fresh from the database (a deleted or removed video is never a
# candidate); only counts and captions may lag by up to the TTL.
_feed_bodies = TTLCache(ttl=conf().body_cache_seconds, max_items=50_000)


def for_you_bodies(page: ForYouPage, viewer_id: int | None) -> list[dict[str, Any]]:
    ids, liked = page.ids, page.liked
    cached = _feed_bodies.get_many(ids)  # id → (body, its source's author id or None)
    missing = [i for i in ids if i not in cached]
    if missing:
        fresh = {card.id: (video_body(card), card.remix_of_author_id) for card in selectors.video_cards(missing)}
        _feed_bodies.set_many({k: v for k, v in fresh.items() if v[0]["status"] == Video.Status.PUBLISHED})
        cached.update(fresh)
    shown = [{**cached[i][0], "liked": i in liked} for i in ids if i in cached]
    sources = {i: cached[i][1] for i in ids if i in cached and cached[i][1] is not None}
    return without_block_partners_shown(shown, viewer_id, sources, page.block_partners)


class ForYouApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="feed_for_you",
        responses={200: paginated(VideoOutput), **errors(400)},
        description="Ranked published videos (docs/feed-ranking.md); anonymous callers get the global ranking.",
    )
    def get(self, request: Request) -> Response:
        viewer_id = viewer.pk if (viewer := viewer_of(request)) else None
        page = for_you_page(viewer_id, **page_query(request))
        return Response({"results": for_you_bodies(page, viewer_id), "next": page.next})


class SteerApi(APIView):
    """The standing preference that steers the caller's For You, in their own words."""

    class SteerInput(StrictSerializer):
        text = JSONString(
            max_length=200, help_text="What to see more and less of, e.g. “more cooking and animals, less sports”."
        )

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "social" if self.request.method == "PUT" else None  # type: ignore[assignment]
        return super().get_throttles()

    @extend_schema(operation_id="feed_steer_retrieve", responses={200: SteerOutput, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(steer_body(steering.steer_of(request.user)))

    @extend_schema(
        operation_id="feed_steer_update", request=SteerInput, responses={200: SteerOutput, **errors(400, 401, 429)}
    )
    def put(self, request: Request) -> Response:
        data = self.SteerInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(steer_body(steering.steer_set(user=request.user, text=data.validated_data["text"])))

    @extend_schema(operation_id="feed_steer_destroy", responses=no_content("Removed; For You is unsteered.", 401))
    def delete(self, request: Request) -> Response:
        steering.steer_clear(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowingFeedApi(APIView):
    @extend_schema(operation_id="feed_following", responses={200: paginated(VideoOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        return Response(
            _videos_page(request, selectors.following_feed(request.user), f"following-feed-{request.user.pk}")
        )


class UserVideosApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="users_videos_list", responses={200: paginated(VideoOutput), **errors(400, 404)})
    def get(self, request: Request, handle: str) -> Response:
        author = user_visible_to(handle, viewer_of(request))
        # Someone I blocked keeps a profile page (to unblock them), without videos: they would 404.
        videos = selectors.videos_of(author) if not author.relation.blocked_by_me else Video.objects.none()
        return Response(_videos_page(request, videos, f"videos-of-{author.pk}"))


# --- one video -------------------------------------------------------------------------------------


class VideoDetailApi(APIView):
    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    @extend_schema(operation_id="videos_retrieve", responses={200: VideoOutput, **errors(404)})
    def get(self, request: Request, video_id: int) -> Response:
        video = selectors.video_visible_to(video_id, viewer_of(request), of_me=True)
        return Response(video_bodies([video.pk], viewer_of(request))[0])

    @extend_schema(operation_id="videos_destroy", responses=no_content("Deleted with its files.", 401, 403, 404))
    def delete(self, request: Request, video_id: int) -> Response:
        video = selectors.video_visible_to(video_id, request.user)
        if video.author_id != request.user.pk:
            raise Forbidden("Only the author can delete this video.")
        services.video_delete(video=video, by=request.user)  # type: ignore[arg-type]
        return Response(status=status.HTTP_204_NO_CONTENT)


class LikeApi(APIView):
    throttle_scope = "social"

    @extend_schema(operation_id="videos_like", request=None, responses=no_content("Liked.", 401, 404, 409))
    def put(self, request: Request, video_id: int) -> Response:
        services.like_create(user=request.user, video=selectors.video_visible_to(video_id, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(operation_id="videos_unlike", request=None, responses=no_content("Not liked.", 401, 404))
    def delete(self, request: Request, video_id: int) -> Response:
        services.like_delete(user=request.user, video=selectors.video_visible_to(video_id, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentsApi(APIView):
    class CommentInput(StrictSerializer):
        text = JSONString(max_length=500, help_text="1–500 characters.")

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else super().get_permissions()

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "comments" if self.request.method == "POST" else None  # type: ignore[assignment]
        return super().get_throttles()

    @extend_schema(operation_id="videos_comments_list", responses={200: paginated(CommentOutput), **errors(400, 404)})
    def get(self, request: Request, video_id: int) -> Response:
        viewer = viewer_of(request)
        video = selectors.video_visible_to(video_id, viewer)
        page = keyset_page(
            selectors.comments_of(video, viewer), ordering=("-id",), salt=f"comments-{video.pk}", **page_query(request)
        )
        return Response({"results": comment_bodies(page.items, getattr(viewer, "pk", None)), "next": page.next})

    @extend_schema(
        operation_id="videos_comments_create",
        request=CommentInput,
        responses={201: CommentOutput, **errors(400, 401, 404, 409, 429)},
    )
    def post(self, request: Request, video_id: int) -> Response:
        video = selectors.video_visible_to(video_id, request.user)
        data = self.CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(author=request.user, video=video, text=data.validated_data["text"])
        return Response(comment_body(comment), status=status.HTTP_201_CREATED)


class CommentDetailApi(APIView):
    @extend_schema(operation_id="comments_destroy", responses=no_content("Deleted.", 401, 403, 404))
    def delete(self, request: Request, comment_id: int) -> Response:
        comment = selectors.comment_reachable_by(comment_id, request.user)
        services.comment_delete(comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ViewsApi(APIView):
    class ViewInput(StrictSerializer):
        watched_ms = serializers.IntegerField(
            min_value=0, max_value=6 * 3600 * 1000, help_text="How long this play lasted, in milliseconds."
        )
        completed = serializers.BooleanField(help_text="The play reached the end of the video.")

    @extend_schema(
        operation_id="videos_views_create",
        request=ViewInput,
        responses=no_content("Recorded.", 400, 401, 404, 409),
    )
    def post(self, request: Request, video_id: int) -> Response:
        video = selectors.video_visible_to(video_id, request.user)
        data = self.ViewInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.view_record(viewer=request.user, video=video, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportApi(APIView):
    throttle_scope = "reports"

    class ReportInput(StrictSerializer):
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        detail = JSONString(max_length=1000, required=False, allow_blank=True)

    @extend_schema(
        operation_id="videos_report", request=ReportInput, responses={201: ReportOutput, **errors(400, 401, 404, 429)}
    )
    def post(self, request: Request, video_id: int) -> Response:
        video = selectors.video_visible_to(video_id, request.user, of_me=True)
        data = self.ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create(reporter=request.user, video=video, **data.validated_data)
        return Response(report_body(report), status=status.HTTP_201_CREATED)


# --- media files -----------------------------------------------------------------------------------

_NOT_FOUND = {"error": "not_found", "detail": "Not found."}
# A shared cache (a CDN, a proxy) may keep a published video's files this long: a deletion reaches it
# within 5 minutes, as DESIGN.md §1 promise 2 asks of "any cached copy" (there is no purge). A day, as
# before, kept a deleted video of someone in such caches for up to a day.
PUBLISHED_CACHE_CONTROL = "public, max-age=300"


@extend_schema(exclude=True)
@require_safe
def media_file(request: HttpRequest, media_key: str, filename: str) -> HttpResponseBase:
    """A video's file (see feed.media for who gets it)."""
    if filename not in media.FILES:
        return JsonResponse(_NOT_FOUND, status=404)
    video = Video.objects.filter(media_key=media_key).exclude(status=Video.Status.REMOVED).first()
    if video is None:
        return JsonResponse(_NOT_FOUND, status=404)
    field, content_type = media.FILES[filename]
    name = getattr(video, field).name
    if not name:
        return JsonResponse(_NOT_FOUND, status=404)
    if video.status == Video.Status.PUBLISHED:
        cache_control = PUBLISHED_CACHE_CONTROL
    elif media.token_valid(request.GET.get("t", ""), media_key, filename) and not selectors.draft_consent_pending(
        video.pk
    ):  # a withdrawal of consent from someone it shows ends the URL at once, not when the cascade runs
        cache_control = "private, no-store"
    else:
        return JsonResponse(_NOT_FOUND, status=404)
    if not default_storage.exists(name):
        return JsonResponse(_NOT_FOUND, status=404)
    return serve_file(request, default_storage, name, content_type, cache_control=cache_control)
