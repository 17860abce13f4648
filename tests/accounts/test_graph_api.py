"""Profiles, follow, block and the lists, for each persona: self, other, blocked, anonymous."""

import pytest

from accounts import services
from accounts.models import Block, Follow

pytestmark = pytest.mark.django_db


def url(handle, action=""):
    return f"/api/v1/users/{handle}" + (f"/{action}" if action else "")


# --- profile ---------------------------------------------------------------------------------------


def test_profile_of_someone_else(api, me, other):
    services.follow_create(follower=other, followee=me)
    body = api.get(url("Other.Person")).json()
    assert body["handle"] == "other.person"
    assert body["followers_count"] == 0
    assert body["following_count"] == 1
    assert (body["is_following"], body["follows_you"], body["is_mutual"], body["is_blocked"]) == (
        False,
        True,
        False,
        False,
    )


def test_mutual_shows_on_the_profile(api, me, other):
    services.follow_create(follower=other, followee=me)
    assert api.put(url("other.person", "follow")).status_code == 204
    body = api.get(url("other.person")).json()
    assert body["is_mutual"] is True
    assert body["followers_count"] == 1


def test_my_own_profile(api, me):
    body = api.get(url("me.myself")).json()
    assert body["handle"] == "me.myself"
    assert body["is_mutual"] is False


def test_anonymous_sees_public_profiles(anon, me):
    response = anon.get(url("me.myself"))
    assert response.status_code == 200
    assert response.json()["is_following"] is False
    assert "birthdate" not in response.json()


@pytest.mark.parametrize("handle", ["nobody.here", "BAD HANDLE", "x", "a" * 200, "%00", "..", "é"])
def test_unknown_or_malformed_handles_are_404(api, handle):
    response = api.get(url(handle))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_someone_who_blocked_me_does_not_exist_for_me(api, blocker):
    for path in (url("the.blocker"), url("the.blocker", "followers"), url("the.blocker", "following")):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": "not_found", "detail": "No one has this handle."}


def test_follower_lists_leave_out_the_people_in_a_block_with_me(api, anon, me, other, make_user, blocker):
    """Someone I blocked, or who blocked me, is in nobody's lists as I see them; others still see them."""
    troll, fan = make_user("the.troll"), make_user("the.fan")
    services.block_create(blocker=me, blocked=troll)
    for person in (troll, fan, blocker):
        services.follow_create(follower=person, followee=other)
        services.follow_create(follower=other, followee=person)

    def handles(client, action):  # type: ignore[no-untyped-def]
        body = client.get(url("other.person", action)).json()
        return sorted(person["handle"] for person in body["results"])

    for action in ("followers", "following"):
        assert handles(api, action) == ["the.fan"]
        assert handles(anon, action) == ["the.blocker", "the.fan", "the.troll"]


def test_someone_i_blocked_shows_as_blocked(api, me, other):
    assert api.put(url("other.person", "block")).status_code == 204
    assert api.get(url("other.person")).json()["is_blocked"] is True


# --- follow ----------------------------------------------------------------------------------------


def test_follow_and_unfollow_are_idempotent(api, me, other):
    assert api.put(url("other.person", "follow")).status_code == 204
    assert api.put(url("OTHER.PERSON", "follow")).status_code == 204
    assert Follow.objects.filter(follower=me, followee=other).count() == 1
    assert api.delete(url("other.person", "follow")).status_code == 204
    assert api.delete(url("other.person", "follow")).status_code == 204
    assert not Follow.objects.exists()


def test_cannot_follow_myself(api, me):
    response = api.put(url("me.myself", "follow"))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Follow.objects.exists()


def test_cannot_follow_someone_who_blocked_me_and_it_looks_like_nobody(api, blocker):
    response = api.put(url("the.blocker", "follow"))
    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_cannot_follow_someone_i_blocked_until_i_unblock(api, me, other):
    api.put(url("other.person", "block"))
    response = api.put(url("other.person", "follow"))
    assert response.status_code == 409
    assert response.json()["error"] == "blocked"
    api.delete(url("other.person", "block"))
    assert api.put(url("other.person", "follow")).status_code == 204


def test_follow_unknown_person_is_404(api):
    assert api.put(url("nobody.here", "follow")).status_code == 404


