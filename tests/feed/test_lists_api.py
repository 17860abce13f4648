"""Following feed, a person's videos, and what erasing an account does to the feed."""

import pytest
from django.core.files.storage import default_storage

from accounts import services as accounts_services
from feed import services
from feed.models import Comment, Like, Video, View

pytestmark = pytest.mark.django_db


def handles_and_ids(body):
    return [(v["author"]["handle"], v["id"]) for v in body["results"]]


def test_following_feed_is_newest_first_from_people_i_follow(api, me, other, make_user, make_video):
    stranger = make_user("stranger")
    accounts_services.follow_create(follower=me, followee=other)
    first = make_video(other)
    make_video(stranger)
    make_video(other, publish=False)
    second = make_video(other)
    body = api.get("/api/v1/feed/following").json()
    assert handles_and_ids(body) == [("other.person", second.pk), ("other.person", first.pk)]


def test_following_feed_pages(api, me, other, make_video, django_assert_max_num_queries):
    accounts_services.follow_create(follower=me, followee=other)
    videos = [make_video(other) for _ in range(7)]
    seen, cursor = [], None
    while True:
        with django_assert_max_num_queries(5):
            body = api.get("/api/v1/feed/following", {"limit": 3} | ({"cursor": cursor} if cursor else {})).json()
        seen += [v["id"] for v in body["results"]]
        cursor = body["next"]
        if not cursor:
            break
    assert seen == [v.pk for v in reversed(videos)]


def test_following_feed_needs_sign_in(anon):
    assert anon.get("/api/v1/feed/following").status_code == 401


def test_a_persons_published_videos(api, anon, me, other, make_video):
    published = make_video(other)
    make_video(other, publish=False)
    for client in (api, anon):
        assert [v["id"] for v in client.get("/api/v1/users/other.person/videos").json()["results"]] == [published.pk]
    assert anon.get("/api/v1/users/nobody.here/videos").status_code == 404


def test_someone_i_blocked_has_a_profile_but_no_videos_listed(api, me, other, make_video):
    from accounts import services as accounts

    video = make_video(other)
    accounts.block_create(blocker=me, blocked=other)
    assert api.get("/api/v1/users/other.person").status_code == 200
    assert api.get("/api/v1/users/other.person/videos").json()["results"] == []
    assert api.get(f"/api/v1/videos/{video.pk}").status_code == 404
    accounts.block_delete(blocker=me, blocked=other)
    assert [v["id"] for v in api.get("/api/v1/users/other.person/videos").json()["results"]] == [video.pk]


def test_videos_of_someone_who_blocked_me_are_404(api, blocker, make_video):
    make_video(blocker)
    assert api.get("/api/v1/users/the.blocker/videos").status_code == 404


def test_erasing_an_account_removes_its_videos_files_and_engagement(
    api, client_of, me, other, make_video, django_capture_on_commit_callbacks
):
    mine = make_video(me)
    theirs = make_video(other)
    remix = make_video(me, remix_of=theirs)
    services.like_create(user=me, video=theirs)
    services.comment_create(author=me, video=theirs, text="first")
    services.comment_create(author=me, video=theirs, text="second")
    services.comment_create(author=other, video=theirs, text="thanks")
    services.view_record(viewer=me, video=theirs, watched_ms=500, completed=True)
    services.like_create(user=other, video=mine)
    files = [mine.media.name, mine.poster.name, remix.media.name]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me").status_code == 204
    assert not Video.objects.filter(author_id=me.pk).exists()
    assert not any(default_storage.exists(f) for f in files)
    assert not Like.objects.filter(user_id=me.pk).exists()
    assert not Comment.objects.filter(author_id=me.pk).exists()
    assert not View.objects.filter(viewer_id=me.pk).exists()
    counts = client_of(other).get(f"/api/v1/videos/{theirs.pk}").json()["counts"]
    assert counts == {"likes": 0, "comments": 1, "views": 0, "remixes": 0}
    theirs.refresh_from_db()
    assert theirs.completed_view_count == 0
    assert theirs.hot_score == pytest.approx(services.hot_score(time=theirs.time_score, bonus=theirs.bonus, comments=1))
    assert default_storage.exists(theirs.media.name)
