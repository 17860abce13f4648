"""How moderation looks to clients: the one place that renders the consent preflight and the takedown
bodies of moderation/apis.py and declares their schema serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cameos.presenters import challenge_body
from moderation import consent, policy
from moderation.models import TakedownChallenge, TakedownRequest

# --- the consent preflight -------------------------------------------------------------------------


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


def consent_check_body(decision: consent.Decision, categories: list[str]) -> dict[str, Any]:
    """Who a prompt would show and whether they allow it (ConsentCheckOutput; SubjectOutput each)."""
    return {"allowed": decision.allowed and not categories, "subjects": decision.public(), "categories": categories}


# --- takedown requests -----------------------------------------------------------------------------


class TakedownChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    steps = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()


def takedown_challenge_body(challenge: TakedownChallenge) -> dict[str, Any]:
    """The selfie's head poses (TakedownChallengeOutput): the body of an enrollment challenge."""
    return challenge_body(challenge)


class TakedownOutput(serializers.Serializer):
    """What the requester sees: never anything about anyone else (no video, no author, no draft)."""

    tracking = serializers.CharField()
    status = serializers.ChoiceField(choices=TakedownRequest.Status.choices)
    reason = serializers.CharField(help_text="When rejected or not matched: what happened.")
    received_at = serializers.DateTimeField()
    videos_hidden = serializers.IntegerField()
    videos_removed = serializers.IntegerField()


def takedown_body(takedown: TakedownRequest) -> dict[str, Any]:
    """A takedown request as its requester sees it (TakedownOutput)."""
    return TakedownOutput(takedown).data