def test_anonymous_cannot_follow_or_block(anon, other):
    for action in ("follow", "block"):
        for method in ("put", "delete"):
            response = getattr(anon, method)(url("other.person", action))
            assert response.status_code == 401
    assert not Follow.objects.exists()
    assert not Block.objects.exists()


def test_wrong_methods_are_405_with_the_error_shape(api, other):
    response = api.post(url("other.person", "follow"))
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


# --- block -----------------------------------------------------------------------------------------


def test_block_removes_follows_both_ways(api, me, other):
    services.follow_create(follower=me, followee=other)
    services.follow_create(follower=other, followee=me)
    assert api.put(url("other.person", "block")).status_code == 204
    assert not Follow.objects.exists()
    assert Block.objects.filter(blocker=me, blocked=other).count() == 1
    assert api.put(url("other.person", "block")).status_code == 204
    assert Block.objects.count() == 1


def test_the_blocked_person_cannot_follow_back(client_of, me, other):
    services.block_create(blocker=me, blocked=other)
    response = client_of(other).put(url("me.myself", "follow"))
    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_both_can_block_each_other_and_unblock_independently(api, client_of, me, other):
    api.put(url("other.person", "block"))
    assert client_of(other).get(url("me.myself")).status_code == 404
    # the blocked person can still block back (they see me as unknown, but may act on the handle)
    assert client_of(other).put(url("me.myself", "block")).status_code == 204
    assert api.delete(url("other.person", "block")).status_code == 204
    assert Block.objects.filter(blocker=other, blocked=me).exists()
    assert api.get(url("other.person")).status_code == 404


def test_cannot_block_myself(api):
    response = api.put(url("me.myself", "block"))
    assert response.status_code == 400
    assert not Block.objects.exists()


def test_my_blocks_list(api, me, make_user):
    for _ in range(3):
        services.block_create(blocker=me, blocked=make_user())
    body = api.get("/api/v1/me/blocks").json()
    assert len(body["results"]) == 3
    assert body["next"] is None


# --- lists -----------------------------------------------------------------------------------------


def test_followers_and_following_lists_page_through_everyone_once(anon, me, make_user):
    fans = [make_user(f"fan{i:02d}") for i in range(25)]
    for fan in fans:
        services.follow_create(follower=fan, followee=me)
    seen, cursor = [], None
    while True:
        query = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        body = anon.get(url("me.myself", "followers"), query).json()
        seen += [row["handle"] for row in body["results"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == [f"fan{i:02d}" for i in reversed(range(25))]  # newest first
    body = anon.get(url("fan00", "following")).json()
    assert body == {"results": [{"handle": "me.myself", "display_name": "Me Myself"}], "next": None}


def test_tampered_cursor_is_400(anon, me, make_user):
    for i in range(3):
        services.follow_create(follower=make_user(f"fan{i}"), followee=me)
    cursor = anon.get(url("me.myself", "followers"), {"limit": 1}).json()["next"]
    for bad in (cursor[:-2] + "xx", "garbage", cursor + "a", "a" * 3000):
        response = anon.get(url("me.myself", "followers"), {"cursor": bad})
        assert response.status_code == 400, bad
        assert response.json()["error"] == "invalid_cursor"


def test_a_cursor_of_one_list_does_not_work_in_another(anon, me, make_user):
    for i in range(3):
        services.follow_create(follower=make_user(f"fan{i}"), followee=me)
        services.follow_create(follower=me, followee=make_user(f"star{i}"))
    cursor = anon.get(url("me.myself", "followers"), {"limit": 1}).json()["next"]
    response = anon.get(url("me.myself", "following"), {"cursor": cursor})
    assert response.json()["error"] == "invalid_cursor"


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "101", "1.5"])
def test_bad_page_limits_are_400(anon, me, limit):
    response = anon.get(url("me.myself", "followers"), {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["fields"]


def test_lists_take_a_fixed_number_of_queries(anon, me, make_user, django_assert_max_num_queries):
    for i in range(30):
        services.follow_create(follower=make_user(f"fan{i}"), followee=me)
    with django_assert_max_num_queries(3):
        body = anon.get(url("me.myself", "followers"), {"limit": 30}).json()
    assert len(body["results"]) == 30
