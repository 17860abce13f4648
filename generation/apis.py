"""Thin HTTP views for generation (API.md § Generation)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.apis import errors, page_body, page_query, paginated
from core.pagination import keyset_page
from core.parsers import LimitedJSONParser
from core.serializers import StrictSerializer
from feed.presenters import VideoOutput, video_bodies
from generation import selectors, services
from generation.models import GenerationJob


class SubmitInput(StrictSerializer):
    prompt = serializers.CharField(max_length=5000, allow_blank=True, trim_whitespace=True)
    duration_s = serializers.IntegerField(help_text="2–10 seconds.")
    aspect = serializers.CharField(required=False, default="9:16", help_text="9:16, 1:1 or 16:9.")
    seed = serializers.IntegerField(required=False, allow_null=True, default=None)
    remix_of = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    image = serializers.FileField(required=False, allow_null=True, default=None, help_text="multipart only")


class JobErrorOutput(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class JobOutput(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=GenerationJob.Status.choices)
    progress = serializers.IntegerField(help_text="0–100")
    prompt = serializers.CharField()
    duration_s = serializers.IntegerField()
    aspect = serializers.CharField()
    seed = serializers.IntegerField()
    cameos = serializers.ListField(child=serializers.CharField(), help_text="Handles of the cameos used.")
    remix_of = serializers.IntegerField(allow_null=True)
    error = JobErrorOutput(allow_null=True)
    subjects = serializers.ListField(child=serializers.DictField(), help_text="The latest consent decision.")
    video = VideoOutput(allow_null=True, help_text="When ready or published.")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, job: GenerationJob) -> dict[str, Any]:
        viewer = self.context.get("viewer")
        bodies = self.context.get("videos")  # a page's video bodies, looked up once for all its jobs
        if bodies is not None:
            video = bodies.get(job.video_id) if job.video_id else None
        else:
            video = video_bodies([job.video_id], viewer)[0] if job.video_id else None
        return {
            "id": str(job.pk),
            "status": job.status,
            "progress": job.progress,
            "prompt": job.prompt,
            "duration_s": job.duration_s,
            "aspect": job.aspect,
            "seed": job.seed,
            "cameos": [c["handle"] for c in job.cameos],
            "remix_of": job.remix_of_id,
            "error": {"code": job.error_code, "detail": job.error} if job.error_code else None,
            "subjects": (job.consent or {}).get("subjects", []),
            "video": video,
            "created_at": job.created_at.isoformat().replace("+00:00", "Z"),
            "finished_at": job.finished_at.isoformat().replace("+00:00", "Z") if job.finished_at else None,
        }


class PublishInput(StrictSerializer):
    caption = serializers.CharField(required=False, allow_blank=True, max_length=300)


class GenerationsApi(APIView):
    parser_classes = [LimitedJSONParser, MultiPartParser]

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "generation" if self.request.method == "POST" else ""
        return super().get_throttles()

    @extend_schema(operation_id="generations_list", responses={200: paginated(JobOutput), **errors(400, 401)})
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.jobs_of(request.user), ordering=("-created_at", "-id"), salt="generations", **page_query(request)
        )
        ids = [job.video_id for job in page.items if job.video_id]
        videos = {body["id"]: body for body in video_bodies(ids, request.user)} if ids else {}  # type: ignore[arg-type]
        return Response(page_body(page, JobOutput, viewer=request.user, videos=videos))

    @extend_schema(
        operation_id="generations_create",
        request={"application/json": SubmitInput, "multipart/form-data": SubmitInput},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={202: JobOutput, 200: JobOutput, **errors(400, 401, 403, 404, 413, 429)},
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
            JobOutput(job, context={"viewer": request.user}).data,
            status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
            headers={"Location": location},
        )


class GenerationDetailApi(APIView):
    @extend_schema(operation_id="generations_retrieve", responses={200: JobOutput, **errors(401, 404)})
    def get(self, request: Request, job_id: str) -> Response:
        job = selectors.job_of(request.user, job_id)  # type: ignore[arg-type]
        return Response(JobOutput(job, context={"viewer": request.user}).data)


class GenerationCancelApi(APIView):
    @extend_schema(operation_id="generations_cancel", request=None, responses={200: JobOutput, **errors(401, 404, 409)})
    def post(self, request: Request, job_id: str) -> Response:
        job = services.job_cancel(author=request.user, job_id=job_id)  # type: ignore[arg-type]
        return Response(JobOutput(job, context={"viewer": request.user}).data)


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
