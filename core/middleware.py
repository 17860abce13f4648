"""Refuse oversized request bodies before anything reads them."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return JsonResponse({"error": "bad_request", "detail": "Invalid Content-Length."}, status=400)
        if length < 0:
            return JsonResponse({"error": "bad_request", "detail": "Invalid Content-Length."}, status=400)
        limit = settings.CASTFEED_MAX_REQUEST_BYTES
        if length > limit:
            return JsonResponse(
                {"error": "payload_too_large", "detail": f"Request bodies are limited to {limit} bytes."},
                status=413,
            )
        return self.get_response(request)
