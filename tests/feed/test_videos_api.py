"""A single video: who sees it, its media URLs, deletion with its files."""

import time

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from accounts import services as accounts_services
from feed import services
from feed.models import Comment, Like, Video, VideoPerson, View
from tests.media import tiny_mp4

pytestmark = pytest.mark.django_db


def url(video_id, action=""):
    return f"/api/v1/videos/{video_id}" + (f"/{action}" if action else "")


def test_a_published_video_as_everyone_sees_it(api, anon, me, other, make_video):
    video = make_video(other, people=(me,), caption="sunset")
    body = api.get(url(video.pk)).json()
    assert body["id"] == video.pk
    assert body["author"] == {"handle": "other.person", "display_name": "Other Person"}
    assert body["status"] == "published"
    assert body["caption"] == "sunset"
    assert body["cameos"] == ["me.myself"]
    assert body["counts"] == {"likes": 0, "comments": 0, "views": 0, "remixes": 0}
    assert (body["duration_ms"], body["width"], body["height"]) == (500, 64, 112)
    assert body["media_url"] == f"/media/v/{video.media_key}/video.mp4"
    assert body["poster_url"] == f"/media/v/{video.media_key}/poster.jpg"
    assert body["liked"] is False
    assert anon.get(url(video.pk)).status_code == 200


def test_published_media_is_served_at_a_stable_url(anon, other, make_video):
    video = make_video(other)
    media_url = anon.get(url(video.pk)).json()["media_url"]
    response = Client().get(media_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content) == tiny_mp4()
    assert "public" in response["Cache-Control"]
    assert anon.get(url(video.pk)).json()["media_url"] == media_url


def test_a_deleted_video_leaves_shared_caches_within_five_minutes(anon, other, make_video):
    """No purge reaches a CDN or a proxy: what it may keep is bounded by max-age (DESIGN.md §1, 2)."""
    video = make_video(other)
    response = Client().get(anon.get(url(video.pk)).json()["media_url"])
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 0 < max_age <= 300


def test_media_supports_byte_ranges(other, make_video):
    video = make_video(other)
    path = f"/media/v/{video.media_key}/video.mp4"
    response = Client().get(path, HTTP_RANGE="bytes=10-19")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 10-19/{len(tiny_mp4())}"
    assert b"".join(response.streaming_content) == tiny_mp4()[10:20]
    tail = Client().get(path, HTTP_RANGE="bytes=-5")
    assert b"".join(tail.streaming_content) == tiny_mp4()[-5:]
    assert Client().post(path).status_code == 405


