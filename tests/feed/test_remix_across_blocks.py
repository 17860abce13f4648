"""A remix's `remix_of` never names a source the viewer cannot open: a source whose author is in a
block with the viewer, either way, is a 404 to them, so every response that carries the remix shows
`remix_of: null` to them (and the source's id to everyone else)."""

import pytest

from accounts import services as accounts_services
from feed import services

pytestmark = pytest.mark.django_db


def remix_of_everywhere(client, remix, remixer_handle):
    """`remix_of` of the remix in each response that carries it: the video, For You, the following
    feed, the remixer's profile, video search and trending."""
    found = {}
    found["video"] = client.get(f"/api/v1/videos/{remix.pk}").json()["remix_of"]
    lists = {
        "for_you": client.get("/api/v1/feed").json()["results"],
        "following": client.get("/api/v1/feed/following").json()["results"],
        "profile": client.get(f"/api/v1/users/{remixer_handle}/videos").json()["results"],
        "search": client.get("/api/v1/search", {"q": "sunflower", "type": "videos"}).json()["results"],
        "trending": client.get("/api/v1/trending").json()["videos"],
    }
    for where, bodies in lists.items():
        found[where] = [b["remix_of"] for b in bodies if b["id"] == remix.pk]
    return found


@pytest.mark.parametrize("who_blocks", ["I block the source's author", "the source's author blocks me"])
def test_remix_of_is_null_for_a_viewer_in_a_block_with_the_source_author(
    client_of, me, other, make_user, make_video, who_blocks
):
    remixer, bystander = make_user("the.remixer"), make_user("a.bystander")
    source = make_video(other, caption="sunflower original")
    remix = make_video(remixer, remix_of=source, caption="sunflower remix")
    services.like_create(user=bystander, video=remix)  # engaged with: rising, in trending
    for viewer in (me, bystander):
        accounts_services.follow_create(follower=viewer, followee=remixer)
    if who_blocks.startswith("I"):
        accounts_services.block_create(blocker=me, blocked=other)
    else:
        accounts_services.block_create(blocker=other, blocked=me)

    assert client_of(me).get(f"/api/v1/videos/{source.pk}").status_code == 404
    mine = remix_of_everywhere(client_of(me), remix, "the.remixer")
    assert mine == {"video": None, **{w: [None] for w in mine if w != "video"}}
    # Everyone else still sees the link, the cached For You bodies included.
    theirs = remix_of_everywhere(client_of(bystander), remix, "the.remixer")
    assert theirs == {"video": source.pk, **{w: [source.pk] for w in theirs if w != "video"}}

    accounts_services.block_delete(blocker=me, blocked=other)
    accounts_services.block_delete(blocker=other, blocked=me)
    again = remix_of_everywhere(client_of(me), remix, "the.remixer")
    assert again == {"video": source.pk, **{w: [source.pk] for w in again if w != "video"}}


def test_for_you_hides_the_source_without_a_query_when_the_page_shows_no_one(
    client_of, me, other, make_user, make_video, django_assert_max_num_queries
):
    """For You reads the viewer's block partners in its own statement: a remix whose source is by one
    of them costs no further query."""
    source = make_video(other, caption="sunflower original")
    remix = make_video(make_user("the.remixer"), remix_of=source)
    accounts_services.block_create(blocker=other, blocked=me)
    client = client_of(me)
    client.get("/api/v1/feed")  # warm: authentication, throttles, the cached bodies
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as warm:
        body = client.get("/api/v1/feed").json()
    assert [v["remix_of"] for v in body["results"] if v["id"] == remix.pk] == [None]
    assert not any("accounts_user u WHERE u.id IN" in q["sql"] for q in warm.captured_queries)
