"""The web client's shell: one HTML page that loads the app as an ES module (docs/web.md).

Everything else the client does goes through the public API under /api/v1/; this view only serves
the page, with a strict Content-Security-Policy (no inline script or style, same-origin requests).
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@cache
def _media_sources() -> str:
    """Where posters and videos come from: this origin, plus the bucket's when media live on S3."""
    sources = ["'self'", "blob:"]
    storage = settings.STORAGES["default"]
    if storage["BACKEND"].startswith("storages."):
        options = storage.get("OPTIONS", {})
        domain = options.get("custom_domain") or ""
        endpoint = options.get("endpoint_url") or ""
        if domain:
            sources.append(f"https://{domain}")
        elif endpoint:
            parts = urlsplit(endpoint)
            sources.append(f"{parts.scheme}://{parts.netloc}")
        else:
            sources.append("https://*.amazonaws.com")
    return " ".join(sources)


def content_security_policy() -> str:
    media = _media_sources()
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {media} data:",
            f"media-src {media}",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@never_cache
@require_safe
def shell(request: HttpRequest) -> HttpResponse:
    response = render(request, "web/index.html")
    response["Content-Security-Policy"] = content_security_policy()
    # The camera (and, for the optional voice step, the microphone) is used by the cameo enrollment
    # on this origin only; nothing else is needed.
    response["Permissions-Policy"] = "camera=(self), microphone=(self), geolocation=(), payment=(), usb=()"
    response["Cross-Origin-Opener-Policy"] = "same-origin"
    return response