@pytest.mark.parametrize(
    "header",
    [
        "bytes=999999-",
        "chunks=1-2",
        "bytes=abc",
        "bytes=-",
        "bytes=٣-٤",  # digits, but not ASCII ones
        "bytes=" + "9" * 5000 + "-",  # past int()'s digit limit
        "bytes=-" + "9" * 5000,
    ],
)
def test_a_range_outside_the_file_or_malformed_is_a_416_in_the_error_shape(other, make_video, header):
    video = make_video(other)
    response = Client().get(f"/media/v/{video.media_key}/video.mp4", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response.json()["error"] == "range_not_satisfiable"
    assert response["Content-Range"] == f"bytes */{len(tiny_mp4())}"


def test_a_draft_is_seen_by_its_author_and_the_people_in_it_only(client_of, me, other, make_user, make_video):
    shown, stranger = make_user("shown.person"), make_user("stranger")
    draft = make_video(me, publish=False, people=(shown,))
    assert client_of(me).get(url(draft.pk)).json()["status"] == "draft"
    assert client_of(shown).get(url(draft.pk)).status_code == 200
    for outsider in (client_of(stranger), client_of(other), Client()):
        response = outsider.get(url(draft.pk))
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_draft_media_only_at_signed_expiring_urls(client_of, me, make_video, settings):
    draft = make_video(me, publish=False)
    media_url = client_of(me).get(url(draft.pk)).json()["media_url"]
    assert "?t=" in media_url
    assert Client().get(media_url).status_code == 200
    bare = media_url.split("?")[0]
    assert Client().get(bare).status_code == 404
    assert Client().get(bare + "?t=forged").status_code == 404
    poster_token_on_video = client_of(me).get(url(draft.pk)).json()["poster_url"].split("?")[1]
    assert Client().get(f"{bare}?{poster_token_on_video}").status_code == 404
    settings.CASTFEED_FEED = {**settings.CASTFEED_FEED, "DRAFT_MEDIA_URL_SECONDS": -1}
    expired = client_of(me).get(url(draft.pk)).json()["media_url"]
    assert Client().get(expired).status_code == 404


def test_media_of_unknown_or_removed_videos_is_404(other, make_video):
    video = make_video(other)
    assert Client().get("/media/v/nope/video.mp4").status_code == 404
    assert Client().get(f"/media/v/{video.media_key}/secret.txt").status_code == 404
    services.video_take_down(video=video, reason="reported")
    assert Client().get(f"/media/v/{video.media_key}/video.mp4").status_code == 404


def test_blocked_either_way_cannot_see_the_video(client_of, me, other, make_video):
    video = make_video(other)
    accounts_services.block_create(blocker=other, blocked=me)
    assert client_of(me).get(url(video.pk)).status_code == 404
    accounts_services.block_delete(blocker=other, blocked=me)
    accounts_services.block_create(blocker=me, blocked=other)
    assert client_of(me).get(url(video.pk)).status_code == 404


@pytest.mark.parametrize("video_id", ["999999", "0", "99999999999999999999999", "abc", "-1", "1.5"])
def test_unknown_videos_are_404(api, video_id):
    response = api.get(f"/api/v1/videos/{video_id}")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_removed_video_is_gone_for_everyone_but_its_author(client_of, anon, me, other, make_video):
    video = make_video(me)
    services.video_take_down(video=video, reason="broke the rules")
    assert anon.get(url(video.pk)).status_code == 404
    assert client_of(other).get(url(video.pk)).status_code == 404
    body = client_of(me).get(url(video.pk)).json()
    assert body["status"] == "removed"
    assert body["media_url"] is None


def test_the_author_deletes_a_video_with_its_files_and_everything_on_it(
    api, me, other, make_video, django_capture_on_commit_callbacks
):
    video = make_video(me)
    remix = make_video(other, remix_of=video)
    services.like_create(user=other, video=video)
    services.comment_create(author=other, video=video, text="nice")
    services.view_record(viewer=other, video=video, watched_ms=500, completed=True)
    files = [video.media.name, video.poster.name]
    assert all(default_storage.exists(f) for f in files)
    media_url = f"/media/v/{video.media_key}/video.mp4"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(url(video.pk))
    assert response.status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not any(default_storage.exists(f) for f in files)
    assert Client().get(media_url).status_code == 404
    assert not Like.objects.filter(video_id=video.pk).exists()
    assert not Comment.objects.filter(video_id=video.pk).exists()
    assert not View.objects.filter(video_id=video.pk).exists()
    remix.refresh_from_db()
    assert remix.remix_of is None  # the remix lives on without the link
    assert api.delete(url(video.pk)).status_code == 404


def test_deleting_a_remix_lowers_the_source_remix_count(api, client_of, me, other, make_video):
    source = make_video(other)
    remix = make_video(me, remix_of=source)
    assert client_of(other).get(url(source.pk)).json()["counts"]["remixes"] == 1
    assert api.get(url(remix.pk)).json()["remix_of"] == source.pk
    api.delete(url(remix.pk))
    assert client_of(other).get(url(source.pk)).json()["counts"]["remixes"] == 0


@pytest.mark.parametrize("since", ["taken down", "its author blocked me"])
def test_a_remix_published_after_its_source_became_unremixable_is_not_linked_to_it(
    api, client_of, me, other, make_video, since
):
    source = make_video(other)
    draft = make_video(me, remix_of=source, publish=False)
    if since == "taken down":
        services.video_hide(video=source, reason="takedown request TD-1")
    else:
        accounts_services.block_create(blocker=other, blocked=me)

    remix = services.video_publish(video=draft)

    assert api.get(url(remix.pk)).json()["remix_of"] is None
    assert Video.objects.get(pk=source.pk).remix_count == 0
    if since == "taken down":
        services.video_unhide(video=source)
        assert client_of(other).get(url(source.pk)).json()["counts"]["remixes"] == 0


def test_a_remix_of_my_draft_published_before_it_names_no_source_until_the_source_is_published(
    api, anon, client_of, me, other, make_video
):
    source = make_video(me, publish=False, caption="not out yet")
    remix = make_video(me, remix_of=source)  # published while its source is still my draft

    for viewer in (anon, client_of(other), api):
        body = viewer.get(url(remix.pk)).json()
        assert body["remix_of"] is None  # never the id of a video that is a 404 to them
    assert anon.get(url(source.pk)).status_code == 404
    assert [v["remix_of"] for v in client_of(other).get("/api/v1/users/me.myself/videos").json()["results"]] == [None]

    services.video_publish(video=source)
    assert anon.get(url(remix.pk)).json()["remix_of"] == source.pk  # linked once the source is out
    assert anon.get(url(source.pk)).json()["counts"]["remixes"] == 1  # the published remix it links

    services.video_hide(video=source, reason="takedown request TD-2")
    assert anon.get(url(remix.pk)).json()["remix_of"] is None  # hidden: a 404 again
    services.video_unhide(video=source)
    assert anon.get(url(remix.pk)).json()["remix_of"] == source.pk


def test_nobody_else_can_delete_a_video(client_of, anon, me, other, make_user, make_video):
    video = make_video(me, people=(other,))
    assert client_of(other).delete(url(video.pk)).status_code == 403
    assert client_of(make_user()).delete(url(video.pk)).status_code == 403
    assert anon.delete(url(video.pk)).status_code == 401
    draft = make_video(me, publish=False)
    assert client_of(other).delete(url(draft.pk)).status_code == 404
    assert Video.objects.count() == 2


def test_publish_only_a_draft(me, make_video):
    video = make_video(me)
    with pytest.raises(services.NotPublished):
        services.video_publish(video=video)


def test_people_rows_follow_the_video_rank(me, other, make_video):
    video = make_video(other, people=(me,))
    services.like_create(user=me, video=video)
    video.refresh_from_db()
    row = VideoPerson.objects.get(video=video)
    assert row.published is True
    assert row.hot_score == pytest.approx(video.hot_score)
    assert video.hot_score == pytest.approx(services.hot_score(time=video.time_score, bonus=video.bonus, likes=1))
    assert video.time_score == pytest.approx(time.time() / 28800, abs=1)


def test_a_video_names_no_one_in_a_block_with_the_viewer_among_its_cameos(client_of, make_user, make_video):
    handles = ("the.author", "the.blocker", "the.blocked", "a.friend", "the.viewer")
    author, blocker, blocked_one, shown, viewer = (make_user(h) for h in handles)
    video = make_video(author, people=(blocker, blocked_one, shown))
    accounts_services.block_create(blocker=blocker, blocked=viewer)  # they blocked the viewer
    accounts_services.block_create(blocker=viewer, blocked=blocked_one)  # the viewer blocked them
    mine = client_of(viewer)
    assert mine.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == ["a.friend"]
    assert [v["cameos"] for v in mine.get("/api/v1/users/the.author/videos").json()["results"]] == [["a.friend"]]
    assert [v["cameos"] for v in mine.get("/api/v1/feed").json()["results"] if v["id"] == video.pk] == [["a.friend"]]
    everyone = ["a.friend", "the.blocked", "the.blocker"]
    assert client_of(make_user("someone.else")).get(f"/api/v1/videos/{video.pk}").json()["cameos"] == everyone
    assert client_of(None).get("/api/v1/feed").json()["results"][0]["cameos"] == everyone


def test_a_caption_names_no_one_in_a_block_with_the_viewer(client_of, make_user, make_video):
    """A caption's @mention of someone in a block with the viewer reads `@…` to them, as its
    `cameos` leave that person out (however the mention is spelt); the others read it as written.
    Before, the caption handed the viewer the handle that `cameos` hid."""
    handles = ("the.author", "the.blocker", "the.blocked", "a.friend", "the.viewer")
    author, blocker, blocked_one, shown, viewer = (make_user(h) for h in handles)
    caption = "me, @the.blocker, @The.Blocked! and @a.friend at @the.blocker."
    video = make_video(author, people=(blocker, blocked_one, shown), caption=caption)
    disguised = make_video(author, caption="hi \uff20th\u0435.blocker")  # a fullwidth at, a Cyrillic е
    accounts_services.block_create(blocker=blocker, blocked=viewer)  # they blocked the viewer
    accounts_services.block_create(blocker=viewer, blocked=blocked_one)  # the viewer blocked them
    mine = client_of(viewer)
    hidden = "me, @\u2026, @\u2026! and @a.friend at @\u2026."
    assert mine.get(f"/api/v1/videos/{video.pk}").json()["caption"] == hidden
    assert mine.get(f"/api/v1/videos/{disguised.pk}").json()["caption"] == "hi @\u2026"
    listed = mine.get("/api/v1/users/the.author/videos").json()["results"]
    assert [v["caption"] for v in listed] == ["hi @\u2026", hidden]
    for_you = {v["id"]: v["caption"] for v in mine.get("/api/v1/feed").json()["results"]}
    assert for_you == {video.pk: hidden, disguised.pk: "hi @\u2026"}
    assert client_of(make_user("someone.else")).get(f"/api/v1/videos/{video.pk}").json()["caption"] == caption
    assert client_of(None).get(f"/api/v1/videos/{video.pk}").json()["caption"] == caption


def test_a_comment_names_no_one_in_a_block_with_the_viewer(client_of, make_user, make_video):
    """As in captions: a comment's @mention of someone in a block with the viewer reads `@…` to them,
    however it is spelt; everyone else, and the anonymous, read it as written."""
    handles = ("the.author", "the.blocker", "a.friend", "the.viewer")
    author, blocker, friend, viewer = (make_user(h) for h in handles)
    video = make_video(author)
    text = "great one @the.blocker, and \uff20th\u0435.blocker! cc @a.friend"
    assert (
        client_of(friend).post(f"/api/v1/videos/{video.pk}/comments", {"text": text}, format="json").status_code == 201
    )
    accounts_services.block_create(blocker=blocker, blocked=viewer)

    def read_by(client) -> list[str]:  # type: ignore[no-untyped-def]
        return [c["text"] for c in client.get(f"/api/v1/videos/{video.pk}/comments").json()["results"]]

    assert read_by(client_of(viewer)) == ["great one @\u2026, and @\u2026! cc @a.friend"]
    assert read_by(client_of(make_user("someone.else"))) == [text]
    assert read_by(client_of(None)) == [text]


@pytest.mark.parametrize(
    "caption",
    [
        "hi \u03c9,@the.blocker\u044c!",  # the gate reads the word whole: @the.blocker, then a Cyrillic ь
        "hi \u03c9,\uff20the.blocker\u044c!",
    ],
)
def test_a_caption_hides_a_mention_the_gate_reads_within_a_longer_word(client_of, make_user, make_video, caption):
    """The consent gate reads a mention within its whole word (core.text.canonical word by word), so
    a caption is read the same way: a mention glued to letters of another alphabet, before or after
    it, is hidden too. Before, `@the.blocker` was read alone from its at sign, as `@the.blockerb`,
    and handed to the viewer as written."""
    from moderation.consent import mention_readings

    author, blocker, viewer = make_user("the.author"), make_user("the.blocker"), make_user("the.viewer")
    assert ("the.blocker",) in mention_readings(caption)  # what the gate reads: the person
    video = make_video(author, caption=caption)
    accounts_services.block_create(blocker=blocker, blocked=viewer)
    shown = client_of(viewer).get(f"/api/v1/videos/{video.pk}").json()["caption"]
    assert "the.blocker" not in shown
    assert shown.startswith("hi ") and "@\u2026" in shown
    assert client_of(None).get(f"/api/v1/videos/{video.pk}").json()["caption"] == caption


@pytest.mark.parametrize("who_blocked", ["the author", "me"])
def test_a_video_of_me_by_someone_in_a_block_with_me_is_mine_to_watch_and_report_not_to_engage_with(
    api, me, other, make_user, make_video, who_blocked
):
    video = make_video(other, people=(me,))
    unrelated = make_video(other)
    if who_blocked == "me":
        accounts_services.block_create(blocker=me, blocked=other)
    else:
        accounts_services.block_create(blocker=other, blocked=me)

    shown = api.get(url(video.pk))
    assert shown.status_code == 200 and shown.json()["id"] == video.pk
    report = api.post(url(video.pk, "report"), {"reason": "my_likeness"}, format="json")
    assert report.status_code == 201, report.json()
    assert api.put(url(video.pk, "like")).status_code == 404
    assert api.post(url(video.pk, "comments"), {"text": "hi"}, format="json").status_code == 404
    assert api.get(url(unrelated.pk)).status_code == 404  # not of me: the block hides it
