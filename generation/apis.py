"""Thin HTTP views for generation (API.md § Generation)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.presenters import viewer_of
from core.apis import errors, page_query, paginated
from core.pagination import keyset_page
from core.parsers import LimitedJSONParser, StrictMultiPartParser
from core.serializers import JSONString, StrictSerializer
from feed.presenters import VideoOutput, video_bodies
from generation import selectors, services
from generation.presenters import JobOutput, job_bodies
from moderation.conf import conf as moderation_conf


class SubmitInput(StrictSerializer):
    # The longest prompt is moderation's, as for the consent check (read when this module is imported;
    # the service checks the canonical text against the current value).
    prompt = JSONString(max_length=moderation_conf().max_prompt_chars, allow_blank=True, trim_whitespace=True)
    duration_s = serializers.IntegerField(help_text="2–10 seconds.")
    aspect = JSONString(required=False, default="9:16", help_text="9:16, 1:1 or 16:9.")
    seed = serializers.IntegerField(required=False, allow_null=True, default=None)
    remix_of = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    image = serializers.FileField(required=False, allow_null=True, default=None, help_text="multipart only")


class PublishInput(StrictSerializer):
    caption = JSONString(required=False, allow_blank=True, max_length=300)


class GenerationsApi(APIView):
    parser_classes = [LimitedJSONParser, StrictMultiPartParser]

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "generation" if self.request.method == "POST" else ""
        return super().get_throttles()

    @extend_schema(operation_id="generations_list", responses={200: paginated(JobOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.jobs_of(request.user),
            ordering=("-created_at", "-id"),
            salt=f"generations-{request.user.pk}",
            **page_query(request),
        )
        return Response({"results": job_bodies(page.items, viewer_of(request)), "next": page.next})

    @extend_schema(
        operation_id="generations_create",
        request={"application/json": SubmitInput, "multipart/form-data": SubmitInput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={202: JobOutput, 200: JobOutput, **errors(400, 401, 403, 404, 413, 422, 429)},
    )
    def post(self, request: Request) -> Response:
        body = SubmitInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job, created = services.job_submit(
            author=request.user,  # type: ignore[arg-type]
            prompt=data["prompt"],
            duration_s=data["duration_s"],
            aspect=data["aspect"],
            seed=data["seed"],
            image=data["image"],
            remix_of=data["remix_of"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
        )
        location = reverse("generation-detail", kwargs={"job_id": job.pk})
        return Response(
            job_bodies([job], viewer_of(request))[0],
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": location},
        )


class GenerationDetailApi(APIView):
    @extend_schema(operation_id="generations_retrieve", responses={200: JobOutput, **errors(401, 404)})
    def get(self, request: Request, job_id: str) -> Response:
        job = selectors.job_of(request.user, job_id)  # type: ignore[arg-type]
        return Response(job_bodies([job], viewer_of(request))[0])


class GenerationCancelApi(APIView):
    @extend_schema(operation_id="generations_cancel", request=None, responses={200: JobOutput, **errors(401, 404, 409)})
    def post(self, request: Request, job_id: str) -> Response:
        job = services.job_cancel(author=request.user, job_id=job_id)  # type: ignore[arg-type]
        return Response(job_bodies([job], viewer_of(request))[0])


class GenerationPublishApi(APIView):
    @extend_schema(
        operation_id="generations_publish",
        request=PublishInput,
        responses={200: VideoOutput, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, job_id: str) -> Response:
        body = PublishInput(data=request.data)
        body.is_valid(raise_exception=True)
        video = services.job_publish(
            author=request.user,  # type: ignore[arg-type]
            job_id=job_id,
            caption=body.validated_data.get("caption"),
        )
        return Response(video_bodies([video.pk], request.user)[0])  # type: ignore[arg-type]
