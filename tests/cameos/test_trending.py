"""GET /api/v1/trending: rising videos (fresh ones by engagement velocity) and the most-used cameos
of people who show theirs to everyone; the same lists for all (cached), less anyone in a block with
the caller, and never a draft or a video removed since the lists were cached."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from cameos import services as cameos_services
from feed import services as feed_services
from feed.models import Video

pytestmark = pytest.mark.django_db
TRENDING = "/api/v1/trending"


def trending(client):
    response = client.get(TRENDING)
    assert response.status_code == 200, response.content
    return response.json()


def video_ids(client):
    return [v["id"] for v in trending(client)["videos"]]


def cameo_uses(client):
    return [(c["user"]["handle"], c["uses"]) for c in trending(client)["cameos"]]


def published_ago(video, **age):
    """As if `video` had been published this long ago (and the minute task had run since)."""
    Video.objects.filter(pk=video.pk).update(published_at=timezone.now() - dt.timedelta(**age))
    feed_services.expire_fresh()


@pytest.fixture
def fans(make_user):
    return [make_user(f"fan{i}") for i in range(4)]


@pytest.fixture
def like(fans):
    def like(video, n):
        for fan in fans[:n]:
            feed_services.like_create(user=fan, video=video)
        return video

    return like


@pytest.fixture
def author(make_user):
    return make_user("the.author")


def test_a_fresh_video_with_many_likes_rises_above_older_and_quieter_ones(anon, author, make_video, like):
    loud = like(make_video(author), 4)
    quiet = like(make_video(author), 1)
    older = like(make_video(author), 4)
    published_ago(older, hours=20)  # still fresh, but 4 / 22^1.5 ≈ 0.04 against 1 / 2^1.5 ≈ 0.35
    make_video(author)  # nobody engaged with it: not rising
    assert video_ids(anon) == [loud.pk, quiet.pk, older.pk]


def test_a_video_published_three_days_ago_is_not_rising(anon, author, make_video, like):
    fresh = like(make_video(author), 1)
    old = like(make_video(author), 4)
    published_ago(old, days=3)
    assert video_ids(anon) == [fresh.pk]


def test_drafts_and_removed_videos_never_appear(anon, api, author, make_video, like, make_user, activate_cameo):
    star = make_user("star")
    activate_cameo(star, audience="everyone")
    draft = make_video(author, publish=False, people=(star,))
    Video.objects.filter(pk=draft.pk).update(like_count=50)  # engagement it could never have: still not shown
    taken_down = like(make_video(author, people=(star,)), 4)
    feed_services.video_take_down(video=taken_down, reason="policy")
    shown = like(make_video(author, people=(star,)), 2)
    assert video_ids(anon) == [shown.pk]
    assert cameo_uses(anon) == [("star", 1)]  # neither the draft nor the removed video counts

    # Removed or deleted after the lists were cached: gone at once all the same.
    later = like(make_video(author), 3)
    deleted = like(make_video(author), 4)
    feed_services.expire_fresh()
    from django.core.cache import cache

    cache.clear()
    assert video_ids(api) == [deleted.pk, later.pk, shown.pk]
    feed_services.video_take_down(video=later, reason="policy")
    feed_services.video_delete(video=deleted, by=author)
    assert video_ids(api) == [shown.pk]
    assert video_ids(anon) == [shown.pk]


def test_blocked_people_and_their_videos_are_hidden_both_ways(
    client_of, me, other, make_user, make_video, like, activate_cameo
):
    blocked_by_me, blocks_me = make_user("blocked.by.me"), make_user("blocks.me")
    for person in (blocked_by_me, blocks_me, other):
        activate_cameo(person, audience="everyone")
    theirs = [like(make_video(person, people=(person,)), 2) for person in (blocked_by_me, blocks_me)]
    mine = like(make_video(me, people=(other,)), 1)
    everyone_sees = {*[v.pk for v in theirs], mine.pk}
    assert set(video_ids(client_of(other))) == everyone_sees  # fills the cache before the blocks

    accounts_services.block_create(blocker=me, blocked=blocked_by_me)
    accounts_services.block_create(blocker=blocks_me, blocked=me)
    assert video_ids(client_of(me)) == [mine.pk]  # my own video may appear
    assert cameo_uses(client_of(me)) == [("other.person", 1)]
    # The others still see everything.
    assert set(video_ids(client_of(other))) == everyone_sees
    assert cameo_uses(client_of(other)) == [("blocked.by.me", 1), ("blocks.me", 1), ("other.person", 1)]


def test_only_active_cameos_shown_to_everyone_are_listed_with_their_uses(
    anon, author, make_user, make_video, activate_cameo
):
    people = {}
    for handle, audience in [
        ("zed.everyone", "everyone"),
        ("amy.everyone", "everyone"),
        ("bob.everyone", "everyone"),
        ("asks.first", "approved"),
        ("mutuals.only", "mutuals"),
    ]:
        people[handle] = make_user(handle)
        activate_cameo(people[handle], audience=audience)
    people["no.cameo"] = make_user("no.cameo")
    uses = {"zed.everyone": 3, "amy.everyone": 1, "bob.everyone": 1, "asks.first": 5, "mutuals.only": 4, "no.cameo": 6}
    for handle, n in uses.items():
        for _ in range(n):
            make_video(author, people=(people[handle],))
    old = make_video(author, people=(people["amy.everyone"],))
    published_ago(old, days=8)  # outside the 7 days counted
    assert cameo_uses(anon) == [("zed.everyone", 3), ("amy.everyone", 1), ("bob.everyone", 1)]  # ties by handle

    # A cameo no longer shown to everyone leaves the list at once, cached or not.
    cameos_services.cameo_update(owner=people["zed.everyone"], audience="approved")
    assert cameo_uses(anon) == [("amy.everyone", 1), ("bob.everyone", 1)]


def test_videos_where_someone_was_found_without_their_consent_are_not_uses_of_their_cameo(
    anon, author, make_user, make_video, activate_cameo
):
    """Found by a face scan in two videos whose author their cameo did not admit then (not named in
    their `cameos`), and named in one: trending counts one use. Before, three, which told everyone
    they were in videos that do not name them."""
    bob = make_user("bob.everyone")
    activate_cameo(bob, audience="approved")
    for _ in range(2):
        feed_services.video_add_person(video=make_video(author), user=bob, credited=False)
    cameos_services.cameo_update(owner=bob, audience="everyone")
    make_video(author, people=(bob,))
    assert cameo_uses(anon) == [("bob.everyone", 1)]


def test_anonymous_callers_get_the_body_shapes(anon, api, me, author, make_video, like, activate_cameo):
    activate_cameo(me, audience="everyone")
    video = like(make_video(author, people=(me,), caption="sunrise"), 1)
    assert trending(api)["videos"][0]["liked"] is False
    body = trending(anon)
    assert set(body) == {"videos", "cameos"}
    assert body["cameos"] == [{"user": {"handle": "me.myself", "display_name": "Me Myself"}, "uses": 1}]
    (shown,) = body["videos"]
    assert shown == anon.get(f"/api/v1/videos/{video.pk}").json()  # the feed's video body
    assert shown["counts"]["likes"] == 1
    assert shown["cameos"] == ["me.myself"]


def test_nothing_to_show_is_two_empty_lists(anon, api):
    assert trending(anon) == {"videos": [], "cameos": []}
    assert trending(api) == {"videos": [], "cameos": []}
