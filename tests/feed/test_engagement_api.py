"""Likes, comments, views and reports: idempotent where they should be, never double-counted."""

import threading
from typing import Any

import pytest

from accounts import services as accounts_services
from feed import services
from feed.models import Comment, Like, Report, Video, View
from tests.races import Pause, in_thread, second_while_first_pauses

pytestmark = pytest.mark.django_db


def url(video_id, action=""):
    return f"/api/v1/videos/{video_id}" + (f"/{action}" if action else "")


def counts(api, video):
    return api.get(url(video.pk)).json()["counts"]


# --- likes -----------------------------------------------------------------------------------------


def test_like_twice_counts_once_and_unlike_twice_is_fine(api, me, other, make_video):
    video = make_video(other)
    assert api.put(url(video.pk, "like")).status_code == 204
    assert api.put(url(video.pk, "like")).status_code == 204
    body = api.get(url(video.pk)).json()
    assert body["counts"]["likes"] == 1
    assert body["liked"] is True
    assert api.delete(url(video.pk, "like")).status_code == 204
    assert api.delete(url(video.pk, "like")).status_code == 204
    assert counts(api, video)["likes"] == 0
    assert not Like.objects.exists()


def test_likes_raise_the_rank(api, me, other, make_video):
    video = make_video(other)
    before = Video.objects.get(pk=video.pk).hot_score
    api.put(url(video.pk, "like"))
    assert Video.objects.get(pk=video.pk).hot_score > before


def test_like_needs_a_visible_published_video(client_of, anon, me, other, make_video):
    draft = make_video(other, publish=False, people=(me,))
    response = client_of(me).put(url(draft.pk, "like"))
    assert response.status_code == 409
    assert response.json()["error"] == "not_published"
    assert client_of(me).put(url(999999, "like")).status_code == 404
    assert anon.put(url(draft.pk, "like")).status_code == 401
    hidden = make_video(other, publish=False)
    assert client_of(me).put(url(hidden.pk, "like")).status_code == 404
    assert not Like.objects.exists()


def test_a_blocked_person_cannot_like(client_of, me, other, make_video):
    video = make_video(other)
    accounts_services.block_create(blocker=other, blocked=me)
    assert client_of(me).put(url(video.pk, "like")).status_code == 404
    assert Video.objects.get(pk=video.pk).like_count == 0


@pytest.mark.parametrize("who_blocks", ["author", "fan"])
def test_a_block_takes_each_ones_likes_off_the_others_videos(client_of, me, other, make_user, make_video, who_blocks):
    mine, theirs, elsewhere = make_video(me), make_video(other), make_video(make_user("third"))
    for liker, video in ((other, mine), (me, theirs), (other, elsewhere), (me, elsewhere)):
        assert client_of(liker).put(url(video.pk, "like")).status_code == 204
    blocker, blocked = (me, other) if who_blocks == "author" else (other, me)
    assert client_of(blocker).put(f"/api/v1/users/{blocked.handle}/block").status_code == 204
    # Out of their reach once blocked (a 404 to them), so the block ends them: no count or rank keeps them.
    assert client_of(me).get(url(mine.pk)).json()["counts"]["likes"] == 0
    assert Video.objects.get(pk=theirs.pk).like_count == 0
    assert not Like.objects.filter(video__in=[mine, theirs]).exists()
    # Likes of anyone else's video stay, and unblocking brings nothing back nor breaks liking again.
    assert client_of(me).get(url(elsewhere.pk)).json()["counts"]["likes"] == 2
    assert client_of(blocker).delete(f"/api/v1/users/{blocked.handle}/block").status_code == 204
    assert client_of(other).get(url(mine.pk)).json()["liked"] is False
    assert client_of(other).put(url(mine.pk, "like")).status_code == 204
    assert client_of(me).get(url(mine.pk)).json()["counts"]["likes"] == 1


@pytest.mark.postgres  # real concurrent writers (SQLite serialises whole transactions)
@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_are_never_lost(make_user, make_video):
    author = make_user("author")
    video = make_video(author)
    fans = [make_user(f"fan{i}") for i in range(16)]
    barrier = threading.Barrier(len(fans))
    failures: list[Any] = []

    def like(user):
        barrier.wait()
        services.like_create(user=user, video=video)
        services.like_create(user=user, video=video)  # and a double tap

    threads = [in_thread(lambda fan=fan: like(fan), errors=failures) for fan in fans]
    for t in threads:
        t.join()
    assert failures == []
    video.refresh_from_db()
    assert video.like_count == 16 == Like.objects.filter(video=video).count()


