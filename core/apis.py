"""Building blocks for every app's API views: page parameters, the list envelope and error
schemas for the OpenAPI document."""

from functools import cache
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from core.conf import conf
from core.pagination import Page

# The caller's alone: kept by no cache, shared or the browser's (core.middleware.PrivateApiAnswers
# sends it on every answer to a request with a token; an answer that hands out a token sends it too).
PRIVATE = {"Cache-Control": "private, no-store"}

# A field's messages: a list of texts, or for a list field, the texts of each item by its index.
FIELD_MESSAGES = {
    "anyOf": [
        {"type": "array", "items": {"type": "string"}},
        {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    ]
}


@extend_schema_field(FIELD_MESSAGES)
class FieldMessages(serializers.JSONField):
    pass


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="A stable code, e.g. `invalid`, `not_found`, `consent_required`.")
    detail = serializers.CharField(help_text="What went wrong, in words for people.")
    # Declared fields are popped off the class by DRF, so this does not shadow Serializer.fields.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=FieldMessages(),
        required=False,
        help_text="For `invalid`: each field and its messages; a list field's messages by item index "
        '(`{"restrictions": {"2": ["…"]}}`).',
    )


def errors(*status_codes: int) -> dict[int, type[serializers.Serializer]]:
    """Error answers particular to an operation; `error_responses` adds the ones every operation has."""
    return dict.fromkeys(status_codes, ErrorSerializer)


def no_content(description: str, *status_codes: int) -> dict[int, Any]:
    """A 204 answer with what it means, and the error answers particular to an operation (`errors`)."""
    return {204: OpenApiResponse(description=description), **errors(*status_codes)}


ERROR_COMPONENT = "Error"
_COMMON_ERRORS = {
    400: "Malformed input: the body or a parameter is invalid (`invalid`, `parse_error`).",
    401: "Not signed in, or the token is not valid (a bad token is refused even where no sign-in is needed).",
    404: "Not found (or a path that matches no resource).",
    413: "The request body is too large.",
    415: "The body is not of a content type this operation reads.",
    429: "Over a rate limit or quota: `Retry-After` says when to try again.",
}


def _close_strict_request_bodies(result: dict[str, Any], generator: Any, schemas: dict[str, Any]) -> None:
    """Request bodies read by a StrictSerializer refuse unknown fields: `additionalProperties: false`."""
    from core.serializers import StrictSerializer

    strict = set()
    for component in generator.registry._components.values():
        obj = component.object
        cls = obj if isinstance(obj, type) else type(obj)
        if component.type == "schemas" and issubclass(cls, StrictSerializer):
            strict.add(component.name)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for media in operation.get("requestBody", {}).get("content", {}).values():
                name = media.get("schema", {}).get("$ref", "").rpartition("/")[2]
                if name in strict and name in schemas:
                    schemas[name]["additionalProperties"] = False


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the errors any request can get.

    Every operation can answer 401 (a bad bearer token) and 429 (the default rate limit); one with
    path parameters 404; one with query parameters 400; one with a body 400, 413 and 415. Every 4xx
    and 5xx answer, declared here or on the view, is `application/json` in the error shape.
    """
    error_ref = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    _close_strict_request_bodies(result, generator, schemas)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            codes = {401, 429}
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "path" for p in parameters):
                codes.add(404)
            if any(p.get("in") == "query" for p in parameters):
                codes.add(400)
            if "requestBody" in operation:
                codes |= {400, 413, 415}
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(str(code), {"description": _COMMON_ERRORS[code]})
            for code, response in responses.items():
                if not response.get("description") and int(code) in _COMMON_ERRORS:
                    response["description"] = _COMMON_ERRORS[int(code)]
                if code[:1] in {"4", "5"}:
                    response["content"] = {"application/json": {"schema": error_ref}}
                    if code == "429":
                        response.setdefault("headers", {})["Retry-After"] = {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait.",
                        }
    if ERROR_COMPONENT not in schemas:  # ErrorSerializer, unless no view named it
        schemas[ERROR_COMPONENT] = {
            "type": "object",
            "properties": {
                "error": {"type": "string"},
                "detail": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": FIELD_MESSAGES},
            },
            "required": ["error", "detail"],
        }
    return result


class PageQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False, max_length=4000, help_text="`next` of the previous page.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=conf().max_page_size)


def page_query(request: Request) -> dict[str, Any]:
    """Validated `cursor` and `limit` query parameters (400 when malformed, or given twice: which one
    the client meant would be a guess, as core.serializers.query_values says)."""
    if not request.query_params:  # a first page with the default size: nothing to validate
        return {"cursor": None, "limit": None}
    twice = [name for name in ("cursor", "limit") if len(request.query_params.getlist(name)) > 1]
    if twice:  # the view's own parameters are its own to check
        raise serializers.ValidationError({name: ["Given more than once."] for name in twice})
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
