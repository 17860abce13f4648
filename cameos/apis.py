"""Thin HTTP views for cameos (API.md § Cameos). No response ever carries a template or a crop of
someone else; the owner may download their own reference crops."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.presenters import UserSummaryOutput
from cameos import selectors, services
from cameos.models import Appearance, Audience, CameoGrant
from core.apis import errors, page_body, page_query, paginated
from core.exceptions import InvalidInput, NotFound
from core.pagination import keyset_page
from core.serializers import StrictSerializer
from feed.presenters import VideoOutput, video_bodies


class ChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    steps = serializers.ListField(child=serializers.ChoiceField(choices=services.STEPS))
    expires_at = serializers.DateTimeField()


class EnrollmentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class MyCameoOutput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["none", "verifying", "active", "rejected"])
    reason = serializers.CharField(help_text="When rejected: what to do differently.")
    reason_code = serializers.CharField()
    audience = serializers.ChoiceField(choices=Audience.choices, allow_null=True)
    instructions = serializers.CharField(allow_null=True)
    restrictions = serializers.ListField(child=serializers.CharField(), allow_null=True)
    protect_name = serializers.BooleanField(allow_null=True)
    references = serializers.IntegerField(help_text="How many reference images; GET /cameo/references/{n}.")
    enrolled_at = serializers.DateTimeField(allow_null=True)
    last_enrollment = EnrollmentOutput(allow_null=True)

    def to_representation(self, view: dict[str, Any]) -> dict[str, Any]:
        cameo, latest = view["cameo"], view["last_enrollment"]
        return {
            "status": view["status"],
            "reason": view["reason"],
            "reason_code": view["reason_code"],
            "audience": cameo.audience if cameo else None,
            "instructions": cameo.instructions if cameo else None,
            "restrictions": list(cameo.restrictions) if cameo else None,
            "protect_name": cameo.protect_name if cameo else None,
            "references": len(cameo.reference_names) if cameo else 0,
            "enrolled_at": serializers.DateTimeField().to_representation(cameo.enrolled_at) if cameo else None,
            "last_enrollment": EnrollmentOutput(latest).data if latest else None,
        }


class AccessOutput(serializers.Serializer):
    handle = serializers.CharField()
    available = serializers.BooleanField(help_text="The caller may put this person in a video now.")
    can_request = serializers.BooleanField(help_text="The caller may ask for permission.")
    request = serializers.CharField(
        allow_null=True, help_text="The caller's own request: requested, denied, revoked, or null."
    )


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.SerializerMethodField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_person(self, grant: CameoGrant) -> dict[str, str]:
        return UserSummaryOutput(grant.grantee).data  # type: ignore[return-value]


class MyRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()


# --- enrollment ------------------------------------------------------------------------------------


class ChallengeApi(APIView):
    throttle_scope = "enrollment"

    @extend_schema(
        operation_id="cameo_challenge_create", request=None, responses={201: ChallengeOutput, **errors(401, 429)}
    )
    def post(self, request: Request) -> Response:
        challenge = services.challenge_create(user=request.user)
        return Response(ChallengeOutput(challenge).data, status=status.HTTP_201_CREATED)


class MyCameoApi(APIView):
    def get_parsers(self) -> list[Any]:
        if self.request is not None and self.request.method == "POST":
            return [MultiPartParser()]
        return super().get_parsers()

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "enrollment" if self.request.method == "POST" else None  # type: ignore[assignment]
        return super().get_throttles()

    class EnrollInput(StrictSerializer):
        video = serializers.FileField(help_text="MP4, WebM or MOV, 2–15 s, at most 20 MB and 1920 px.")
        challenge = serializers.UUIDField()

    class CameoUpdateInput(StrictSerializer):
        audience = serializers.ChoiceField(choices=Audience.choices, required=False)
        instructions = serializers.CharField(max_length=300, required=False, allow_blank=True)
        restrictions = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=50)
        protect_name = serializers.BooleanField(required=False)

    class DeleteQuery(serializers.Serializer):
        appearances = serializers.ChoiceField(choices=["keep", "delete"], default="keep")

    @extend_schema(operation_id="cameo_retrieve", responses={200: MyCameoOutput, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(MyCameoOutput(selectors.my_cameo(request.user)).data)

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
        body = MyCameoOutput(selectors.my_cameo(request.user)).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": "/api/v1/cameo"})

    @extend_schema(
        operation_id="cameo_update", request=CameoUpdateInput, responses={200: MyCameoOutput, **errors(400, 401, 404)}
    )
    def patch(self, request: Request) -> Response:
        data = self.CameoUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.cameo_update(owner=request.user, delete_videos=_videos_choice(request), **data.validated_data)
        return Response(MyCameoOutput(selectors.my_cameo(request.user)).data)

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
        query = self.DeleteQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        services.cameo_delete(owner=request.user, delete_appearances=query.validated_data["appearances"] == "delete")
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReferenceImageApi(APIView):
    @extend_schema(
        operation_id="cameo_reference_retrieve",
        responses={(200, "image/jpeg"): OpenApiResponse(description="Your own reference image."), **errors(401, 404)},
    )
    def get(self, request: Request, index: int) -> HttpResponse:
        image = selectors.reference_image(request.user, index)
        return HttpResponse(image, content_type="image/jpeg", headers={"Cache-Control": "private, no-store"})


# --- someone else's cameo --------------------------------------------------------------------------


class CameoAccessApi(APIView):
    @extend_schema(operation_id="cameos_access", responses={200: AccessOutput, **errors(401, 404)})
    def get(self, request: Request, handle: str) -> Response:
        owner, cameo = selectors.cameo_for_handle(handle, request.user)
        access = selectors.cameo_access(cameo, request.user)
        return Response(
            {
                "handle": owner.handle,
                "available": access.available,
                "can_request": access.can_request,
                "request": access.request,
            }
        )


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
        return Response(MyRequestOutput(grant).data, status=status.HTTP_201_CREATED)


# --- the owner's requests and grants ---------------------------------------------------------------


class RequestsApi(APIView):
    @extend_schema(operation_id="cameo_requests_list", responses={200: paginated(GrantOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.requests_for(request.user), ordering=("-id",), salt="cameo-requests", **page_query(request)
        )
        return Response(page_body(page, GrantOutput))


class RequestDecisionApi(APIView):
    approve = True

    @extend_schema(request=None, responses={200: GrantOutput, **errors(401, 404, 409)})
    def post(self, request: Request, grant_id: int) -> Response:
        grant = services.grant_decide(owner=request.user, grant_id=grant_id, approve=self.approve)
        return Response(GrantOutput(grant).data)


class GrantsApi(APIView):
    @extend_schema(operation_id="cameo_grants_list", responses={200: paginated(GrantOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.grants_for(request.user), ordering=("-id",), salt="cameo-grants", **page_query(request)
        )
        return Response(page_body(page, GrantOutput))


def _videos_choice(request: Request) -> bool:
    """`?videos=delete` also deletes that person's published videos that show me; `keep` (default) not."""
    choice = request.query_params.get("videos", "keep")
    if choice not in ("keep", "delete"):
        raise InvalidInput({"videos": ["keep or delete"]})
    return choice == "delete"


