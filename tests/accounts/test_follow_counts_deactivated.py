"""A profile's follower counts leave out an account support deactivated, as its lists do (and as a
video's comment count leaves out its comments): a count one above the list told everyone that a
hidden account follows this person. Counted again once support opens the account."""

import pytest

from accounts import services

pytestmark = pytest.mark.django_db


def counts(client, handle):  # type: ignore[no-untyped-def]
    body = client.get(f"/api/v1/users/{handle}").json()
    listed = [
        len(client.get(f"/api/v1/users/{handle}/{which}").json()["results"]) for which in ("followers", "following")
    ]
    return (body["followers_count"], body["following_count"]), tuple(listed)


def test_follow_counts_leave_out_a_deactivated_account_until_it_is_opened(make_user, client_of, anon):  # type: ignore[no-untyped-def]
    star, fan, friend, viewer = (make_user(h) for h in ("the.star", "a.fan", "a.friend", "a.viewer"))
    for follower, followee in ((fan, star), (friend, star), (star, fan), (star, friend)):
        services.follow_create(follower=follower, followee=followee)
    services.user_active_set(user=fan, active=False)

    for client in (anon, client_of(viewer)):
        assert counts(client, "the.star") == ((1, 1), (1, 1))
    me = client_of(star).get("/api/v1/me").json()
    assert (me["followers_count"], me["following_count"]) == (1, 1)

    services.user_active_set(user=fan, active=True)
    assert counts(anon, "the.star") == ((2, 2), (2, 2))
