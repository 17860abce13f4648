"""How a person looks to clients, shared by other apps' views (feed, cameos): never accounts.apis."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request

from accounts.models import User


def viewer_of(request: Request) -> User | None:
    """The signed-in caller, or None for an anonymous one."""
    return request.user if request.user.is_authenticated else None  # type: ignore[return-value]


class UserSummaryOutput(serializers.Serializer):
    handle = serializers.CharField()
    display_name = serializers.CharField()
