"""Thin HTTP views for moderation: a preflight of the consent gate and the prompt policy."""

from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.apis import errors
from core.exceptions import InvalidInput
from core.serializers import StrictSerializer
from core.text import MixedScript, canonical
from feed.models import Video
from feed.selectors import video_visible_to
from moderation import consent, policy


class ConsentCheckInput(StrictSerializer):
    prompt = serializers.CharField(max_length=2000, trim_whitespace=True)
    remix_of = serializers.IntegerField(required=False, min_value=1)


class SubjectOutput(serializers.Serializer):
    handle = serializers.CharField(allow_null=True)
    source = serializers.ChoiceField(choices=consent.SOURCES)  # type: ignore[assignment]
    verdict = serializers.ChoiceField(choices=["allowed", "refused"])
    reason = serializers.CharField()
    detail = serializers.CharField()


class ConsentCheckOutput(serializers.Serializer):
    allowed = serializers.BooleanField(
        help_text="Every person the prompt would show allows you, and no policy is broken."
    )
    subjects = SubjectOutput(many=True)
    categories = serializers.ListField(child=serializers.ChoiceField(choices=policy.CATEGORIES))


def remix_source(video_id: int, author: object) -> Video:
    """A video one may remix: published, or one's own (a draft of someone else is not)."""
    video = video_visible_to(video_id, author)  # type: ignore[arg-type]
    if video.status != Video.Status.PUBLISHED and video.author_id != getattr(author, "pk", None):
        raise InvalidInput({"remix_of": ["Only published videos can be remixed."]})
    return video


class ConsentCheckApi(APIView):
    """What the client shows while someone types a prompt: who it would show and whether they may.
    Nothing is recorded; the same gate runs again on submit and after."""

    throttle_scope = "consent_check"

    @extend_schema(
        operation_id="consent_check",
        request=ConsentCheckInput,
        responses={200: ConsentCheckOutput, **errors(400, 401, 404, 429)},
    )
    def post(self, request: Request) -> Response:
        body = ConsentCheckInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            # The same text submit would store and check (generation.services._validate).
            prompt = canonical(body.validated_data["prompt"])
        except MixedScript as exc:
            raise InvalidInput({"prompt": [exc.message]}) from exc
        if not prompt:
            raise InvalidInput({"prompt": ["Describe the video."]})
        remix = body.validated_data.get("remix_of")
        if remix is not None:
            remix_source(remix, request.user)
        author = cast(User, request.user)  # IsAuthenticated is the default permission
        decision = consent.check(author, prompt, remix_of=remix, stage="preflight", record=False)
        categories = policy.categories(prompt)
        return Response(
            {
                "allowed": decision.allowed and not categories,
                "subjects": decision.public(),
                "categories": categories,
            }
        )
