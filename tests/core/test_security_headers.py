"""Every answer carries the same security headers: the refusals that middleware makes by itself (a body
too large, a NUL in the query, an overloaded worker) and Django's own answers turned into the error
shape, as much as a view's."""

import time

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register"
# What a browser reads for safety. A view may add more (the web client's page adds its CSP).
SECURITY = (
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
    "Strict-Transport-Security",
)


def security_headers(response) -> dict[str, str | None]:  # type: ignore[no-untyped-def]
    return {name: response.get(name) for name in SECURITY}


@pytest.fixture
def ordinary(anon):  # type: ignore[no-untyped-def]
    """The headers of an ordinary answer of a view (a 400: the same endpoint, refused by its serializer)."""
    response = anon.post(REGISTER, {}, format="json")
    assert response.status_code == 400
    return security_headers(response)


def test_an_ordinary_answer_has_the_security_headers(ordinary):
    assert ordinary == {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": None,  # over HTTPS only (below)
    }


def test_a_body_too_large_is_413_with_the_same_security_headers(anon, settings, ordinary):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "MAX_REQUEST_BYTES": 100}

    response = anon.generic("POST", REGISTER, b"{" + b" " * 200 + b"}", content_type="application/json")

    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert security_headers(response) == ordinary
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("request_kwargs", "status"),
    [
        ({"path": "/api/v1/feed?q=%00"}, 400),  # a NUL in the query (RequestBodyLimitMiddleware)
        ({"path": "/api/v1/feed", "CONTENT_LENGTH": "abc"}, 400),  # a Content-Length that is no number
        ({"path": "/api/v1/feed", "HTTP_X_REQUEST_START": "waited"}, 503),  # ShedLateRequests
        ({"path": "/healthz", "method": "POST"}, 405),  # Django's answer, turned into the error shape
    ],
    ids=["nul-in-query", "bad-content-length", "overloaded", "django-405"],
)
def test_the_other_answers_made_outside_views_carry_them_too(anon, ordinary, request_kwargs, status):
    kwargs = dict(request_kwargs)
    path, method = kwargs.pop("path"), kwargs.pop("method", "GET")
    if kwargs.get("HTTP_X_REQUEST_START") == "waited":
        kwargs["HTTP_X_REQUEST_START"] = f"t={time.time() - 5:.3f}"

    response = anon.generic(method, path, **kwargs)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert security_headers(response) == ordinary


def test_over_https_a_413_carries_hsts_like_any_other_answer(settings):
    """HSTS is sent over HTTPS when DEBUG is off (config/settings/base.py; the tests run with it off)."""
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "MAX_REQUEST_BYTES": 100}
    client = Client()

    normal = client.post(REGISTER, {}, content_type="application/json", secure=True)
    too_large = client.generic("POST", REGISTER, b"{" + b" " * 200 + b"}", "application/json", secure=True)

    assert (normal.status_code, too_large.status_code) == (400, 413)
    assert too_large["Strict-Transport-Security"].startswith("max-age=")
    assert security_headers(too_large) == security_headers(normal)
