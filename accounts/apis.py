"""Thin HTTP views for accounts (API.md § Accounts): validate, call a service or selector, answer."""

from typing import Any

from django.contrib.auth import password_validation
from django.core.validators import MinLengthValidator, RegexValidator
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import presenters, selectors, services
from accounts.models import normalize_handle
from accounts.presenters import (
    REGISTER_OUTPUT,
    TOKEN_OUTPUT,
    BlockedOutput,
    FollowerOutput,
    FollowingOutput,
    MeOutput,
    NotificationOutput,
    ProfileOutput,
    viewer_of,
)
from core.apis import PRIVATE, errors, page_body, page_query, paginated
from core.pagination import Page, keyset_page
from core.serializers import JSONString, StrictSerializer, VideosQuery, no_body, query_values
from core.throttling import client_address

# --- auth ------------------------------------------------------------------------------------------


class HandleInput(JSONString):
    """A handle being chosen, lower-cased as it is stored, then held to what a pattern and a length can
    say of it (services.HandleFormat): the OpenAPI document states those from this field's validators.
    The rest (reserved, protected names, look-alikes) is services.check_handle's."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_length=3, max_length=30, validators=[services.HandleFormat()], **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return normalize_handle(super().to_internal_value(data))

    def run_validators(self, value: Any) -> None:
        try:
            super().run_validators(value)
        except serializers.ValidationError as exc:  # a handle too long is also one of the wrong form: say it once
            raise serializers.ValidationError(exc.detail[:1]) from exc  # type: ignore[index]


class NewPassword(JSONString):
    """A new password's field, held to the configured rules (AUTH_PASSWORD_VALIDATORS) that a length
    or a pattern can say, with their messages: the OpenAPI document states those from it (minLength,
    and a pattern: not only digits). The others (too common, too like the handle) are the service's.
    The rules are read as each request's field is made (a serializer copies its fields anew), not once
    at import: a deploy's or a test's AUTH_PASSWORD_VALIDATORS counts here as it does in the service."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=128, trim_whitespace=False, write_only=True, **kwargs)

    def get_validators(self) -> list[Any]:
        rules = []  # in the configured order, as the service names them
        for rule in password_validation.get_default_password_validators():
            if isinstance(rule, password_validation.MinimumLengthValidator):
                rules.append(MinLengthValidator(rule.min_length, rule.get_error_message()))
            elif isinstance(rule, password_validation.NumericPasswordValidator):
                rules.append(RegexValidator(r"[^0-9]", rule.get_error_message()))
        return [*rules, *super().get_validators()]


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "register"

    class RegisterInput(StrictSerializer):
        handle = HandleInput()
        password = NewPassword()
        display_name = JSONString(max_length=50, required=False, allow_blank=True)
        birthdate = serializers.DateField(required=False, allow_null=True, validators=[services.BIRTHDATE_YEAR])

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInput,
        responses={201: REGISTER_OUTPUT, **errors(400, 409, 429)},
    )
    def post(self, request: Request) -> Response:
        data = self.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(address=client_address(request), **data.validated_data)
        token = services.token_issue(user=user)
        body = presenters.registered_body(selectors.me_with_counts(user), token)
        return Response(body, status=status.HTTP_201_CREATED, headers=PRIVATE)  # a token: never cached


class TokenApi(APIView):
    throttle_scope = "sign_in"

    class SignInInput(StrictSerializer):
        handle = JSONString(max_length=64)
        password = JSONString(max_length=128, trim_whitespace=False)

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create", request=SignInInput, responses={200: TOKEN_OUTPUT, **errors(400, 429)}
    )
    def post(self, request: Request) -> Response:
        data = self.SignInInput(data=request.data)
        data.is_valid(raise_exception=True)
        _, token = services.token_sign_in(address=client_address(request), **data.validated_data)
        return Response(presenters.token_body(token), headers=PRIVATE)  # a token: never cached

    @extend_schema(
        operation_id="auth_token_revoke",
        request=None,
        responses={204: OpenApiResponse(description="Signed out: this token no longer works."), **errors(401)},
    )
    def delete(self, request: Request) -> Response:
        services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- me --------------------------------------------------------------------------------------------