@pytest.mark.postgres  # real concurrent writers (SQLite serialises whole transactions)
@pytest.mark.django_db(transaction=True)
def test_an_unlike_while_the_author_blocks_the_fan_counts_the_like_off_once(make_user, make_video):
    """The fan unlikes as the author blocks them: the unlike holds its like row until it commits, and
    the block, which counted off every like it had read, counted this one off a second time (another
    fan's like was lost from the count)."""
    from django.db import transaction

    author, fan = make_user("author"), make_user("fan")
    video = make_video(author)
    services.like_create(user=fan, video=video)
    services.like_create(user=make_user("other_fan"), video=video)
    unliked = Pause()

    def unlike():
        with transaction.atomic():
            services.like_delete(user=fan, video=video)
            unliked()

    # the block reaches the like the unlike holds
    failures = second_while_first_pauses(
        unlike,
        lambda: accounts_services.block_create(blocker=author, blocked=fan),
        unliked,
        names=("unlike", "block"),
        wait=2,
    )
    assert failures == []
    video.refresh_from_db()
    assert video.like_count == 1 == Like.objects.filter(video=video).count()


# --- comments --------------------------------------------------------------------------------------


def test_comment_list_and_delete_own(api, anon, me, other, make_video):
    video = make_video(other)
    response = api.post(url(video.pk, "comments"), {"text": "  love it  "}, format="json")
    assert response.status_code == 201
    comment = response.json()
    assert comment["text"] == "love it"
    assert comment["author"]["handle"] == "me.myself"
    listing = anon.get(url(video.pk, "comments")).json()
    assert [c["id"] for c in listing["results"]] == [comment["id"]]
    assert counts(api, video)["comments"] == 1
    assert api.delete(f"/api/v1/comments/{comment['id']}").status_code == 204
    assert counts(api, video)["comments"] == 0
    assert api.delete(f"/api/v1/comments/{comment['id']}").status_code == 404


def test_comments_of_people_in_a_block_with_me_are_left_out_for_me(
    api, anon, client_of, me, other, make_user, make_video
):
    troll, fan, hater = make_user("the.troll"), make_user("the.fan"), make_user("the.hater")
    video = make_video(other)
    for person in (troll, fan, hater):
        assert client_of(person).post(url(video.pk, "comments"), {"text": "hi"}, format="json").status_code == 201
    accounts_services.block_create(blocker=me, blocked=troll)
    accounts_services.block_create(blocker=hater, blocked=me)

    def authors(client):  # type: ignore[no-untyped-def]
        return sorted(c["author"]["handle"] for c in client.get(url(video.pk, "comments")).json()["results"])

    assert authors(api) == ["the.fan"]
    assert authors(anon) == ["the.fan", "the.hater", "the.troll"]


def test_a_block_takes_each_ones_comments_off_the_others_videos(api, anon, client_of, me, other, make_user, make_video):
    """The author blocked a commenter (or a commenter blocked the author): their comments under the
    author's video were still shown to everyone but the author, who could then neither read nor
    delete them, and they kept counting and ranking the video. They go with the block, both ways,
    and an unblock brings none back."""
    troll, fan, leaver = make_user("the.troll"), make_user("the.fan"), make_user("the.leaver")
    video, trolls = make_video(other), make_video(troll)
    for person in (troll, fan, leaver, troll):
        services.comment_create(author=person, video=video, text="hi")
    services.comment_create(author=other, video=trolls, text="hi")
    services.comment_create(author=fan, video=trolls, text="hi")
    accounts_services.block_create(blocker=other, blocked=troll)
    accounts_services.block_create(blocker=leaver, blocked=other)

    def authors(client, on=video):  # type: ignore[no-untyped-def]
        return sorted(c["author"]["handle"] for c in client.get(url(on.pk, "comments")).json()["results"])

    for client in (api, anon, client_of(other)):
        assert authors(client) == ["the.fan"]
    assert counts(anon, video)["comments"] == 1
    assert authors(anon, trolls) == ["the.fan"] and counts(anon, trolls)["comments"] == 1
    accounts_services.block_delete(blocker=other, blocked=troll)
    assert authors(anon) == ["the.fan"]
    assert set(Comment.objects.values_list("author__handle", flat=True)) == {"the.fan"}


