"""Videos of me (DESIGN.md §1.2): a person sees every video that shows them, by anyone, draft or
published, and deletes any of them: gone everywhere at once."""

import json
import tempfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from accounts import services as accounts
from accounts.models import Notification
from cameos import gallery
from cameos import services as cameos
from cameos.models import Appearance
from feed import services as feed
from feed.models import Video
from moderation.models import AuditEvent
from tests import synthetic_faces as faces

URL = "/api/v1/cameo/appearances"


def files_of(video: Video) -> list[Path]:
    folder = Path(django_settings.MEDIA_ROOT) / "videos" / video.media_key
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def referencing(target: type, pk: object) -> dict[str, int]:
    """Rows of every table that points at `target` row `pk` by a foreign key (found by introspection,
    so a table added later is walked too), plus the row itself; only non-zero counts."""
    from django.apps import apps

    counts = {target.__name__: target.objects.filter(pk=pk).count()}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            points = getattr(field, "many_to_one", False) or getattr(field, "one_to_one", False)
            if points and field.concrete and field.related_model is target:
                counts[f"{model.__name__}.{field.name}"] = model.objects.filter(**{field.attname: pk}).count()
    return {name: n for name, n in counts.items() if n}


def everything_referencing(video_id: int) -> dict[str, int]:
    return referencing(Video, video_id)


@pytest.fixture
def busy_video(me, make_user, make_video):  # type: ignore[no-untyped-def]
    """A published video by someone else that shows me, with likes, comments, views, a report, a
    face track, an appearance and a remix."""
    author = make_user("the.author")
    fans = [make_user(f"fan{i}") for i in range(3)]
    video = make_video(author, people=(me,))
    Appearance.objects.create(video=video, user=me, source="tagged")
    gallery.video_faces_put(video.pk, [(faces.template("astronaut"), 0, 900, 4)])
    for fan in fans:
        feed.like_create(user=fan, video=video)
        feed.comment_create(author=fan, video=video, text="nice")
        feed.view_record(viewer=fan, video=video, watched_ms=900, completed=True)
    feed.report_create(reporter=fans[0], video=video, reason="other")
    remix = make_video(fans[1], remix_of=video)
    return author, video, remix


def test_i_see_every_video_that_shows_me_with_its_source(api, me, make_user, make_video):
    author = make_user("maker")
    draft = make_video(author, publish=False, people=(me,))
    published = make_video(author, people=(me,))
    Appearance.objects.create(video=draft, user=me, source="detected", similarity=0.83)
    make_video(author)  # not of me
    body = api.get(URL).json()
    rows = {r["video"]["id"]: r for r in body["results"]}
    assert set(rows) == {draft.pk, published.pk}
    assert (rows[draft.pk]["source"], rows[draft.pk]["similarity"]) == ("detected", 0.83)
    assert rows[published.pk]["source"] == "tagged"
    # Someone else's draft of me: I can play it (a signed URL that serves the file).
    media_url = rows[draft.pk]["video"]["media_url"]
    assert rows[draft.pk]["video"]["status"] == "draft" and "?t=" in media_url
    assert api.get(media_url).status_code == 200


def test_a_video_of_me_deleted_while_my_page_is_read_is_left_out(api, me, make_user, make_video, monkeypatch):
    from cameos import selectors

    author = make_user("fan")
    kept, gone = make_video(author, people=(me,)), make_video(author, people=(me,))
    read = selectors.appearances_page

    def read_then_deleted(*args, **kwargs):  # type: ignore[no-untyped-def]
        page = read(*args, **kwargs)
        feed.video_delete(video=Video.objects.get(pk=gone.pk), by=author)  # its author, meanwhile
        return page

    monkeypatch.setattr(selectors, "appearances_page", read_then_deleted)
    response = api.get("/api/v1/cameo/appearances")

    assert response.status_code == 200, response.json()
    assert [a["video"]["id"] for a in response.json()["results"]] == [kept.pk]


def test_deleting_a_video_of_me_removes_everything_of_it_at_once(api, me, busy_video, client_of):
    author, video, remix = busy_video
    files = files_of(video)
    media_url = client_of(author).get(f"/api/v1/videos/{video.pk}").json()["media_url"]
    assert files and api.get(media_url).status_code == 200
    assert any(everything_referencing(video.pk).values())

    assert api.delete(f"{URL}/{video.pk}").status_code == 204

    assert everything_referencing(video.pk) == {}
    assert Video.objects.filter(pk=remix.pk, remix_of=None).exists()  # the remix stays, without the link
    assert api.get(media_url).status_code == 404  # the URL is dead when the request returns
    assert client_of(author).get(f"/api/v1/videos/{video.pk}").status_code == 404
    assert api.delete(f"{URL}/{video.pk}").status_code == 404  # twice: 404, not 500
    note = Notification.objects.get(user=author)
    assert (note.kind, note.data) == ("video_removed", {"video_id": video.pk, "by": "a person in it"})
    event = AuditEvent.objects.get(kind="video_deleted", object_id=str(video.pk))
    assert (event.actor_id, event.data["by"]) == (me.pk, "person_in_it")