class MeApi(APIView):
    class MeUpdateInput(StrictSerializer):
        display_name = JSONString(max_length=50, required=False, allow_blank=True)
        birthdate = serializers.DateField(required=False, validators=[services.BIRTHDATE_YEAR])
        password = NewPassword(required=False)
        current_password = JSONString(max_length=128, required=False, trim_whitespace=False, write_only=True)

    def get_throttles(self) -> list[Any]:
        # Checking the current password is signing in: its budget, so that a token is no way to
        # guess a password at the rate of every other request.
        data = self.request.data if self.request.method == "PATCH" else None
        self.throttle_scope = "sign_in" if isinstance(data, dict) and "current_password" in data else None  # type: ignore[assignment]
        return super().get_throttles()

    @extend_schema(operation_id="me_retrieve", responses={200: MeOutput, **errors(401)})
    def get(self, request: Request) -> Response:
        return Response(presenters.me_body(selectors.me_with_counts(request.user)))

    @extend_schema(operation_id="me_update", request=MeUpdateInput, responses={200: MeOutput, **errors(400, 401, 429)})
    def patch(self, request: Request) -> Response:
        data = self.MeUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(
            user=request.user, keep_token=request.auth, address=client_address(request), **data.validated_data
        )
        return Response(presenters.me_body(selectors.me_with_counts(user)))

    class EraseQuery(StrictSerializer):  # a misspelt `appearances` must not erase with the default
        appearances = serializers.ChoiceField(choices=["keep", "delete"], default="keep")

    @extend_schema(
        operation_id="me_erase",
        request=None,
        parameters=[
            OpenApiParameter(
                "appearances",
                str,
                enum=["keep", "delete"],
                description="`delete` also deletes every video that shows you, others' too.",
            )
        ],
        responses={
            204: OpenApiResponse(description="The account and everything of it is erased."),
            **errors(400, 401),
        },
    )
    def delete(self, request: Request) -> Response:
        no_body(request.data)
        query = self.EraseQuery(data=query_values(request.query_params))
        query.is_valid(raise_exception=True)
        services.account_erase(user=request.user, delete_appearances=query.validated_data["appearances"] == "delete")
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyBlocksApi(APIView):
    @extend_schema(
        operation_id="me_blocks_list", parameters=[], responses={200: paginated(BlockedOutput), **errors(400, 401)}
    )
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.blocks_of(request.user),
            ordering=("-id",),
            salt=f"blocks-{request.user.pk}",
            **page_query(request),
        )
        return Response(page_body(page, BlockedOutput))


# --- people and the graph --------------------------------------------------------------------------


class UserDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="users_retrieve", responses={200: ProfileOutput, **errors(404)})
    def get(self, request: Request, handle: str) -> Response:
        return Response(presenters.profile_body(selectors.user_visible_to(handle, viewer_of(request))))


class FollowApi(APIView):
    throttle_scope = "social"

    @extend_schema(
        operation_id="users_follow",
        request=None,
        responses={204: OpenApiResponse(description="Following."), **errors(400, 401, 404, 409)},
    )
    def put(self, request: Request, handle: str) -> Response:
        services.follow_create(follower=request.user, followee=selectors.user_by_handle(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="users_unfollow",
        request=None,
        responses={204: OpenApiResponse(description="Not following."), **errors(401, 404)},
    )
    def delete(self, request: Request, handle: str) -> Response:
        services.follow_delete(follower=request.user, followee=selectors.user_by_handle(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


class BlockApi(APIView):
    throttle_scope = "social"

    @extend_schema(
        operation_id="users_block",
        request=None,
        parameters=[OpenApiParameter("videos", str, enum=["keep", "delete"], required=False)],
        responses={204: OpenApiResponse(description="Blocked; follows both ways removed."), **errors(400, 401, 404)},
    )
    def put(self, request: Request, handle: str) -> Response:
        query = VideosQuery(data=query_values(request.query_params))
        query.is_valid(raise_exception=True)
        services.block_create(
            blocker=request.user,
            blocked=selectors.user_by_handle(handle),
            delete_videos=query.validated_data["videos"] == "delete",
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        operation_id="users_unblock",
        request=None,
        responses={204: OpenApiResponse(description="Not blocked."), **errors(401, 404)},
    )
    def delete(self, request: Request, handle: str) -> Response:
        services.block_delete(blocker=request.user, blocked=selectors.user_by_handle(handle))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowersApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="users_followers_list", responses={200: paginated(FollowerOutput), **errors(400, 404)})
    def get(self, request: Request, handle: str) -> Response:
        viewer = viewer_of(request)
        user = selectors.user_visible_to(handle, viewer)
        followers = selectors.followers_of(user, viewer)
        page = keyset_page(followers, ordering=("-id",), salt=f"followers-{user.pk}", **page_query(request))
        return Response(page_body(page, FollowerOutput))


class FollowingApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="users_following_list", responses={200: paginated(FollowingOutput), **errors(400, 404)})
    def get(self, request: Request, handle: str) -> Response:
        viewer = viewer_of(request)
        user = selectors.user_visible_to(handle, viewer)
        following = selectors.following_of(user, viewer)
        page = keyset_page(following, ordering=("-id",), salt=f"following-{user.pk}", **page_query(request))
        return Response(page_body(page, FollowingOutput))


class NotificationsApi(APIView):
    """Things to know: your cameo was used, a draft of you was made, someone asked to use your
    cameo, a video of you was found, a video of yours was removed by a person in it."""

    @extend_schema(
        operation_id="notifications_list", responses={200: paginated(NotificationOutput), **errors(400, 401)}
    )
    def get(self, request: Request) -> Response:
        page = keyset_page(
            selectors.notifications_of(request.user),  # type: ignore[arg-type]
            ordering=("-id",),
            salt=f"notifications-{request.user.pk}",
            **page_query(request),
        )
        named = Page(selectors.notifications_named_now(page.items), page.next)  # handles as they are now
        return Response(page_body(named, NotificationOutput))


class NotificationsReadApi(APIView):
    @extend_schema(
        operation_id="notifications_read", request=None, responses={200: OpenApiResponse(description="{read: n}")}
    )
    def post(self, request: Request) -> Response:
        return Response({"read": services.notifications_read(user=request.user)})  # type: ignore[arg-type]


class ExportApi(APIView):
    throttle_scope = "register"

    @extend_schema(
        operation_id="me_export",
        responses={200: OpenApiResponse(description="Everything of mine, as JSON (no face template)."), **errors(401)},
    )
    def get(self, request: Request) -> Response:
        return Response(services.account_export(user=request.user))  # type: ignore[arg-type]
