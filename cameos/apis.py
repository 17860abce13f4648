"""Thin HTTP views for cameos (API.md § Cameos). No response ever carries a face template or a
reference crop, the owner's own included: a crop is a real photo of their face (every video here is
generated), which a stolen token must not fetch. GET /cameo says how many are kept."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.presenters import UserSummaryOutput, user_summary, viewer_of
from accounts.selectors import people_search
from cameos import presenters, selectors, services
from cameos.conf import conf
from cameos.models import Audience
from cameos.presenters import (
    AccessOutput,
    AppearanceOutput,
    ChallengeOutput,
    GrantOutput,
    MyCameoOutput,
    MyRequestOutput,
    PossibleMatchOutput,
)
from core.apis import PageQuerySerializer, errors, page_body, page_query, paginated
from core.exceptions import NotFound
from core.pagination import keyset_page
from core.parsers import StrictMultiPartParser
from core.serializers import JSONString, StrictSerializer, VideosQuery, no_body, query_values
from core.text import canonical, display
from feed.presenters import VideoOutput, video_bodies
from feed.selectors import videos_search


class JSONBoolean(serializers.BooleanField):
    """true or false only: DRF's BooleanField takes "yes", "on" or 1 as true, turning a consent setting on."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


# --- enrollment ------------------------------------------------------------------------------------