def test_deleting_a_video_removes_its_files(api, me, busy_video, django_capture_on_commit_callbacks):
    _, video, _ = busy_video
    files = files_of(video)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{URL}/{video.pk}").status_code == 204
    assert files and not any(f.exists() for f in files)


def test_nobody_else_can_delete_a_video_of_me(me, busy_video, client_of, make_user, anon):
    author, video, _ = busy_video
    friend_of_author = make_user("friend.of.author")
    accounts.follow_create(follower=friend_of_author, followee=author)
    accounts.follow_create(follower=author, followee=friend_of_author)
    for client in (client_of(friend_of_author), client_of(make_user("random")), client_of(author)):
        assert client.delete(f"{URL}/{video.pk}").status_code == 404
    assert anon.delete(f"{URL}/{video.pk}").status_code == 401
    assert Video.objects.filter(pk=video.pk).exists()


def test_a_like_or_comment_on_a_video_being_deleted_is_a_404_and_resurrects_nothing(api, me, busy_video, make_user):
    _, video, _ = busy_video
    late = make_user("late.fan")
    stale = Video.objects.get(pk=video.pk)  # loaded by a request just before the deletion
    assert api.delete(f"{URL}/{video.pk}").status_code == 204
    from core.exceptions import NotFound

    for act in (
        lambda: feed.like_create(user=late, video=stale),
        lambda: feed.comment_create(author=late, video=stale, text="first!"),
        lambda: feed.view_record(viewer=late, video=stale, watched_ms=10, completed=False),
    ):
        with pytest.raises(NotFound):
            act()
    assert everything_referencing(video.pk) == {}


def test_bulk_delete_by_author_and_all(api, me, make_user, make_video):
    one, two = make_user("one"), make_user("two")
    by_one = [make_video(one, people=(me,)), make_video(one, publish=False, people=(me,))]
    by_two = make_video(two, people=(me,))
    assert api.delete(f"{URL}?author=one").json() == {"deleted": 2}
    assert not Video.objects.filter(pk__in=[v.pk for v in by_one]).exists()
    assert Video.objects.filter(pk=by_two.pk).exists()
    assert api.delete(URL).status_code == 400  # say which
    assert api.delete(f"{URL}?all=true").json() == {"deleted": 1}
    assert api.get(URL).json()["results"] == []


def test_bulk_delete_with_a_repeated_unknown_or_doubled_choice_deletes_nothing(api, me, make_user, make_video):
    """`?author=a&author=b` acted on the last handle only, `?all=true&authr=a` (a typo) on all, and
    `?author=a&all=true` on the one author: each a 400 in the error shape naming the parameter, nothing
    deleted, as the person would otherwise think gone videos that stayed."""
    one, two = make_user("one"), make_user("two")
    videos = [make_video(one, people=(me,)), make_video(two, publish=False, people=(me,))]
    for query, field in (
        ("?author=one&author=two", "author"),
        ("?all=true&all=true", "all"),
        ("?all=true&authr=one", "authr"),
        ("?author=one&all=true", "all"),
        ("?author=", "author"),
    ):
        response = api.delete(f"{URL}{query}")
        assert response.status_code == 400, query
        body = response.json()
        assert body["error"] == "invalid" and body["detail"] and field in body["fields"], query
    response = api.delete(f"{URL}?author=one", {"author": "two"}, format="json")
    assert response.status_code == 400 and "author" in response.json()["fields"]
    assert Video.objects.filter(pk__in=[v.pk for v in videos]).count() == 2
    assert api.delete(f"{URL}?author=two").json() == {"deleted": 1}


def test_bulk_delete_counts_only_what_it_deleted(api, me, make_user, make_video, monkeypatch):
    """A video of me its author deletes while my bulk delete runs is not counted as deleted by me."""
    from cameos.services import appearances

    author = make_user("fan")
    videos = [make_video(author, people=(me,)), make_video(author, publish=False, people=(me,))]
    delete_one = appearances.appearance_delete

    def author_deletes_the_other_meanwhile(*, person, video_id, hold_author):  # type: ignore[no-untyped-def]
        for other in Video.objects.filter(pk__in=[v.pk for v in videos]).exclude(pk=video_id):
            feed.video_delete(video=other, by=author)
        delete_one(person=person, video_id=video_id, hold_author=hold_author)

    monkeypatch.setattr(appearances, "appearance_delete", author_deletes_the_other_meanwhile)
    assert api.delete(f"{URL}?all=true").json() == {"deleted": 1}
    assert not Video.objects.filter(pk__in=[v.pk for v in videos]).exists()


