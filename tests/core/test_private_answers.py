"""An answer to a signed-in caller is theirs alone: `Cache-Control: private, no-store`, so that no shared
cache (a CDN, a corporate proxy) keeps it and hands it to the next person, nor a browser keeps it on
disk. /me, the export, the videos of me and a draft's body (with its signed media URLs) are the
ones that matter most; every API answer to a request that carries a token gets it."""

import pytest

from feed.models import VideoPerson

pytestmark = pytest.mark.django_db


def private(response) -> bool:  # type: ignore[no-untyped-def]
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/me",
        "/api/v1/me/export",
        "/api/v1/cameo/appearances",
        "/api/v1/notifications",
        "/api/v1/generations",
        "/api/v1/feed",
    ],
)
def test_answers_to_a_signed_in_caller_are_not_kept_by_caches(api, me, path):
    response = api.get(path)
    assert response.status_code == 200, response.content
    assert private(response), response.get("Cache-Control")


def test_a_draft_and_its_signed_media_urls_are_not_kept_by_caches(client_of, me, other, make_video):
    draft = make_video(other, publish=False, people=(me,))
    assert VideoPerson.objects.filter(video=draft, user=me).exists()
    for viewer in (other, me):  # its author, and the person it shows
        response = client_of(viewer).get(f"/api/v1/videos/{draft.pk}")
        assert response.status_code == 200
        assert "?t=" in response.json()["media_url"]
        assert private(response), response.get("Cache-Control")


def test_a_refusal_to_a_signed_in_caller_is_not_kept_either(api):
    response = api.get("/api/v1/videos/999999")
    assert response.status_code == 404
    assert private(response)


def test_an_anonymous_answer_is_left_as_it_was(anon, other, make_video):
    video = make_video(other)
    response = anon.get(f"/api/v1/videos/{video.pk}")
    assert response.status_code == 200
    assert not private(response)


def test_a_new_token_is_not_kept_by_caches(anon, make_user):
    """A bearer token in a body is a password for the account: RFC 6749 § 5.1 asks `no-store` of any
    answer that carries one, though the request that got it carried no token itself."""
    registered = anon.post(
        "/api/v1/auth/register", {"handle": "new.person", "password": "a long pass phrase"}, format="json"
    )
    assert registered.status_code == 201, registered.content
    assert registered.json()["token"]
    signed_in = anon.post(
        "/api/v1/auth/token", {"handle": "new.person", "password": "a long pass phrase"}, format="json"
    )
    assert signed_in.status_code == 200, signed_in.content
    assert signed_in.json()["token"]
    for response in (registered, signed_in):
        assert private(response), response.get("Cache-Control")