def test_comments_of_an_account_support_deactivated_are_left_out(api, anon, other, make_user, make_video):
    gone = make_user("the.gone")
    video = make_video(other)
    services.comment_create(author=gone, video=video, text="first")
    services.comment_create(author=other, video=video, text="thanks")
    accounts_services.user_active_set(user=gone, active=False)
    for client in (api, anon):
        listing = client.get(url(video.pk, "comments")).json()["results"]
        assert [(c["author"]["handle"], c["text"]) for c in listing] == [("other.person", "thanks")]
    assert anon.get("/api/v1/users/the.gone").status_code == 404  # as their handle: nobody
    accounts_services.user_active_set(user=gone, active=True)
    assert len(anon.get(url(video.pk, "comments")).json()["results"]) == 2


def test_the_video_author_can_delete_any_comment_on_it_others_cannot(client_of, me, other, make_user, make_video):
    video = make_video(other)
    comment = services.comment_create(author=me, video=video, text="hm")
    stranger = client_of(make_user())
    assert stranger.delete(f"/api/v1/comments/{comment.pk}").status_code == 403
    assert client_of(other).delete(f"/api/v1/comments/{comment.pk}").status_code == 204
    assert not Comment.objects.exists()


def test_a_comment_on_a_video_hidden_from_me_is_the_same_404_as_an_unknown_one(
    client_of, me, other, make_user, make_video
):
    video = make_video(other)
    comment = services.comment_create(author=make_user(), video=video, text="hello")
    accounts_services.block_create(blocker=other, blocked=me)
    hidden = client_of(me).delete(f"/api/v1/comments/{comment.pk}")
    unknown = client_of(me).delete(f"/api/v1/comments/{comment.pk + 1000}")
    assert (hidden.status_code, hidden.json()) == (unknown.status_code, unknown.json())
    assert hidden.json() == {"error": "not_found", "detail": "This comment does not exist."}
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_deleting_a_comment_already_taken_off_the_count_still_works(client_of, me, other, make_video):
    """Two deletions that both took one off (as a comment deleted while its author's account is
    erased may): the count stays at zero, and the deletion answers as usual."""
    from feed.models import Video

    video = make_video(other)
    comment = services.comment_create(author=me, video=video, text="mine")
    Video.objects.filter(pk=video.pk).update(comment_count=0)  # the other deletion took it off

    assert client_of(me).delete(f"/api/v1/comments/{comment.pk}").status_code == 204
    assert counts(client_of(other), video)["comments"] == 0


