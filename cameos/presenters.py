"""How cameos look to clients: the one place that renders the bodies of cameos/apis.py (enrollment,
access, grants, videos of me, possible matches) and declares their schema serializers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.models import User
from accounts.presenters import UserSummaryOutput, user_summary
from cameos import selectors, services
from cameos.models import Appearance, Audience, CameoGrant
from core.pagination import Page
from core.presenters import timestamp
from feed.presenters import VideoOutput, poster_url, video_bodies
from feed.selectors import PUBLISHED

# --- enrollment ------------------------------------------------------------------------------------


class ChallengeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    steps = serializers.ListField(child=serializers.ChoiceField(choices=services.STEPS))
    say_digits = serializers.CharField(
        allow_null=True, help_text="Digits to read aloud in the video (the voice step), or null without it."
    )
    expires_at = serializers.DateTimeField()


def challenge_body(challenge: Any) -> dict[str, Any]:
    """A liveness challenge: the head poses to film, the digits to read aloud (null without the voice
    step) and until when (ChallengeOutput); the takedown selfie's challenge (moderation) has the same
    body without digits."""
    body: dict[str, Any] = {"id": str(challenge.id), "steps": list(challenge.steps)}
    if hasattr(challenge, "say_digits"):  # an enrollment challenge (a takedown's has no voice step)
        body["say_digits"] = challenge.say_digits or None
    return {**body, "expires_at": serializers.DateTimeField().to_representation(challenge.expires_at)}


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
    references = serializers.IntegerField(
        help_text="How many reference images of my face are kept (encrypted; never sent, to me either)."
    )
    voice = serializers.BooleanField(help_text="A voice template is enrolled (the voice step); never the template.")
    enrolled_at = serializers.DateTimeField(allow_null=True)
    last_enrollment = EnrollmentOutput(allow_null=True)


def my_cameo_body(view: dict[str, Any]) -> dict[str, Any]:
    """The owner's cameo and latest enrollment (MyCameoOutput), from cameos.selectors.my_cameo."""
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
        "voice": view["voice"],
        "enrolled_at": timestamp(cameo.enrolled_at) if cameo else None,
        "last_enrollment": EnrollmentOutput(latest).data if latest else None,
    }


# --- someone else's cameo, requests and grants -----------------------------------------------------


class AccessOutput(serializers.Serializer):
    handle = serializers.CharField()
    available = serializers.BooleanField(help_text="The caller may put this person in a video now.")
    can_request = serializers.BooleanField(help_text="The caller may ask for permission.")
    request = serializers.CharField(
        allow_null=True, help_text="The caller's own request: requested, denied, revoked, or null."
    )


def access_body(owner: User, access: selectors.Access) -> dict[str, Any]:
    """Whether the caller may show the owner (AccessOutput)."""
    return {
        "handle": owner.handle,
        "available": access.available,
        "can_request": access.can_request,
        "request": access.request,
    }


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.SerializerMethodField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_person(self, grant: CameoGrant) -> dict[str, str]:
        return user_summary(grant.grantee)


def grant_body(grant: CameoGrant) -> dict[str, Any]:
    """A request or grant as the cameo's owner sees it (GrantOutput)."""
    return GrantOutput(grant).data


class MyRequestOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()


def my_request_body(grant: CameoGrant) -> dict[str, Any]:
    """The caller's own request to use someone's cameo (MyRequestOutput)."""
    return MyRequestOutput(grant).data


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
    source = serializers.ChoiceField(choices=["tagged", "detected"])  # type: ignore[assignment]
    similarity = serializers.FloatField(allow_null=True, help_text="Face match, 0–1, when detected and confirmed.")
    found_at = serializers.DateTimeField()


def appearance_body(row: selectors.AppearanceRow, video: dict[str, Any] | None) -> dict[str, Any]:
    """A video of me (AppearanceOutput): a possible match shows nothing of the video."""
    confirmed = row.match == Appearance.Match.CONFIRMED
    return {
        "match": "confirmed" if confirmed else "possible",
        "video": video if confirmed else None,
        "description": "" if confirmed else "A video by someone",
        "source": row.source,
        "similarity": round(row.similarity, 3) if confirmed and row.similarity is not None else None,
        "found_at": timestamp(row.created_at),
    }


def appearances_page(page: Page[selectors.AppearanceRow], viewer: User) -> dict[str, Any]:
    """A page of videos of me, the confirmed ones' video bodies looked up at once (one deleted since
    the page was read is left out)."""
    ids = [r.video.pk for r in page.items if r.match == Appearance.Match.CONFIRMED]
    bodies = {body["id"]: body for body in video_bodies(ids, viewer)}
    confirmed = Appearance.Match.CONFIRMED
    results = [
        appearance_body(r, bodies[r.video.pk] if r.match == confirmed else None)
        for r in page.items
        if r.match != confirmed or r.video.pk in bodies
    ]
    return {"results": results, "next": page.next}


class PossibleMatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    video_id = serializers.IntegerField()
    person = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField(
        help_text="The poster of your video, for you to tell which one it is (signed and expiring for a "
        "draft, as in the video's body); null for a video without one or hidden from everyone."
    )
    found_at = serializers.DateTimeField(source="created_at")

    def get_person(self, appearance: Appearance) -> dict[str, str]:
        return user_summary(appearance.user)

    def get_poster_url(self, appearance: Appearance) -> str | None:
        return poster_url(appearance.video)


# --- trending --------------------------------------------------------------------------------------


class TrendingCameoOutput(serializers.Serializer):
    user = UserSummaryOutput()
    uses = serializers.IntegerField(help_text="Published videos showing them in the last TRENDING_CAMEO_DAYS.")


class TrendingOutput(serializers.Serializer):
    videos = VideoOutput(many=True, help_text="Rising videos, fastest first (at most 20).")
    cameos = TrendingCameoOutput(many=True, help_text="Most-used cameos shown to everyone, most first (at most 20).")


def trending_body(trending: selectors.Trending, viewer: User | None) -> dict[str, Any]:
    """GET /trending (TrendingOutput). A video removed or deleted since the lists were cached is left out."""
    bodies = [body for body in video_bodies(trending.video_ids, viewer) if body["status"] == PUBLISHED]
    return {
        "videos": bodies[: selectors.TRENDING_SIZE],
        "cameos": [{"user": user_summary(user), "uses": uses} for user, uses in trending.people],
    }
