"""Domain errors and the one exception handler that turns every error into the API's shape.

Every error answers `{"error": <code>, "detail": <text>, ...}`; validation errors add `fields`,
mapping each field to its messages. Services raise `ApplicationError` subclasses; views never build
error responses themselves.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.response import Response


class ApplicationError(Exception):
    """An error a client can act on. Subclasses fix the status; `extra` adds fields to the body."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "bad_request"
    default_detail = "The request could not be processed."

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        self.extra = extra
        super().__init__(self.detail)

    def as_body(self) -> dict[str, Any]:
        return {"error": self.code, "detail": self.detail, **self.extra}


class InvalidInput(ApplicationError):
    code = "invalid"
    default_detail = "Some fields are invalid."

    def __init__(self, fields: dict[str, list[str]], detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail, fields=fields, **extra)


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"
    default_detail = "Not found."


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"
    default_detail = "You may not do this."


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"
    default_detail = "This conflicts with the current state."


class TooManyRequests(ApplicationError):
    """Over a quota: the body and the Retry-After header say when to try again."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    code = "quota_exceeded"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, retry_after=self.retry_after, **extra)


class PayloadTooLarge(drf.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = "The request body is too large."


def _flatten(detail: Any) -> Any:
    """ErrorDetail trees (lists, dicts, nested serializers) as plain strings."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _validation_body(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        fields = _flatten(detail)
        first = next(iter(fields.items()), None)
        text = "Some fields are invalid."
        if first is not None:
            messages = first[1] if isinstance(first[1], list) else [first[1]]
            if messages and isinstance(messages[0], str):
                text = f"{first[0]}: {messages[0]}"
        return {"error": "invalid", "detail": text, "fields": fields}
    messages = _flatten(detail if isinstance(detail, list) else [detail])
    return {"error": "invalid", "detail": " ".join(str(m) for m in messages) or "Invalid input."}


def error_body(exc: Exception) -> tuple[int, dict[str, Any], dict[str, str]] | None:
    """(status, body, headers) for an exception we know, or None for a real server error."""
    headers: dict[str, str] = {}
    if isinstance(exc, ApplicationError):
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.retry_after)
        return exc.status_code, exc.as_body(), headers
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return 404, {"error": "not_found", "detail": "Not found."}, headers
    if isinstance(exc, DjangoPermissionDenied):
        return 403, {"error": "permission_denied", "detail": "You may not do this."}, headers
    if isinstance(exc, RequestDataTooBig):
        return 413, {"error": "payload_too_large", "detail": "The request body is too large."}, headers
    if isinstance(exc, SuspiciousOperation):
        return 400, {"error": "bad_request", "detail": "The request was malformed."}, headers
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return 400, _validation_body(detail), headers
    if isinstance(exc, drf.ValidationError):
        return 400, _validation_body(exc.detail), headers
    if isinstance(exc, drf.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        body: dict[str, Any] = {"error": exc.default_code, "detail": str(exc.detail)}
        if isinstance(exc, drf.Throttled) and getattr(exc, "wait", None) is not None:
            wait = max(1, int(exc.wait + 0.999))  # type: ignore[attr-defined]
            headers["Retry-After"] = str(wait)
            body = {"error": "throttled", "detail": "Too many requests.", "retry_after": wait}
        return exc.status_code, body, headers
    return None


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    known = error_body(exc)
    if known is None:
        return None  # a bug: Django's handler500 answers with the error shape and logs it
    status_code, body, headers = known
    # rest_framework.views loads the API settings, which import this module: import it late.
    from rest_framework.views import set_rollback

    set_rollback()
    return Response(body, status=status_code, headers=headers)
