"""Every answer under /api/ and /healthz is JSON in the error shape, with DEBUG on as with it off:
hostile bodies (deep nesting, huge numbers, bad UTF-8) are 400s, unmatched routes and Django's own
405s are JSON, and a bug is a JSON 500 that shows no traceback (and is logged with one)."""

import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from accounts.models import User
from config.urls import urlpatterns as project_urls
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret detail at /srv/castfeed/settings.py")


# The project's routes plus views that fail, for the 500 cases.
urlpatterns = [path("api/v1/test-boom", _boom), path("web-boom", _boom), *project_urls]


@pytest.fixture(params=[True, False], ids=["debug", "no-debug"])
def client(request):  # type: ignore[no-untyped-def]
    """A plain client that answers 500s as a server would (no re-raise), under DEBUG on and off."""
    with override_settings(DEBUG=request.param):
        yield Client(raise_request_exception=False)


def assert_error(response, status, code=None):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    if code is not None:
        assert body["error"] == code, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def post_raw(client, raw: bytes, url: str = REGISTER):  # type: ignore[no-untyped-def]
    return client.generic("POST", url, raw, content_type="application/json")


@pytest.mark.parametrize(
    ("bracket", "depth"),
    [("[", 33), ("[", 1000), ("[", 30_000), ('{"a":', 33), ('{"a":', 1000), ('{"a":', 10_000)],
)
def test_deeply_nested_json_is_400(client, bracket, depth):
    closing = "]" if bracket == "[" else "}"
    raw = (bracket * depth + "1" + closing * depth).encode()
    assert_error(post_raw(client, raw), 400, "parse_error")
    assert User.objects.count() == 0


def test_deep_nesting_inside_a_field_is_400(client):
    raw = b'{"handle": "deep.one", "password": "x", "display_name": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    assert_error(post_raw(client, raw), 400, "parse_error")
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"handle": "big.number", "password": "x", "birthdate": ' + b"9" * 5000 + b"}",
        b'{"handle": "big.number", "password": "x", "birthdate": 1e999999}',
        b'{"handle": "big.number", "password": "x", "birthdate": -1e400}',
        b'{"handle": "big.number", "password": "x", "birthdate": 99999999999999999999}',
    ],
    ids=["int-digits", "float-inf", "float-minus-inf", "int-over-64-bits"],
)
def test_huge_numbers_are_400(client, raw):
    assert_error(post_raw(client, raw), 400, "parse_error")
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [b'{"handle": "\xc3\x28", "password": "x"}', b'{"handle": "\xed\xa0\x80"}', b'{"handle": "\\ud800x"}'],
    ids=["invalid-utf8", "encoded-surrogate", "escaped-lone-surrogate"],
)
def test_invalid_text_is_400(client, raw):
    assert_error(post_raw(client, raw), 400, "parse_error")
    assert User.objects.count() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"handle": "twice.one", "handle": "twice.two", "password": "' + PASSWORD.encode() + b'"}',
        b'{"handle": "nested.twice", "password": "x", "display_name": [{"a": 1, "a": 2}]}',
    ],
    ids=["top-level", "nested"],
)
def test_a_name_given_twice_in_an_object_is_400(client, raw):
    """Which value counts would be a guess: Python's json kept the last, silently."""
    body = assert_error(post_raw(client, raw), 400, "parse_error")
    assert "twice" in body["detail"]
    assert User.objects.count() == 0


def test_signed_in_json_endpoints_refuse_nesting_too(client, make_user):
    from accounts import services

    token = services.token_issue(user=make_user("nested.person"))
    response = client.generic(
        "PATCH", "/api/v1/me", b"[" * 30_000, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/nothing",
        "/api/v1/videos/99999999999999999999999",
        "/api/v1/videos/99999999999999999999999/comments",
        "/api/v1/videos/%C2%84/like",
        "/api/v2/me",
        "/api/",
        "/healthz/extra",
    ],
)
def test_unmatched_routes_are_json_404(client, url):
    assert_error(client.get(url), 404, "not_found")


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/takedowns/%00", 404, "not_found"),  # PostgreSQL text cannot hold a NUL: 500s there
        ("/api/v1/takedowns/TD-%00ABC", 404, "not_found"),
        ("/media/v/%00/video.mp4", 404, "not_found"),
        ("/media/v/ab%00cd/poster.jpg", 404, "not_found"),
        ("/api/v1/users/a%00b", 404, "not_found"),
        ("/api/v1/search?q=a%00b", 400, "bad_request"),
        ("/api/v1/cameo/appearances?author=%00", 400, "bad_request"),
    ],
)
def test_a_nul_character_in_the_url_is_a_json_404_or_400(client, url, status, code):
    assert_error(client.get(url), status, code)
    assert client.get("/healthz").status_code == 200


def test_a_path_missing_its_trailing_slash_is_a_json_404_not_a_redirect(client):
    """Under DEBUG Django raises (a 500) rather than redirect a POST to the slashed path."""
    assert_error(client.post("/api/schema", {"a": 1}, content_type="application/json"), 404, "not_found")
    assert_error(client.get("/api/docs"), 404, "not_found")


def test_post_to_healthz_is_json_405(client):
    response = client.post("/healthz")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_long_cursor_is_json_400(client, make_user):
    from accounts import services

    token = services.token_issue(user=make_user("cursor.person"))
    response = client.get("/api/v1/feed", {"cursor": "x" * 5000}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_error(response, 400, "invalid")


@override_settings(ROOT_URLCONF=__name__)
def test_a_bug_is_a_json_500_without_a_traceback_and_is_logged(client, caplog):
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/test-boom")
    body = assert_error(response, 500, "server_error")
    assert body == {"error": "server_error", "detail": "Something went wrong on our side."}
    assert b"Traceback" not in response.content
    assert b"/srv/castfeed" not in response.content
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caplog.records)


@override_settings(ROOT_URLCONF=__name__, DEBUG=True)
def test_the_web_client_keeps_djangos_pages():
    response = Client(raise_request_exception=False).get("/web-boom")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert Client().get("/no-such-page/").status_code == 404


def test_service_keeps_working_after_hostile_bodies(client):
    post_raw(client, b"[" * 30_000)
    post_raw(client, b'{"a": 1e999999}')
    response = client.post(REGISTER, {"handle": "still.here", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_field_errors_inside_lists_are_given_per_item(api):
    """A list field's messages come by item index (the web client shows "Line 2: ...")."""
    response = api.patch("/api/v1/cameo", {"restrictions": ["fine", None, ["nested"]]}, format="json")
    body = assert_error(response, 400, "invalid")
    assert set(body["fields"]) == {"restrictions"}
    assert set(body["fields"]["restrictions"]) == {"1", "2"}
    for messages in body["fields"]["restrictions"].values():
        assert messages
        assert all(isinstance(m, str) for m in messages)