@pytest.mark.parametrize("text", ["\u200b", "\u2800 \u3164", "\u202e\u2066", "\x1b"])
def test_a_comment_that_shows_nothing_is_400_and_stores_nothing(api, other, make_video, text):
    """Invisible characters only (a zero-width space, the braille blank, a filler, bidi controls, an
    escape): before, each was stored and listed as a blank comment."""
    video = make_video(other)
    response = api.post(url(video.pk, "comments"), {"text": text}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Comment.objects.exists()


def test_a_comment_is_stored_without_what_hides_or_reorders_its_words(api, anon, other, make_video):
    """A right-to-left override made `so \u202edab` read as "so bad" to every reader while its text
    said otherwise; a terminal escape or a line separator went into every client and log as written."""
    video = make_video(other)
    response = api.post(url(video.pk, "comments"), {"text": "so \u202ebad\u202c,\u2028\x1b[2Jreally"}, format="json")
    assert response.status_code == 201
    assert response.json()["text"] == "so bad, [2Jreally"
    assert [c["text"] for c in anon.get(url(video.pk, "comments")).json()["results"]] == ["so bad, [2Jreally"]


def test_a_comment_that_normalising_makes_too_long_is_400_and_stores_nothing(api, other, make_video):
    """A comment is stored as shown (NFC), where U+0958 is two characters: 500 of them, which the API
    lets through, would be 1,000, past the column (a 500 on PostgreSQL)."""
    video = make_video(other)
    response = api.post(url(video.pk, "comments"), {"text": "\u0958" * 500}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"text": ["At most 500 characters."]}
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 501},
        {},
        {"text": None},
        {"text": "ok", "extra": 1},
        {"text": ["a"]},
    ],
)
def test_bad_comments_are_400_and_store_nothing(api, other, make_video, body):
    video = make_video(other)
    response = api.post(url(video.pk, "comments"), body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"
    assert not Comment.objects.exists()
    assert counts(api, video)["comments"] == 0


def test_comments_on_a_draft_or_unknown_video(client_of, me, other, make_video):
    draft = make_video(other, publish=False, people=(me,))
    assert client_of(me).post(url(draft.pk, "comments"), {"text": "hi"}, format="json").status_code == 409
    assert client_of(me).post(url(424242, "comments"), {"text": "hi"}, format="json").status_code == 404
    assert client_of(me).get(url(424242, "comments")).status_code == 404


def test_comments_are_rate_limited(api, other, make_video, settings, mid_window):
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"comments": "2/hour"}}
    video = make_video(other)
    statuses = [api.post(url(video.pk, "comments"), {"text": f"c{i}"}, format="json").status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    assert api.get(url(video.pk, "comments")).status_code == 200  # reading is not limited by it


def test_comment_pages(anon, me, other, make_video):
    video = make_video(other)
    for i in range(7):
        services.comment_create(author=me, video=video, text=f"comment {i}")
    first = anon.get(url(video.pk, "comments"), {"limit": 5}).json()
    second = anon.get(url(video.pk, "comments"), {"limit": 5, "cursor": first["next"]}).json()
    texts = [c["text"] for c in first["results"] + second["results"]]
    assert texts == [f"comment {i}" for i in reversed(range(7))]
    assert second["next"] is None


# --- views -----------------------------------------------------------------------------------------


def test_views_count_once_per_person_and_completion_once(api, me, other, make_video):
    video = make_video(other)
    for completed in (False, True, True):
        response = api.post(url(video.pk, "views"), {"watched_ms": 400, "completed": completed}, format="json")
        assert response.status_code == 204
    video.refresh_from_db()
    assert (video.view_count, video.completed_view_count) == (1, 1)
    view = View.objects.get()
    assert (view.plays, view.watched_ms, view.completed) == (3, 1200, True)


@pytest.mark.parametrize(
    "body",
    [
        {"watched_ms": -1, "completed": False},
        {"watched_ms": 10**12, "completed": True},
        {"watched_ms": "long", "completed": False},
        {"watched_ms": 100},
        {"completed": True},
        {"watched_ms": 100, "completed": "maybe"},
        {"watched_ms": 1.5, "completed": False},
    ],
)
def test_bad_view_events_are_400_and_count_nothing(api, other, make_video, body):
    video = make_video(other)
    response = api.post(url(video.pk, "views"), body, format="json")
    assert response.status_code == 400
    assert not View.objects.exists()
    video.refresh_from_db()
    assert video.view_count == 0


def test_anonymous_views_are_not_recorded(anon, other, make_video):
    video = make_video(other)
    assert anon.post(url(video.pk, "views"), {"watched_ms": 1, "completed": False}, format="json").status_code == 401


# --- reports ---------------------------------------------------------------------------------------


def test_report_a_video_once_per_person(api, me, other, make_video):
    video = make_video(other)
    response = api.post(url(video.pk, "report"), {"reason": "harassment", "detail": "mocks me"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "open"
    again = api.post(url(video.pk, "report"), {"reason": "my_likeness"}, format="json")
    assert again.status_code == 201
    report = Report.objects.get()
    assert (report.reason, report.reporter_id) == ("my_likeness", me.pk)


def test_a_person_shown_in_a_draft_can_report_it(client_of, me, other, make_video):
    draft = make_video(other, publish=False, people=(me,))
    assert client_of(me).post(url(draft.pk, "report"), {"reason": "my_likeness"}, format="json").status_code == 201


@pytest.mark.parametrize(
    "body", [{"reason": "boring"}, {}, {"reason": "spam", "detail": "x" * 1001}, {"reason": "spam", "why": "x"}]
)
def test_bad_reports_are_400(api, other, make_video, body):
    video = make_video(other)
    assert api.post(url(video.pk, "report"), body, format="json").status_code == 400
    assert not Report.objects.exists()