def test_bulk_delete_by_an_author_support_deactivated(api, me, make_user, make_video):
    """Their videos of me stay listed under their handle (hidden from everyone else while the account
    is deactivated, as a video waiting for a takedown review: status removed, no media), so deleting
    them by that handle works too; a deactivated account with no video of me stays unknown."""
    gone, idle = make_user("gone.author"), make_user("idle.author")
    theirs = make_video(gone, people=(me,))
    make_user("bystander")
    for person in (gone, idle):
        accounts.user_active_set(user=person, active=False)  # as the admin deactivates
    listed = api.get(URL).json()["results"]
    assert [(a["video"]["id"], a["video"]["author"]["handle"], a["video"]["status"]) for a in listed] == [
        (theirs.pk, "gone.author", "removed")
    ]
    assert listed[0]["video"]["media_url"] is None
    assert api.delete(f"{URL}?author=gone.author").json() == {"deleted": 1}
    assert not Video.objects.filter(pk=theirs.pk).exists()
    response = api.delete(f"{URL}?author=idle.author")
    assert response.status_code == 404
    assert response.json() == api.delete(f"{URL}?author=nobody.here").json()


def test_revoking_or_blocking_can_also_delete_that_persons_published_videos_of_me(
    api,
    me,
    make_user,
    make_video,
    activate_cameo,
):
    activate_cameo(me, audience="approved")
    friend = make_user("friend")
    request = cameos.grant_request(requester=friend, owner=me)
    grant = cameos.grant_decide(owner=me, grant_id=request.pk, approve=True)
    published = make_video(friend, people=(me,))
    assert api.delete(f"/api/v1/cameo/grants/{grant.pk}?videos=delete").status_code == 204
    assert not Video.objects.filter(pk=published.pk).exists()

    other = make_user("other")
    theirs = make_video(other, people=(me,))
    assert api.put("/api/v1/users/other/block?videos=maybe").status_code == 400
    assert api.put("/api/v1/users/other/block?videos=delete").status_code == 204
    assert not Video.objects.filter(pk=theirs.pk).exists()


def test_a_revocation_or_narrowing_whose_videos_choice_is_misspelt_or_repeated_changes_nothing(
    api, me, make_user, make_video, activate_cameo
):
    """`?video=delete` (a typo), `videos` twice or the choice sent as a body is refused with a 400 naming
    it, the grant and the audience left as they were, as DELETE /cameo refuses them: answered 204 with
    the default `keep`, the person thought the grantee's videos of them gone while they stayed published,
    and the grant, revoked, could not be revoked again with the right spelling."""
    activate_cameo(me, audience="approved")
    friend = make_user("friend")
    grant = cameos.grant_decide(owner=me, grant_id=cameos.grant_request(requester=friend, owner=me).pk, approve=True)
    cameos.cameo_update(owner=me, audience="everyone")
    published = make_video(friend, people=(me,))
    for query in ("?video=delete", "?videos=delete&videos=keep"):
        response = api.delete(f"/api/v1/cameo/grants/{grant.pk}{query}")
        assert response.status_code == 400, query
        assert response.json()["error"] == "invalid" and set(response.json()["fields"]) <= {"video", "videos"}
        response = api.patch(f"/api/v1/cameo{query}", {"audience": "approved"}, format="json")
        assert response.status_code == 400, query
    response = api.delete(f"/api/v1/cameo/grants/{grant.pk}", {"videos": "delete"}, format="json")
    assert response.status_code == 400 and "videos" in response.json()["fields"]
    grant.refresh_from_db()
    assert grant.status == "approved" and api.get("/api/v1/cameo").json()["audience"] == "everyone"
    assert Video.objects.filter(pk=published.pk).exists()
    assert api.delete(f"/api/v1/cameo/grants/{grant.pk}?videos=delete").status_code == 204
    assert not Video.objects.filter(pk=published.pk).exists()