class GrantDetailApi(APIView):
    @extend_schema(
        operation_id="cameo_grants_revoke",
        parameters=[OpenApiParameter("videos", str, enum=["keep", "delete"], required=False)],
        responses={204: OpenApiResponse(description="Revoked, with its cascade."), **errors(400, 401, 404)},
    )
    def delete(self, request: Request, grant_id: int) -> Response:
        services.grant_revoke(owner=request.user, grant_id=grant_id, delete_videos=_videos_choice(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- videos of me ----------------------------------------------------------------------------------


class AppearanceOutput(serializers.Serializer):
    match = serializers.ChoiceField(
        choices=["confirmed", "possible"],
        help_text="confirmed: the video is shown and you may delete it. possible: a face that may be yours, "
        "below the bar that reveals a video (docs/videos-of-me.md): nothing of the video is shown, its author "
        "is asked to confirm or remove you.",
    )
    video = VideoOutput(allow_null=True, help_text="null for a possible match.")
    description = serializers.CharField(help_text='For a possible match: "A video by someone".')
    source = serializers.ChoiceField(choices=["tagged", "detected"])
    similarity = serializers.FloatField(allow_null=True, help_text="Face match, 0–1, when detected and confirmed.")
    found_at = serializers.DateTimeField()

    def to_representation(self, row: selectors.AppearanceRow) -> dict[str, Any]:
        found_at = row.created_at.isoformat().replace("+00:00", "Z")
        if row.match != Appearance.Match.CONFIRMED:
            return {
                "match": "possible",
                "video": None,
                "description": "A video by someone",
                "source": row.source,
                "similarity": None,
                "found_at": found_at,
            }
        bodies = self.context["bodies"]
        return {
            "match": "confirmed",
            "video": bodies[row.video.pk],
            "description": "",
            "source": row.source,
            "similarity": round(row.similarity, 3) if row.similarity is not None else None,
            "found_at": found_at,
        }


class AppearancesApi(APIView):
    @extend_schema(
        operation_id="cameo_appearances_list", responses={200: paginated(AppearanceOutput), **errors(400, 401)}
    )
    def get(self, request: Request) -> Response:
        page = selectors.appearances_page(request.user, **page_query(request))
        ids = [r.video.pk for r in page.items if r.match == Appearance.Match.CONFIRMED]
        bodies = dict(zip(ids, video_bodies(ids, request.user), strict=True))
        return Response(
            {"results": AppearanceOutput(page.items, many=True, context={"bodies": bodies}).data, "next": page.next}
        )

    @extend_schema(
        operation_id="cameo_appearances_delete_many",
        parameters=[
            OpenApiParameter("author", str, required=False, description="only the videos by this handle"),
            OpenApiParameter("all", bool, required=False, description="every video that shows me"),
        ],
        responses={200: OpenApiResponse(description="{deleted: n}"), **errors(400, 401, 404)},
    )
    def delete(self, request: Request) -> Response:
        handle = request.query_params.get("author")
        if handle:
            from accounts.selectors import user_by_handle, user_by_handle_for

            deleted = services.appearances_delete(person=request.user, author=user_by_handle(handle))
            if not deleted:
                # Videos of me are mine to delete whoever made them; with none, someone who blocked
                # me is an unknown handle, as everywhere else.
                user_by_handle_for(handle, request.user)  # type: ignore[arg-type]
        elif request.query_params.get("all") in ("1", "true"):
            deleted = services.appearances_delete(person=request.user)
        else:
            raise InvalidInput({"author": ["Say whose videos (?author=handle) or ?all=true."]})
        return Response({"deleted": deleted})


class AppearanceDetailApi(APIView):
    @extend_schema(
        operation_id="cameo_appearances_delete",
        responses={204: OpenApiResponse(description="The video is deleted everywhere."), **errors(401, 404)},
    )
    def delete(self, request: Request, video_id: int) -> Response:
        services.appearance_delete(person=request.user, video_id=video_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PossibleMatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    video_id = serializers.IntegerField()
    person = serializers.SerializerMethodField()
    found_at = serializers.DateTimeField(source="created_at")

    def get_person(self, appearance: Appearance) -> dict[str, str]:
        return UserSummaryOutput(appearance.user).data  # type: ignore[return-value]


class PossibleMatchesApi(APIView):
    """The author's side of a possible match: a face in one of my videos may be this person's."""

    @extend_schema(
        operation_id="cameo_possible_matches_list",
        responses={200: paginated(PossibleMatchOutput), **errors(400, 401)},
    )
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.possible_matches_on_videos_of(request.user),
            ordering=("-id",),
            salt="possible-matches",
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
