"""Bad requests of every kind answer 4xx in the one error shape, store nothing, and the service
keeps working."""

import json
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import User
from core import views
from generation.models import GenerationJob
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register"


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    "raw",
    [b"{", b"{'handle': 'x'}", b"\xff\xfe\x00", b'{"handle": NaN}', b"[1, 2", b"\x00"],
)
def test_malformed_json_is_400(anon, raw):
    response = anon.generic("POST", REGISTER, raw, content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert User.objects.count() == 0


@pytest.mark.parametrize("body", [b"[]", b'"just a string"', b"42", b"null"])
def test_json_that_is_not_an_object_is_400(anon, body):
    response = anon.generic("POST", REGISTER, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data; boundary=x"],
)
def test_wrong_content_type_is_415(anon, content_type):
    response = anon.generic("POST", REGISTER, b"handle=abc&password=x", content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")
    assert User.objects.count() == 0


def test_unknown_fields_are_named(anon):
    response = anon.post(REGISTER, {"handle": "someone", "password": PASSWORD, "hadnle": "typo"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert body["fields"] == {"hadnle": ["Unknown field."]}
    assert User.objects.count() == 0


def test_oversized_json_body_is_413(anon, settings):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "MAX_JSON_BYTES": 1024}
    body = b'{"handle": "someone", "password": "' + b"x" * 2000 + b'"}'
    response = anon.generic("POST", REGISTER, body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")
    assert User.objects.count() == 0


def test_oversized_request_is_refused_before_it_is_read(anon, settings):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "MAX_REQUEST_BYTES": 100}
    response = anon.generic("POST", REGISTER, b"{" + b" " * 200 + b"}", content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_invalid_content_length_is_400():
    response = Client().generic("POST", REGISTER, b"{}", content_type="application/json", CONTENT_LENGTH="abc")
    assert_error(response, 400, "bad_request")


def test_unknown_paths_are_json_404(anon):
    for path in ("/api/v1/nothing-here", "/nothing", "/api/v2/me"):
        assert_error(anon.get(path), 404, "not_found")


def test_server_errors_use_the_error_shape(rf):
    response = views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"] == "server_error"


def test_service_keeps_working_after_bad_input(anon):
    anon.generic("POST", REGISTER, b"{", content_type="application/json")
    anon.generic("POST", REGISTER, b"x" * 10, content_type="text/plain")
    response = anon.post(REGISTER, {"handle": "still.works", "password": PASSWORD}, format="json")
    assert response.status_code == 201


def test_default_rate_limit_applies_to_every_endpoint(api, settings, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "3/minute"}}
    statuses = [api.get("/api/v1/me").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_schema_and_docs_are_served(anon):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/users/{handle}",
        "/api/v1/users/{handle}/follow",
        "/api/v1/users/{handle}/block",
        "/api/v1/users/{handle}/followers",
        "/api/v1/users/{handle}/following",
        "/api/v1/feed",
        "/api/v1/feed/following",
        "/api/v1/users/{handle}/videos",
        "/api/v1/videos/{video_id}",
        "/api/v1/videos/{video_id}/like",
        "/api/v1/videos/{video_id}/comments",
        "/api/v1/comments/{comment_id}",
        "/api/v1/videos/{video_id}/views",
        "/api/v1/videos/{video_id}/report",
    ):
        assert path in paths
    assert schema.json()["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    docs = anon.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


@pytest.mark.parametrize("value", ["csv", "json", "api", "xml", ""])
def test_format_is_an_ordinary_query_parameter(api, me, make_video, activate_cameo, value):
    """No format is chosen by the URL (DRF's `?format=` override answered 404 on every endpoint to one
    it had no renderer for): each endpoint treats `format` as any parameter it does not know. A
    read ignores it and answers JSON; the erasure, whose choices are query parameters, names it."""
    video = make_video(me)
    for path in ("/api/v1/me", "/api/v1/notifications", f"/api/v1/videos/{video.pk}", "/api/v1/feed"):
        plain = api.get(path)
        response = api.get(path, {"format": value})
        assert response.status_code == plain.status_code == 200, (path, response.content)
        assert response["Content-Type"].startswith("application/json")
        assert response.json().keys() == plain.json().keys()
    schema = api.get("/api/schema/", {"format": value}, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/me" in schema.json()["paths"]

    activate_cameo(me)
    body = assert_error(api.delete(f"/api/v1/cameo?format={value}"), 400, "invalid")
    assert body["fields"] == {"format": ["Unknown field."]}
    assert api.get("/api/v1/cameo").json()["status"] == "active"  # nothing erased


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", REGISTER, {"handle": 12345, "password": PASSWORD}, "handle"),
        ("post", REGISTER, {"handle": "numbers", "password": 1234567890123}, "password"),
        ("post", REGISTER, {"handle": "numbers", "password": PASSWORD, "display_name": 7}, "display_name"),
        ("post", "/api/v1/auth/token", {"handle": "me.myself", "password": 12345678}, "password"),
        ("patch", "/api/v1/me", {"display_name": 42}, "display_name"),
        ("post", "/api/v1/generations", {"prompt": 42, "duration_s": 4}, "prompt"),
        ("post", "/api/v1/generations", {"prompt": "a cat on a sofa", "duration_s": 4, "aspect": 1}, "aspect"),
        ("post", "/api/v1/consent/check", {"prompt": 42}, "prompt"),
        ("post", "/api/v1/videos/{video}/comments", {"text": 123}, "text"),
        ("post", "/api/v1/videos/{video}/report", {"reason": "spam", "detail": 3.14}, "detail"),
    ],
)
def test_a_number_where_text_belongs_is_a_400_naming_it(api, me, make_video, method, path, body, field):
    """DRF's CharField takes 42 as "42": a client's mistake became a display name, a comment "123",
    a password of digits. Every text field of a JSON body takes a JSON string only."""
    from feed.models import Comment, Report
    from generation.models import GenerationJob

    video = make_video(me)
    display_name = me.display_name
    response = getattr(api, method)(path.format(video=video.pk), body, format="json")
    assert assert_error(response, 400, "invalid")["fields"] == {field: ["Not a valid string."]}
    me.refresh_from_db()
    assert me.display_name == display_name
    assert User.objects.count() == 1
    assert not Comment.objects.exists() and not Report.objects.exists() and not GenerationJob.objects.exists()


# What an anonymous caller may call (docs/api.md): signing up and in, public profiles and their lists
# and videos, For You, trending, a published video and its comments, and a takedown request, which
# needs no account. Every other operation of /api/v1/ is a 401.
PUBLIC_OPERATIONS = {
    ("POST", "auth/register"),
    ("POST", "auth/token"),
    ("GET", "users/{handle}"),
    ("GET", "users/{handle}/followers"),
    ("GET", "users/{handle}/following"),
    ("GET", "users/{handle}/videos"),
    ("GET", "feed"),
    ("GET", "trending"),
    ("GET", "videos/{video_id}"),
    ("GET", "videos/{video_id}/comments"),
    ("POST", "takedowns/challenges"),
    ("POST", "takedowns"),
    ("GET", "takedowns/{tracking}"),
}


def _api_operations() -> list[tuple[str, str]]:
    """(method, route) of every view under /api/v1/, the route as the schema writes it."""
    import re

    from django.urls import URLResolver, get_resolver

    def walk(patterns, prefix):  # type: ignore[no-untyped-def]
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif route.startswith("api/v1/") and hasattr(pattern.callback, "view_class"):
                view = pattern.callback.view_class
                for method in ("get", "post", "put", "patch", "delete"):
                    if hasattr(view, method):
                        yield method.upper(), re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix("api/v1/"))

    return sorted(set(walk(get_resolver().url_patterns, "")))


def test_every_operation_but_the_public_ones_is_a_401_to_an_anonymous_caller(anon, settings):
    """A view given AllowAny by mistake (or a permission dropped from one) would answer an anonymous
    caller with someone's data or act for no one: each operation is called once, without a token."""
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"default": "100000/minute"}}
    operations = _api_operations()
    assert set(operations) >= PUBLIC_OPERATIONS  # every public one is still routed
    values = {
        "handle": "no.one",
        "video_id": "1",
        "comment_id": "1",
        "grant_id": "1",
        "match_id": "1",
        "index": "0",
        "job_id": "00000000-0000-4000-8000-000000000000",
        "tracking": "TD-0000-0000-0000-0000",
    }
    public, private = [], []
    for method, route in operations:
        response = anon.generic(method, "/api/v1/" + route.format(**values), b"{}", content_type="application/json")
        assert response.status_code < 500, (method, route, response.content)
        if (method, route) in PUBLIC_OPERATIONS:
            assert response.status_code != 401, (method, route)
            public.append((method, route))
        else:
            assert_error(response, 401, "not_authenticated")
            private.append((method, route))
    assert len(public) == len(PUBLIC_OPERATIONS) and len(private) > 40