def test_a_block_whose_videos_choice_is_misspelt_or_repeated_blocks_no_one(api, me, make_user, make_video):
    """`PUT /users/{handle}/block?video=delete` (a typo) or `videos` twice is a 400 naming it, nobody
    blocked: answered 204 with the default `keep`, their videos of me stayed published while I thought
    them deleted, and the follows and likes the block ended were gone for good."""
    other = make_user("other")
    theirs = make_video(other, people=(me,))
    accounts.follow_create(follower=me, followee=other)
    for query in ("?video=delete", "?videos=delete&videos=keep"):
        response = api.put(f"/api/v1/users/other/block{query}")
        assert response.status_code == 400, query
        assert response.json()["error"] == "invalid" and set(response.json()["fields"]) <= {"video", "videos"}
    assert api.get("/api/v1/users/other").json()["is_blocked"] is False
    assert api.get("/api/v1/users/other").json()["is_following"] is True
    assert Video.objects.filter(pk=theirs.pk).exists()


def test_a_cameo_enrolled_later_finds_existing_videos_of_its_face(
    api,
    me,
    make_user,
    make_video,
    activate_cameo,
    django_capture_on_commit_callbacks,
):
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks
    from cameos.likeness.video import sample_frames

    author = make_user("early.maker")
    video = make_video(author, publish=False)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as clip:
        clip.write(faces.cameo_video(["astronaut"], seconds=1.0, fps=12))
        clip.flush()
        tracks = face_tracks(sample_frames(clip.name, fps=4), engine=engine())
    cameos.video_faces_record(video_id=video.pk, tracks=[(t.template, 0, 1000, t.frames) for t in tracks])
    unrelated = make_video(author)
    gallery.video_faces_put(unrelated.pk, [(faces.template("hopper"), 0, 900, 4)])

    with django_capture_on_commit_callbacks(execute=True):  # enrollment accepted → the scan runs
        activate_cameo(me, template=faces.template("astronaut"))

    rows = api.get(URL).json()["results"]
    assert [(r["video"]["id"], r["source"]) for r in rows] == [(video.pk, "detected")]
    assert rows[0]["similarity"] > 0.8
    assert Notification.objects.get(user=me).kind == "video_of_you_found"
    assert api.delete(f"{URL}/{video.pk}").status_code == 204  # and I can delete it
    assert api.post("/api/v1/cameo/scan").status_code == 202


def test_scan_needs_a_cameo(api):
    assert api.post("/api/v1/cameo/scan").status_code == 404


def test_export_has_my_data_and_no_biometrics(api, me, make_user, make_video, activate_cameo):
    activate_cameo(me, audience="mutuals")
    make_video(me, caption="mine")
    accounts.follow_create(follower=me, followee=make_user("idol"))
    body = api.get("/api/v1/me/export").json()
    assert body["account"]["handle"] == "me.myself" and body["following"] == ["idol"]
    assert [v["caption"] for v in body["videos"]] == ["mine"]
    assert body["cameo"]["audience"] == "mutuals"
    text = json.dumps(body)
    assert "embedding" not in text and "template" not in text and "reference_names" not in text


def test_notifications_are_mine_and_can_be_marked_read(api, me, make_user, client_of, activate_cameo):
    activate_cameo(me, audience="approved")
    asker = make_user("asker")
    cameos.grant_request(requester=asker, owner=me)
    body = api.get("/api/v1/notifications").json()
    assert [(n["kind"], n["data"], n["read"]) for n in body["results"]] == [
        ("cameo_requested", {"handle": "asker"}, False)
    ]
    assert client_of(asker).get("/api/v1/notifications").json()["results"] == []
    assert api.post("/api/v1/notifications/read").json() == {"read": 1}
    assert api.get("/api/v1/notifications").json()["results"][0]["read"] is True


def test_erasing_my_account_leaves_no_row_that_points_at_me_and_none_of_my_files(
    api,
    me,
    make_user,
    make_video,
    activate_cameo,
    django_capture_on_commit_callbacks,
):
    from accounts.models import User

    activate_cameo(me, audience="approved")
    other = make_user("someone")
    mine = make_video(me, people=(me,))
    make_video(other, people=(me,))
    feed.like_create(user=me, video=make_video(other))
    asked = make_user("asked")
    activate_cameo(asked)
    cameos.grant_request(requester=me, owner=asked)  # a request of mine
    cameos.grant_request(requester=other, owner=me)  # a request to me, and a notification
    accounts.follow_create(follower=me, followee=other)
    my_files = files_of(mine)
    assert len(referencing(User, me.pk)) > 5
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete("/api/v1/me").status_code == 204
    assert referencing(User, me.pk) == {}
    assert my_files and not any(f.exists() for f in my_files)


