"""How people, the graph and notifications look to clients: the one place that renders these bodies
and declares their schema serializers. Other apps' views (feed, cameos) use it, never accounts.apis."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import Block, Follow, Notification, User


def viewer_of(request: Request) -> User | None:
    """The signed-in caller, or None for an anonymous one."""
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


# --- a person in short -----------------------------------------------------------------------------


class UserSummaryOutput(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()


def user_summary(user: User) -> dict[str, Any]:
    """A person in a list or beside something of theirs (UserSummaryOutput's shape, written out: a
    serializer a person deep-copies its fields, 0.1 ms each, twenty times a page)."""
    return {"handle": user.handle, "display_name": user.display_name}


class FollowerOutput(UserSummaryOutput):
    def to_representation(self, instance: Follow) -> Any:
        return super().to_representation(instance.follower)


class FollowingOutput(UserSummaryOutput):
    def to_representation(self, instance: Follow) -> Any:
        return super().to_representation(instance.followee)


class BlockedOutput(UserSummaryOutput):
    def to_representation(self, instance: Block) -> Any:
        return super().to_representation(instance.blocked)


# --- me and a profile ------------------------------------------------------------------------------


class MeOutput(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()
    birthdate = serializers.DateField(allow_null=True)
    is_minor = serializers.BooleanField(help_text="Under 18 or no birthdate given: minors' likeness rules apply.")
    approval_only = serializers.BooleanField(
        help_text="Support set it (a look-alike of a protected person, cleared): as for a minor, only people "
        "you approve one by one may use your cameo, which cannot be open to everyone."
    )
    followers_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    date_joined = serializers.DateTimeField()


def me_body(user: User) -> dict[str, Any]:
    """The caller's own account (MeOutput), from accounts.selectors.me_with_counts."""
    return MeOutput(user).data


REGISTER_OUTPUT = inline_serializer("RegisterOutput", {"user": MeOutput(), "token": serializers.CharField()})
TOKEN_OUTPUT = inline_serializer("TokenOutput", {"token": serializers.CharField()})


def registered_body(user: User, token: str) -> dict[str, Any]:
    """A new account and its first token (REGISTER_OUTPUT)."""
    return {"user": me_body(user), "token": token}


def token_body(token: str) -> dict[str, Any]:
    """A token after signing in (TOKEN_OUTPUT)."""
    return {"token": token}


class ProfileOutput(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()
    followers_count = serializers.IntegerField()
    following_count = serializers.IntegerField()
    is_following = serializers.BooleanField(
        source="relation.i_follow", read_only=True, help_text="The caller follows this person."
    )
    follows_you = serializers.BooleanField(
        source="relation.follows_me", read_only=True, help_text="This person follows the caller."
    )
    is_mutual = serializers.BooleanField(
        source="relation.is_mutual", read_only=True, help_text="Both follow each other."
    )
    is_blocked = serializers.BooleanField(
        source="relation.blocked_by_me", read_only=True, help_text="The caller has blocked this person."
    )
    date_joined = serializers.DateTimeField()


def profile_body(user: User) -> dict[str, Any]:
    """Someone's profile as the caller sees it (ProfileOutput), from accounts.selectors.user_visible_to."""
    return ProfileOutput(user).data


# --- notifications ---------------------------------------------------------------------------------


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    data = serializers.DictField()  # type: ignore[assignment]
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None