class ChallengeApi(APIView):
    throttle_scope = "enrollment"

    class ChallengeInput(StrictSerializer):
        voice = serializers.BooleanField(
            required=False, default=False, help_text="Add digits to read aloud (the voice step): say_digits."
        )

        def to_internal_value(self, data: Any) -> Any:
            voice = data.get("voice") if hasattr(data, "get") else None
            if voice is not None and not isinstance(voice, bool):  # "yes", 1, "true": not a JSON boolean
                raise serializers.ValidationError({"voice": ["true or false."]})
            return super().to_internal_value(data)

    @extend_schema(
        operation_id="cameo_challenge_create",
        request=ChallengeInput,
        responses={201: ChallengeOutput, **errors(400, 401, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.ChallengeInput(data=request.data)  # no body: {}; a JSON null, list or scalar: 400
        data.is_valid(raise_exception=True)
        challenge = services.challenge_create(user=request.user, voice=data.validated_data["voice"])
        return Response(presenters.challenge_body(challenge), status=status.HTTP_201_CREATED)


class MyCameoApi(APIView):
    def get_parsers(self) -> list[Any]:
        if self.request is not None and self.request.method == "POST":
            return [StrictMultiPartParser()]
        return super().get_parsers()

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "enrollment" if self.request.method == "POST" else None  # type: ignore[assignment]
        return super().get_throttles()

    class EnrollInput(StrictSerializer):
        video = serializers.FileField(help_text="MP4, WebM or MOV, 2–15 s, at most 20 MB and 1920 px.")
        challenge = serializers.UUIDField()

    class CameoUpdateInput(StrictSerializer):
        audience = serializers.ChoiceField(choices=Audience.choices, required=False)
        instructions = JSONString(max_length=300, required=False, allow_blank=True)
        restrictions = serializers.ListField(child=JSONString(), required=False)
        protect_name = JSONBoolean(required=False)

        def get_fields(self) -> dict[str, serializers.Field]:
            fields = super().get_fields()
            limits = conf()  # the same limits as cameos.services.cameo_update's check
            fields["restrictions"] = serializers.ListField(
                child=JSONString(max_length=limits.restriction_max_length),
                required=False,
                max_length=limits.restriction_max_items,
            )
            return fields

    class DeleteQuery(StrictSerializer):  # a misspelt `appearances` must not erase with the default
        appearances = serializers.ChoiceField(choices=["keep", "delete"], default="keep")

    @extend_schema(operation_id="cameo_retrieve", responses={200: MyCameoOutput, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(presenters.my_cameo_body(selectors.my_cameo(request.user)))

    @extend_schema(
        operation_id="cameo_enroll",
        request={"multipart/form-data": EnrollInput},
        responses={202: MyCameoOutput, **errors(400, 401, 413, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.EnrollInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.enrollment_submit(
            user=request.user, challenge_id=data.validated_data["challenge"], video=data.validated_data["video"]
        )
        body = presenters.my_cameo_body(selectors.my_cameo(request.user))
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": "/api/v1/cameo"})

    @extend_schema(
        operation_id="cameo_update", request=CameoUpdateInput, responses={200: MyCameoOutput, **errors(400, 401, 404)}
    )
    def patch(self, request: Request) -> Response:
        data = self.CameoUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.cameo_update(owner=request.user, delete_videos=_videos_choice(request), **data.validated_data)
        return Response(presenters.my_cameo_body(selectors.my_cameo(request.user)))

    @extend_schema(
        operation_id="cameo_destroy",
        parameters=[
            OpenApiParameter(
                "appearances",
                str,
                enum=["keep", "delete"],
                description="`delete` also deletes every video that shows you.",
            )
        ],
        responses={
            204: OpenApiResponse(description="Template, crops and gallery entry erased."),
            **errors(400, 401, 404),
        },
    )
    def delete(self, request: Request) -> Response:
        no_body(request.data)
        query = self.DeleteQuery(data=query_values(request.query_params))
        query.is_valid(raise_exception=True)
        services.cameo_delete(owner=request.user, delete_appearances=query.validated_data["appearances"] == "delete")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- someone else's cameo --------------------------------------------------------------------------


class CameoAccessApi(APIView):
    @extend_schema(operation_id="cameos_access", responses={200: AccessOutput, **errors(401, 404)})
    def get(self, request: Request, handle: str) -> Response:
        owner, cameo = selectors.cameo_for_handle(handle, request.user)
        access = selectors.cameo_access(cameo, request.user)
        return Response(presenters.access_body(owner, access))


class CameoRequestApi(APIView):
    throttle_scope = "social"

    @extend_schema(
        operation_id="cameos_request_create",
        request=None,
        responses={201: MyRequestOutput, **errors(401, 403, 404, 409)},
    )
    def post(self, request: Request, handle: str) -> Response:
        owner, _ = selectors.cameo_for_handle(handle, request.user)
        grant = services.grant_request(requester=request.user, owner=owner)
        return Response(presenters.my_request_body(grant), status=status.HTTP_201_CREATED)


# --- the owner's requests and grants ---------------------------------------------------------------


class RequestsApi(APIView):
    @extend_schema(operation_id="cameo_requests_list", responses={200: paginated(GrantOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.requests_for(request.user),
            # Newest asked first: a request asked again after the cool-down keeps its row (and id).
            ordering=("-requested_at", "-id"),
            salt=f"cameo-requests-{request.user.pk}",
            **page_query(request),
        )
        return Response(page_body(page, GrantOutput))


class RequestDecisionApi(APIView):
    approve = True

    @extend_schema(request=None, responses={200: GrantOutput, **errors(401, 404, 409)})
    def post(self, request: Request, grant_id: int) -> Response:
        grant = services.grant_decide(owner=request.user, grant_id=grant_id, approve=self.approve)
        return Response(presenters.grant_body(grant))


class GrantsApi(APIView):
    @extend_schema(operation_id="cameo_grants_list", responses={200: paginated(GrantOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.grants_for(request.user),
            # Newest approved first: someone approved again after a denial keeps their row (and id).
            ordering=("-approved_at", "-id"),
            salt=f"cameo-grants-{request.user.pk}",
            **page_query(request),
        )
        return Response(page_body(page, GrantOutput))


def _videos_choice(request: Request) -> bool:
    """`?videos=delete` also deletes that person's published videos that show me; `keep` (default) not.
    Another parameter (`?video=delete`) or `videos` twice is a 400, nothing done: answered with `keep`,
    the person thought the videos gone, and a revoked grant cannot be revoked again to delete them."""
    query = VideosQuery(data=query_values(request.query_params))
    query.is_valid(raise_exception=True)
    return query.validated_data["videos"] == "delete"


class GrantDetailApi(APIView):
    @extend_schema(
        operation_id="cameo_grants_revoke",
        parameters=[OpenApiParameter("videos", str, enum=["keep", "delete"], required=False)],
        responses={204: OpenApiResponse(description="Revoked, with its cascade."), **errors(400, 401, 404)},
    )
    def delete(self, request: Request, grant_id: int) -> Response:
        no_body(request.data)  # the choice goes in the query string: `{"videos": "delete"}` is refused
        services.grant_revoke(owner=request.user, grant_id=grant_id, delete_videos=_videos_choice(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- videos of me ----------------------------------------------------------------------------------


class AppearancesApi(APIView):
    class DeleteQuery(StrictSerializer):
        """Whose videos of me to delete: one author, or all. Another parameter (`?authr=`), a name given
        twice (`?author=a&author=b`: which one counts would be a guess) or both at once is a 400, nothing
        deleted: acting on one of them left the videos of the other, which the person thought gone."""

        author = serializers.CharField(required=False)
        all = serializers.BooleanField(required=False)

        def validate(self, data: dict[str, Any]) -> dict[str, Any]:
            if "author" in data and data.get("all"):
                raise serializers.ValidationError({"all": ["Give either author or all, not both."]})
            if "author" not in data and not data.get("all"):
                raise serializers.ValidationError({"author": ["Say whose videos (?author=handle) or ?all=true."]})
            return data

    @extend_schema(
        operation_id="cameo_appearances_list", responses={200: paginated(AppearanceOutput), **errors(400, 401)}
    )
    def get(self, request: Request) -> Response:
        page = selectors.appearances_page(request.user, **page_query(request))
        return Response(presenters.appearances_page(page, request.user))

    @extend_schema(
        operation_id="cameo_appearances_delete_many",
        parameters=[
            OpenApiParameter("author", str, required=False, description="only the videos by this handle"),
            OpenApiParameter("all", bool, required=False, description="every video that shows me"),
        ],
        responses={200: OpenApiResponse(description="{deleted: n}"), **errors(400, 401, 404)},
    )
    def delete(self, request: Request) -> Response:
        no_body(request.data)  # the choice goes in the query string
        query = self.DeleteQuery(data=query_values(request.query_params))
        query.is_valid(raise_exception=True)
        handle = query.validated_data.get("author")
        if handle:
            from accounts.selectors import account_by_handle, user_by_handle_for

            # Videos of me are mine to delete whoever made them, an author support deactivated too
            # (their videos stay, listed under their handle); with none, someone who blocked me or
            # who was deactivated is an unknown handle, as everywhere else.
            author = account_by_handle(handle)
            deleted = services.appearances_delete(person=request.user, author=author) if author else 0
            if not deleted:
                user_by_handle_for(handle, request.user)  # type: ignore[arg-type]
        else:
            deleted = services.appearances_delete(person=request.user)
        return Response({"deleted": deleted})


class AppearanceDetailApi(APIView):
    @extend_schema(
        operation_id="cameo_appearances_delete",
        responses={204: OpenApiResponse(description="The video is deleted everywhere."), **errors(401, 404)},
    )
    def delete(self, request: Request, video_id: int) -> Response:
        services.appearance_delete(person=request.user, video_id=video_id, hold_author=True)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PossibleMatchesApi(APIView):
    """The author's side of a possible match: a face in one of my videos may be this person's."""

    @extend_schema(
        operation_id="cameo_possible_matches_list",
        responses={200: paginated(PossibleMatchOutput), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.possible_matches_listed(request.user),
            ordering=("-id",),
            salt=f"possible-matches-{request.user.pk}",  # this author's list: another's cursor is a 400
            **page_query(request),
        )
        return Response(page_body(page, PossibleMatchOutput))


class PossibleMatchDecisionApi(APIView):
    confirm = True

    @extend_schema(
        request=None,
        responses={
            204: OpenApiResponse(description="confirm: the person sees the video and may delete it; remove: dropped."),
            **errors(401, 404),
        },
    )
    def post(self, request: Request, match_id: int) -> Response:
        services.possible_match_decide(author=request.user, match_id=match_id, confirm=self.confirm)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ScanApi(APIView):
    throttle_scope = "enrollment"

    @extend_schema(
        operation_id="cameo_scan",
        request=None,
        responses={202: OpenApiResponse(description="Scanning existing videos for my face."), **errors(401, 404)},
    )
    def post(self, request: Request) -> Response:
        cameo = selectors.active_cameo(request.user)
        if cameo is None:
            raise NotFound("You have no cameo yet: enroll first.")
        services.schedule_scan(cameo.pk)
        return Response({"status": "scanning"}, status=status.HTTP_202_ACCEPTED)


# --- search ----------------------------------------------------------------------------------------


def _search_people(q: str, viewer: User, cursor: str | None, limit: int | None) -> dict[str, Any]:
    page = people_search(q, viewer, cursor=cursor, limit=limit)
    return {"results": [user_summary(u) for u in page.items], "next": page.next}


def _search_cameos(q: str, viewer: User, cursor: str | None, limit: int | None) -> dict[str, Any]:
    page = selectors.cameos_search(q, viewer, cursor=cursor, limit=limit)
    return {"results": [presenters.access_body(owner, access) for owner, access in page.items], "next": page.next}


def _search_videos(q: str, viewer: User, cursor: str | None, limit: int | None) -> dict[str, Any]:
    page = videos_search(q, viewer, cursor=cursor, limit=limit)
    return {"results": video_bodies(page.items, viewer), "next": page.next}


# type -> (q, viewer, cursor, limit) -> a page body; one line a type.
SEARCHES = {
    "people": _search_people,
    "cameos": _search_cameos,
    "videos": _search_videos,
}
# The result shape of each type, for the OpenAPI document.
SEARCH_RESULTS = [UserSummaryOutput, AccessOutput, VideoOutput]


class SearchApi(APIView):
    """People by handle and display name (prefix and typo tolerant), videos, or cameos one may use."""

    throttle_scope = "search"

    class SearchQuery(serializers.Serializer):
        q = serializers.CharField(min_length=1, max_length=100, help_text="1–100 characters.")
        type = serializers.ChoiceField(choices=list(SEARCHES), default="people")

        def validate_q(self, value: str) -> str:
            """The query as captions and names are written (core.text.display): a zero-width space or a
            BOM pasted into a word split it in two, so the word was found nowhere; a query of only such
            characters is as blank as spaces (the prompts' one notion of invisible, core.text.canonical)."""
            if not canonical(value, strict=False).strip():
                raise serializers.ValidationError("Use at least one visible character.")
            return display(value)

    @extend_schema(
        operation_id="search",
        parameters=[SearchQuery, PageQuerySerializer],
        responses={
            200: inline_serializer(
                "SearchPage",
                {
                    # Each result in one of the shapes (an empty page fits them all, so not oneOf the pages).
                    "results": PolymorphicProxySerializer(
                        "SearchResult", serializers=SEARCH_RESULTS, resource_type_field_name=None, many=True
                    ),
                    "next": serializers.CharField(allow_null=True, help_text="Cursor of the next page, or null."),
                },
            ),
            **errors(400, 401, 429),
        },
    )
    def get(self, request: Request) -> Response:
        # A parameter given twice is refused: `?q=ana&q=@ana.b` searched whichever came last.
        query = self.SearchQuery(data=query_values(request.query_params))
        query.is_valid(raise_exception=True)
        page = page_query(request)
        search = SEARCHES[query.validated_data["type"]]
        return Response(search(query.validated_data["q"], request.user, page["cursor"], page["limit"]))


class TrendingApi(APIView):
    """Today's rising videos and the most-used cameos (docs/feed-ranking.md § Trending); the same for
    everyone, less anyone in a block with the caller. Anonymous callers too, like For You."""

    permission_classes = [AllowAny]

    @extend_schema(operation_id="trending", responses={200: presenters.TrendingOutput})
    def get(self, request: Request) -> Response:
        viewer = viewer_of(request)
        return Response(presenters.trending_body(selectors.trending_for(viewer), viewer))