def test_narrowing_the_audience_can_delete_the_videos_of_people_no_longer_allowed(
    api, me, make_user, make_video, activate_cameo
):
    activate_cameo(me, audience="approved")
    approved, stranger = make_user("approved.one"), make_user("stranger")
    request = cameos.grant_request(requester=approved, owner=me)
    cameos.grant_decide(owner=me, grant_id=request.pk, approve=True)
    cameos.cameo_update(owner=me, audience="everyone")
    kept = make_video(approved, people=(me,))
    gone = make_video(stranger, people=(me,))
    mine = make_video(me, people=(me,))
    response = api.patch("/api/v1/cameo?videos=delete", {"audience": "approved"}, format="json")
    assert response.status_code == 200 and response.json()["audience"] == "approved"
    assert not Video.objects.filter(pk=gone.pk).exists()
    assert Video.objects.filter(pk__in=[kept.pk, mine.pk]).count() == 2


@pytest.mark.django_db(transaction=True)  # the scan's own commits, where a foreign key is checked
def test_a_video_deleted_while_my_face_is_searched_loses_only_itself(
    api, me, make_user, make_video, activate_cameo, monkeypatch
):
    """A scan of existing videos that meets a video deleted meanwhile still reveals the others and
    tells me of them (it lost them all, no notification, a failed task)."""
    template = faces.template("astronaut")
    activate_cameo(me, template=template)
    author = make_user("early.maker")
    kept, gone = make_video(author, publish=False), make_video(author, publish=False)
    for video in (kept, gone):
        gallery.video_faces_put(video.pk, [(template, 0, 900, 4)])
    add_person = feed.video_add_person

    def deleted_meanwhile(*, video, user, credited):  # the author deletes `gone` while the scan is at `kept`
        if video.pk == kept.pk:
            feed.video_delete(video=Video.objects.get(pk=gone.pk), by=author)
        add_person(video=video, user=user, credited=credited)

    monkeypatch.setattr(feed, "video_add_person", deleted_meanwhile)
    assert cameos.existing_videos_scan(cameo_id=me.cameo.pk) == [kept.pk]
    assert [r["video"]["id"] for r in api.get(URL).json()["results"]] == [kept.pk]
    assert Notification.objects.get(user=me, kind="video_of_you_found").data == {"video_ids": [kept.pk]}


def test_deleting_my_cameo_with_its_videos_while_a_new_enrollment_is_checked_deletes_the_videos_too(
    api, me, make_user, make_video, activate_cameo
):
    """My cameo erased keeping its videos, a new enrollment of mine still being checked: `DELETE
    /cameo?appearances=delete` cancels that enrollment and deletes every video of me, as it says.
    Before, it answered 204 having only cancelled the enrollment: the videos of me stayed."""
    import datetime as dt

    from django.utils import timezone

    from cameos.models import Enrollment, EnrollmentChallenge

    activate_cameo(me)
    theirs = make_video(make_user("maker"), people=(me,))
    assert api.delete("/api/v1/cameo").status_code == 204  # keep
    now = timezone.now()
    challenge = EnrollmentChallenge.objects.create(
        user=me, steps=["center"], used_at=now, expires_at=now + dt.timedelta(minutes=1)
    )
    Enrollment.objects.create(user=me, challenge=challenge)
    assert api.get("/api/v1/cameo").json()["status"] == "verifying"
    assert [r["video"]["id"] for r in api.get(URL).json()["results"]] == [theirs.pk]
    assert api.delete("/api/v1/cameo?appearances=delete").status_code == 204
    assert api.get(URL).json()["results"] == []
    assert not Video.objects.filter(pk=theirs.pk).exists()


def test_a_scan_that_loses_its_database_connection_is_retried_and_finds_the_video(
    api, me, make_user, make_video, activate_cameo, monkeypatch, tasks_retried, django_capture_on_commit_callbacks
):
    """ "Scan for videos of me" runs in the background and tells me only if it finds one: a scan that
    lost its database connection said nothing, and found nothing, until I thought to scan again. The
    task is now retried."""
    from django.db import OperationalError

    from cameos.services import appearances
    from tests.faults import FailsOnce

    activate_cameo(me, template=faces.template("astronaut"))
    video = make_video(make_user("maker"))
    cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    search = FailsOnce(
        appearances.gallery.video_tracks_like, OperationalError("server closed the connection unexpectedly")
    )
    monkeypatch.setattr(appearances.gallery, "video_tracks_like", search)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cameo/scan").status_code == 202

    assert search.calls == 2
    assert [r["video"]["id"] for r in api.get(URL).json()["results"]] == [video.pk]
    assert Notification.objects.get(user=me).kind == "video_of_you_found"
