"""Thin HTTP views for moderation: a preflight of the consent gate and the prompt policy."""

from __future__ import annotations

import ipaddress
from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.apis import PRIVATE, errors
from core.exceptions import InvalidInput, NotFound
from core.parsers import StrictMultiPartParser
from core.serializers import JSONString, StrictSerializer
from core.spoken import PHONEME_CODES, phoneme_codes, too_long, too_long_for_any
from core.text import MixedScript, canonical
from core.throttling import client_address
from moderation import consent, policy, presenters, takedowns
from moderation.conf import conf
from moderation.models import TakedownRequest
from moderation.presenters import ConsentCheckOutput, TakedownChallengeOutput, TakedownOutput
from moderation.selectors import remix_source
from moderation.signals import longest_video_s


class ConsentCheckInput(StrictSerializer):
    prompt = JSONString(trim_whitespace=True)
    remix_of = serializers.IntegerField(required=False, min_value=1)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The one prompt limit (moderation.conf), which generation's submit reads too.
        fields["prompt"] = JSONString(max_length=conf().max_prompt_chars, trim_whitespace=True)
        return fields


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
        # What submit refuses (generation.services._validate) is not "allowed" here: lines that no
        # duration it accepts could hold (it checks the one asked for), and sound codes.
        longest = _longest_video_s()
        if longest is not None and too_long(prompt, longest):
            raise InvalidInput({"prompt": [too_long_for_any(longest)]})
        if phoneme_codes(prompt):
            raise InvalidInput({"prompt": [PHONEME_CODES]})
        remix = body.validated_data.get("remix_of")
        if remix is not None:
            remix_source(remix, request.user)
        author = cast(User, request.user)  # IsAuthenticated is the default permission
        decision = consent.check(author, prompt, remix_of=remix, stage="preflight", record=False)
        categories = policy.categories(prompt)
        return Response(presenters.consent_check_body(decision, categories))


def _longest_video_s() -> int | None:
    """The longest video submit accepts, in seconds (generation answers longest_video_s: moderation
    never imports it), or None without generation."""
    longest: int | None = None
    for _, seconds in longest_video_s.send(sender=ConsentCheckApi):
        if isinstance(seconds, int):
            longest = seconds if longest is None else max(longest, seconds)
    return longest


# --- takedown requests (no account needed) ---------------------------------------------------------


class TakedownChallengeApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "takedown_challenges"  # not the requests' own: each try takes one of each

    @extend_schema(
        operation_id="takedown_challenge_create", request=None, responses={201: TakedownChallengeOutput, **errors(429)}
    )
    def post(self, request: Request) -> Response:
        challenge = takedowns.challenge_create()
        return Response(presenters.takedown_challenge_body(challenge), status=status.HTTP_201_CREATED)


class TakedownsApi(APIView):
    permission_classes = [AllowAny]
    parser_classes = [StrictMultiPartParser]
    throttle_scope = "takedowns"

    class TakedownInput(StrictSerializer):
        video = serializers.FileField(help_text="A selfie video answering the challenge: MP4, WebM or MOV, 2–15 s.")
        challenge = serializers.UUIDField()
        email = serializers.EmailField(max_length=254, help_text="Where we write about this request.")
        videos = serializers.ListField(
            child=serializers.CharField(max_length=300), required=False, max_length=50, help_text="Ids or links."
        )

    @extend_schema(
        operation_id="takedown_create",
        request={"multipart/form-data": TakedownInput},
        responses={202: TakedownOutput, **errors(400, 413, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.TakedownInput(data=request.data)
        data.is_valid(raise_exception=True)
        created = takedowns.request_submit(
            challenge_id=data.validated_data["challenge"],
            video=data.validated_data["video"],
            email=data.validated_data["email"],
            videos=data.validated_data.get("videos", []),
            address=_client_address(request),
        )
        return Response(
            presenters.takedown_body(created),
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": f"/api/v1/takedowns/{created.tracking}", **PRIVATE},  # the tracking: a secret
        )


class TakedownApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "takedowns_status"

    @extend_schema(operation_id="takedown_status", responses={200: TakedownOutput, **errors(404, 429)})
    def get(self, request: Request, tracking: str) -> Response:
        found = TakedownRequest.objects.filter(tracking=tracking.strip().upper()).first()
        if found is None:
            raise NotFound("No takedown request has this tracking number.")
        return Response(presenters.takedown_body(found), headers=PRIVATE)  # the holder's alone, no account


def _client_address(request: Request) -> str | None:
    """The caller's IP address (core.throttling.client_address), or None where there is none (a unix
    socket gives "")."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None
