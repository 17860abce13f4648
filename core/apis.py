"""Building blocks for every app's API views: page parameters, the list envelope and error
schemas for the OpenAPI document."""

from functools import cache
from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.request import Request

from core.pagination import Page


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable code, e.g. `invalid`, `not_found`, `consent_required`.")
    detail = serializers.CharField(help_text="What went wrong, in words for people.")
    # Declared fields are popped off the class by DRF, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For `invalid`: each field and its messages.",
    )


def errors(*status_codes: int) -> dict[int, type[serializers.Serializer]]:
    return dict.fromkeys(status_codes, ErrorSerializer)


class PageQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=4000, help_text="`next` of the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=settings.CASTFEED_MAX_PAGE_SIZE)


def page_query(request: Request) -> dict[str, Any]:
    """Validated `cursor` and `limit` query parameters (400 when malformed)."""
    query = PageQuerySerializer(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return {"cursor": query.validated_data.get("cursor"), "limit": query.validated_data.get("limit")}


@cache
def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The list envelope `{"results": [...], "next": cursor|null}` around `item`, for the schema."""
    name = item.__name__.removesuffix("Serializer").removesuffix("Output")
    return type(
        f"{name}Page",
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next": serializers.CharField(allow_null=True, help_text="Cursor of the next page, or null."),
        },
    )


def page_body(page: Page[Any], item: type[serializers.Serializer], **context: Any) -> dict[str, Any]:
    return {"results": item(page.items, many=True, context=context).data, "next": page.next}