def multipart(parts: list[tuple[str, bytes]]) -> bytes:
    body = b"".join(
        b'--B\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n' + value + b"\r\n"
        for name, value in parts
    )
    return body + b"--B--\r\n"


@pytest.mark.parametrize(
    ("path", "parts", "field"),
    [
        (
            "/api/v1/generations",
            [("prompt", b"a cat on a beach"), ("prompt", b"a dog in the snow"), ("duration_s", b"2")],
            "prompt",
        ),
        (
            "/api/v1/generations",
            [("prompt", b"a cat on a beach"), ("duration_s", b"2"), ("duration_s", b"5")],
            "duration_s",
        ),
    ],
)
def test_a_multipart_field_given_twice_is_a_400_naming_it(api, path, parts, field):
    # Before: the last part counted (a job "a dog in the snow", 202), as if the first were not there;
    # JSON refuses a name given twice in one object, and a query string a parameter given twice.
    response = api.generic("POST", path, multipart(parts), content_type="multipart/form-data; boundary=B")

    assert response.status_code == 400, response.content
    assert response.json()["fields"] == {field: ["Given more than once."]}
    assert not GenerationJob.objects.exists()


def photo_part(disposition: bytes, quality: int) -> bytes:
    """A generation request whose image part, a real photo of a stranger (refused as `unknown_face`
    when it is read), has this Content-Disposition; `quality` 70: 11 KB, 95: 183 KB."""
    import cv2

    from tests import synthetic_faces as faces

    size = (320, 180) if quality == 70 else (960, 540)
    photo = cv2.imencode(".jpg", faces.group_photo(["hopper"], size=size), [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    image = b"--B\r\nContent-Disposition: " + disposition + b"\r\nContent-Type: image/jpeg\r\n\r\n" + photo.tobytes()
    fields = multipart([("prompt", b"this, animated"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    return fields + image + b"\r\n--B--\r\n"


@pytest.mark.parametrize("quality", [70, 95])
@pytest.mark.parametrize(
    "disposition",
    [
        b"form-data; name=\"image\"; filename*=x-unknown''her.jpg",  # a charset Python does not know
        b'form-data; name="image"; filename="her.jpg"; filename*=x-mac-unknown\'\'her.jpg',
        'form-data; name="image"; filename="hér.jpg"'.encode("latin-1"),  # not UTF-8
    ],
)
def test_a_file_part_whose_header_django_cannot_read_is_a_400_not_left_out(api, disposition, quality):
    # Before: Django dropped the part unread. The small photo: the job was made (202) without it, so
    # the stranger in the photo the person sent was never checked for consent, nor used; the big one:
    # 400 "Request max total header size exceeded" (its bytes read as the next part's headers).
    body = photo_part(disposition, quality)
    response = api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B")

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["image"], response.json()
    assert "Content-Disposition header cannot be read" in response.json()["fields"]["image"][0]
    assert not GenerationJob.objects.exists()
    # Named in UTF-8, the same photo is read, and refused for whom it shows.
    readable = photo_part(b"form-data; name=\"image\"; filename*=UTF-8''h%C3%A9r.jpg", quality)
    response = api.generic("POST", "/api/v1/generations", readable, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 403, response.content
    assert [s["reason"] for s in response.json()["subjects"]] == ["unknown_face"]


def test_a_file_name_given_both_plain_and_encoded_is_read(api):
    # .NET's MultipartFormDataContent sends `filename` and `filename*` together: two parameters, not
    # one given twice. The photo is read, and refused for whom it shows.
    disposition = b'form-data; name="image"; filename="her.jpg"; filename*=UTF-8\'\'h%C3%A9r.jpg'
    response = api.generic(
        "POST", "/api/v1/generations", photo_part(disposition, 70), content_type="multipart/form-data; boundary=B"
    )
    assert response.status_code == 403, response.content
    assert [s["reason"] for s in response.json()["subjects"]] == ["unknown_face"]


def test_a_list_field_may_be_given_as_several_parts(anon):
    # Takedowns name their videos one part each: that is how a list is sent in multipart.
    parts = [("videos", b"12"), ("videos", b"13"), ("email", b"a@example.org"), ("challenge", b"x")]
    response = anon.generic(
        "POST", "/api/v1/takedowns", multipart(parts), content_type="multipart/form-data; boundary=B"
    )

    assert response.status_code == 400
    assert "videos" not in response.json()["fields"]


def files_in(root: str) -> set[Path]:
    return {p for p in Path(root).rglob("*") if p.is_file()}


def refuses_the_image_part(api, settings, body: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    """POST /generations with this multipart body: a 400 `invalid` naming the image part (its message
    saying `message`), no job and no file stored."""
    before = files_in(settings.MEDIA_ROOT)
    response = api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and list(response.json()["fields"]) == ["image"], response.json()
    assert message in response.json()["fields"]["image"][0]
    assert not GenerationJob.objects.exists() and files_in(settings.MEDIA_ROOT) == before


ODD_IMAGE_PARTS = [
    # A header on the boundary line: the check read the lines after it only, and Django, which
    # reads it, dropped the part unread (its file name in a charset Python does not know).
    (b"--B Content-Disposition: form-data; name=\"image\"; filename*=x-unknown''a.jpg", "on its boundary line"),
    (b'--B\r\nContent-Disposition : form-data; name="image"; filename="a.jpg"', "a space before its colon"),
    (b'--B\r\nContent-Disposition: form-data;\r\n name="image"; filename="a.jpg"', "folded onto a second line"),
    (b'--B\r\nContent-Disposition: form-data; name="image"; filename="../"', "empty once its folders"),
    (
        b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"'
        b'\r\nContent-Disposition: form-data; name="image"',
        "twice",
    ),
    # A parameter given twice: Django kept the last (the part became "photo", a field nobody reads,
    # and the job was made without the image, 202), another reader may keep the first.
    (b'--B\r\nContent-Disposition: form-data; name="image"; name="photo"; filename="a.jpg"', "gives its name twice"),
    (b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"; filename="b.jpg"', "filename twice"),
    # The same, one of them RFC 2231-encoded or continued: Django read `name*` (the part became "photo",
    # 202 without the image) and, of a filename both encoded and continued, failed with a 500.
    (b'--B\r\nContent-Disposition: form-data; name="image"; name*=UTF-8\'\'photo; filename="a.jpg"', "name twice"),
    (b'--B\r\nContent-Disposition: form-data; name="image"; name*0="photo"; filename="a.jpg"', "name twice"),
    (b"--B\r\nContent-Disposition: form-data; name=\"image\"; filename*=UTF-8''a; filename*0=b", "filename twice"),
    (b'--B\r\nContent-Disposition: form-data; name="image"; filename*0="a"; filename*0*=UTF-8\'\'b', "filename twice"),
    # One segment twice, its number written two ways: Django joined them (the file ".jpga", read),
    # where a reader of `filename*0` alone reads "a" (and of `name*0` and `name*00`, another part).
    (b'--B\r\nContent-Disposition: form-data; name="image"; filename*0="a"; filename*00=".jpg"', "filename twice"),
]


@pytest.mark.parametrize(("head", "message"), ODD_IMAGE_PARTS)
def test_an_image_part_whose_headers_django_would_drop_or_others_may_read_otherwise_is_a_400(
    api, settings, head, message
):
    # Before: Django left the image out and made the job without it (202), the image never checked.
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    body = fields + head + b"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8 not checked\r\n--B--\r\n"
    refuses_the_image_part(api, settings, body, message)


@pytest.mark.parametrize(
    ("path", "who"), [("/api/v1/cameo", "api"), ("/api/v1/takedowns", "anon"), ("/api/v1/generations", "api")]
)
@pytest.mark.parametrize(
    ("head", "field", "message"),
    [
        (b'--B\r\nContent-Disposition : form-data; name="video"; filename="me.mp4"', "video", "before its colon"),
        (b'--BContent-Disposition: form-data; name="video"; filename="me.mp4"', "video", "boundary line"),
        (b"--B\r\nContent-Type: video/mp4", "body", "no Content-Disposition"),
        (b'--B\r\nContent-Disposition: form-data; filename="me.mp4"', "body", "gives no name"),
    ],
)
def test_every_upload_endpoint_refuses_a_part_it_would_drop_and_stores_nothing(
    request, settings, path, who, head, field, message
):
    from cameos.models import Enrollment
    from moderation.models import TakedownRequest

    client = request.getfixturevalue(who)
    fields = multipart([("challenge", b"00000000-0000-4000-8000-000000000000"), ("email", b"a@example.org")])
    body = fields.removesuffix(b"--B--\r\n") + head + b"\r\n\r\nnot a video\r\n--B--\r\n"
    before = files_in(settings.MEDIA_ROOT)

    response = client.generic("POST", path, body, content_type="multipart/form-data; boundary=B")

    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid" and list(response.json()["fields"]) == [field], response.json()
    assert message in response.json()["fields"][field][0]
    assert files_in(settings.MEDIA_ROOT) == before
    assert not (Enrollment.objects.exists() or TakedownRequest.objects.exists() or GenerationJob.objects.exists())


@pytest.mark.parametrize(
    "head",
    [
        b'Content-Disposition: form-data; name="image"; filename=""\r\nContent-Type: application/octet-stream',
        b"content-disposition:form-data; name=image",  # lower case, no space, a bare name
    ],
)
def test_an_empty_image_as_browsers_send_an_unused_file_input_is_read_as_before(api, head):
    body = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    body += b"--B  \r\n" + head + b"\r\n\r\n\r\n--B--\r\n"  # spaces after a boundary are allowed (RFC 2046)

    response = api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B")

    assert response.status_code == 202, response.content


# A header line that starts with a blank other than a space or a tab (a form feed, a lone CR, a
# no-break space): Django strips it and reads the line as a header, where the check saw no header
# at all. A second Content-Disposition so hidden, without a name, made Django drop the image (202).
@pytest.mark.parametrize("blank", [b"\x0c", b"\x0b", b"\r", b"\xc2\xa0", b"\xe2\x80\xa8"])
def test_a_content_disposition_hidden_behind_a_blank_is_a_400_not_an_image_dropped(api, settings, blank):
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    body = fields + (
        b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        + blank
        + b'Content-Disposition: form-data; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        + b"\xff\xd8 not checked\r\n--B--\r\n"
    )
    refuses_the_image_part(api, settings, body, "does not start with its name")


# Django reads the preamble (before the first boundary) and what follows the closing boundary as it
# reads a part: a part there was read, or dropped (a file name empty once its folders are left out),
# where the check never looked and other readers of the body (RFC 2046) leave it out.
@pytest.mark.parametrize(
    "where",
    [
        "preamble",
        "preamble after a blank line",
        "epilogue",
        "after the end",  # a whole part, boundary and all, after the closing boundary
    ],
)
@pytest.mark.parametrize("filename", [b"../", b"a.jpg"])
def test_a_part_before_the_first_boundary_or_after_the_closing_one_is_a_400(api, settings, where, filename):
    part = b'Content-Disposition: form-data; name="image"; filename="' + filename + b'"\r\n'
    part += b"Content-Type: image/jpeg\r\n\r\n\xff\xd8 not checked\r\n"
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")])
    body = {
        "preamble": part + fields,
        "preamble after a blank line": b"\r\n" + part + fields,
        "epilogue": fields + part,
        "after the end": fields + b"--B\r\n" + part + b"--B--\r\n",
    }[where]
    refuses_the_image_part(api, settings, body, "before the first boundary or after the closing one")


@pytest.mark.parametrize(
    ("preamble", "epilogue"),
    [
        (b"", b""),  # no CRLF after the closing boundary
        (b"\r\n", b"\r\n\r\n"),
        (b"This is a multi-part message in MIME format.\r\n", b"\r\nsaid and done\r\n\r\n"),
    ],
)
def test_a_preamble_and_an_epilogue_without_a_part_are_read_as_before(api, preamble, epilogue):
    body = preamble + multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"\r\n")
    body += epilogue

    response = api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B")

    assert response.status_code == 202, response.content


# A body that ends in a file part, without its closing boundary (hand-written multipart code forgets
# it): Django stores the file only once it reads on past the part, so it made the job without the
# image (202), as if none had been sent. Fields so sent are read, as before.
@pytest.mark.parametrize("ending", [b"", b"\r\n", b"\r\n--B"])
def test_a_body_that_ends_in_a_file_without_its_closing_boundary_is_a_400(api, settings, ending):
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    body = fields + b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
    body += b"Content-Type: image/jpeg\r\n\r\n\xff\xd8 not checked" + ending
    refuses_the_image_part(api, settings, body, "closing boundary")


def test_fields_without_the_closing_boundary_are_read_as_before(api):
    body = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")

    response = api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B")

    assert response.status_code == 202, response.content


def _image_part(head: bytes) -> bytes:
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")]).removesuffix(b"--B--\r\n")
    return fields + head + b"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8 not checked\r\n--B--\r\n"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64 * 1024])
def test_what_a_body_is_answered_does_not_depend_on_the_size_of_the_reads(api, monkeypatch, size):
    """Django reads the body in its upload handlers' chunks: a delimiter, a blank line or a header
    split between two reads is read as a whole one."""
    from django.core.files.uploadhandler import FileUploadHandler

    monkeypatch.setattr(FileUploadHandler, "chunk_size", size)
    fields = multipart([("prompt", b"a cat on a beach"), ("duration_s", b"2")])
    bodies = [
        (fields, 202),
        (b"\r\n" + fields.removesuffix(b"\r\n") + b"\r\n\r\n", 202),
        *((_image_part(head), 400) for head, _ in ODD_IMAGE_PARTS),
        (
            _image_part(
                b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"'
                b"\r\n\x0cContent-Disposition: form-data"
            ),
            400,
        ),
        (fields + b'Content-Disposition: form-data; name="image"; filename="../"\r\n\r\nx', 400),
        (
            fields.removesuffix(b"--B--\r\n")
            + b'--B\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nx',
            400,
        ),
    ]

    answers = [
        api.generic("POST", "/api/v1/generations", body, content_type="multipart/form-data; boundary=B").status_code
        for body, _ in bodies
    ]

    assert answers == [status for _, status in bodies]
