"""Possible matches (docs/videos-of-me.md § Possible matches; DESIGN.md §1 promise 7): a face that
looks like me but is below the bar that reveals a video shows me nothing of the video, cannot be
deleted by me, and its author is asked to confirm or remove me. Real faces throughout: DCGAN faces of
nobody rendered by the composite backend and re-detected by the output scan (tests/cameos/lookalikes.py).
My cameo is open to `everyone`, so that its author may be told my handle, unless a test says otherwise.
"""

import json
from unittest.mock import ANY

import pytest
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification
from cameos import services as cameos
from cameos.conf import conf
from cameos.models import Appearance
from feed import services as feed
from feed.models import Video, VideoPerson
from moderation import registry
from tests.cameos import lookalikes
from tests.cameos.lookalikes import FACE, LOOKALIKE

URL = "/api/v1/cameo/appearances"
MATCHES = "/api/v1/cameo/possible-matches"


def knob(name: str) -> float:
    return float(getattr(conf(), name.lower()))


@pytest.fixture
def stranger(make_user):  # type: ignore[no-untyped-def]
    return make_user("the.stranger")


def video_showing(author, make_video, *, seed=FACE, seconds=2.0, publish=False):  # type: ignore[no-untyped-def]
    """A video by `author` whose face index holds the track the output scan finds of `seed`'s face."""
    video = make_video(author, publish=publish)
    template, frames = lookalikes.track(seed, seconds)
    cameos.video_faces_record(video_id=video.pk, tracks=[(template, 0, round(seconds * 1000), frames)])
    return video


def assert_shows_nothing_of(body: dict, video: Video, author_handle: str) -> None:
    text = json.dumps(body)
    for leak in ("media_url", "poster_url", video.media_key, author_handle, '"id"'):
        assert leak not in text, leak


def test_the_look_alike_is_a_real_face_between_the_tagging_threshold_and_the_bar():
    template, frames = lookalikes.track(FACE)
    score = float(template @ lookalikes.template(LOOKALIKE))
    assert knob("MATCH_THRESHOLD") <= score < knob("REVEAL_PUBLISHED_THRESHOLD") <= knob("REVEAL_DRAFT_THRESHOLD")
    assert float(template @ lookalikes.template(FACE)) >= knob("REVEAL_DRAFT_THRESHOLD")
    assert frames >= knob("TRACK_MIN_FRAMES")


def test_a_look_alike_below_the_bar_never_sees_a_strangers_draft(api, me, stranger, make_video, activate_cameo):
    draft = video_showing(stranger, make_video)
    activate_cameo(
        me, template=lookalikes.template(LOOKALIKE), audience="everyone"
    )  # enrollment accepted → the scan runs

    response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "results": [
            {
                "match": "possible",
                "video": None,
                "description": "A video by someone",
                "source": "detected",
                "similarity": None,
                "found_at": ANY,
            }
        ],
        "next": None,
    }
    assert_shows_nothing_of(body, draft, stranger.handle)
    # Not one of the video's people: the draft, its media and its author stay hidden.
    assert not VideoPerson.objects.filter(video=draft, user=me).exists()
    assert api.get(f"/api/v1/videos/{draft.pk}").status_code == 404
    # And I cannot delete it, one by one or in bulk.
    response = api.delete(f"{URL}/{draft.pk}")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api.delete(f"{URL}?all=true").json() == {"deleted": 0}
    assert api.delete(f"{URL}?author={stranger.handle}").json() == {"deleted": 0}
    assert Video.objects.filter(pk=draft.pk, status=Video.Status.DRAFT).exists()
    # My data export lists only what shows me: not the stranger's draft.
    exported = api.get("/api/v1/me/export")
    assert exported.status_code == 200 and exported.json()["appearances"] == []
    # I am told something may show me, with no video and no author.
    note = Notification.objects.get(user=me)
    assert (note.kind, note.data) == ("video_of_you_found", {"video_ids": [], "possible": 1})
    # The author is asked to confirm or remove me.
    asked = Notification.objects.get(user=stranger)
    match = Appearance.objects.get(video=draft, user=me)
    assert match.match == "possible"
    assert (asked.kind, asked.data) == (
        "appearance_to_confirm",
        {"video_id": draft.pk, "match_id": match.pk, "handle": me.handle},
    )


def test_a_real_match_above_the_bar_is_listed_with_media_and_deletable(api, me, stranger, make_video, activate_cameo):
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")

    rows = api.get(URL).json()["results"]
    assert [(r["match"], r["video"]["id"], r["source"]) for r in rows] == [("confirmed", draft.pk, "detected")]
    assert rows[0]["similarity"] >= knob("REVEAL_DRAFT_THRESHOLD")
    assert rows[0]["video"]["author"]["handle"] == stranger.handle
    media_url = rows[0]["video"]["media_url"]
    assert "?t=" in media_url and api.get(media_url).status_code == 200
    assert rows[0]["video"]["poster_url"]
    assert Notification.objects.get(user=me).data == {"video_ids": [draft.pk]}
    assert not Notification.objects.filter(user=stranger).exists()  # nothing to confirm
    assert api.delete(f"{URL}/{draft.pk}").status_code == 204
    assert not Video.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize(("audience", "named"), [("approved", False), ("only_me", False), ("everyone", True)])
def test_a_face_a_scan_finds_is_named_in_the_public_cameos_only_with_consent(
    api, anon, me, stranger, make_video, activate_cameo, client_of, audience, named
):
    """The scan shows me a published video of me by a stranger; it names me in the video's `cameos`
    to everyone only if my cameo admits its author, as if they had tagged me."""
    video = video_showing(stranger, make_video, publish=True)
    activate_cameo(me, template=lookalikes.template(FACE), audience=audience)

    assert [r["video"]["id"] for r in api.get(URL).json()["results"]] == [video.pk]  # mine to see and delete
    for client in (anon, client_of(stranger), api):
        assert client.get(f"/api/v1/videos/{video.pk}").json()["cameos"] == ([me.handle] if named else [])
    assert client_of(stranger).get(f"/api/v1/users/{stranger.handle}/videos").json()["results"][0]["cameos"] == (
        [me.handle] if named else []
    )


def test_the_author_confirms_a_possible_match(api, me, stranger, make_video, activate_cameo, client_of):
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    author = client_of(stranger)
    listed = author.get(MATCHES).json()["results"]
    assert [(m["video_id"], m["person"]["handle"]) for m in listed] == [(draft.pk, me.handle)]
    match_id = listed[0]["id"]
    # Nobody else can answer for the author, not even the person.
    assert api.post(f"{MATCHES}/{match_id}/confirm").status_code == 404
    assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 204
    assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 404  # answered already

    rows = api.get(URL).json()["results"]
    assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", draft.pk)]
    assert api.get(rows[0]["video"]["media_url"]).status_code == 200
    assert Notification.objects.filter(user=me, kind="video_of_you_found", data={"video_ids": [draft.pk]}).exists()
    assert api.delete(f"{URL}/{draft.pk}").status_code == 204


def asked_about(author) -> list[int]:  # type: ignore[no-untyped-def]
    """The possible matches the author's notifications ask them to confirm or remove."""
    notes = author.get("/api/v1/notifications").json()["results"]
    return [n["data"]["match_id"] for n in notes if n["kind"] == "appearance_to_confirm"]


@pytest.mark.parametrize("answer", ["confirm", "remove"])
def test_an_answered_possible_match_is_no_longer_asked_about(
    api, me, stranger, make_video, activate_cameo, client_of, answer
):
    draft = video_showing(stranger, make_video)
    other = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    author = client_of(stranger)
    match_id, other_id = (Appearance.objects.get(video=v, user=me, match="possible").pk for v in (draft, other))
    assert sorted(asked_about(author)) == sorted([match_id, other_id])

    assert author.post(f"{MATCHES}/{match_id}/{answer}").status_code == 204

    assert asked_about(author) == [other_id]  # the other question still stands
    assert [m["id"] for m in author.get(MATCHES).json()["results"]] == [other_id]


@pytest.mark.parametrize("how", ["the author deletes it", "a person in it deletes it", "a takedown removes it"])
def test_a_possible_match_gone_with_its_video_is_no_longer_asked_about(
    api, me, stranger, make_user, make_video, activate_cameo, client_of, how
):
    shown = make_user("shown.person")
    draft = make_video(stranger, publish=False, people=(shown,))
    template, frames = lookalikes.track(FACE)
    cameos.video_faces_record(video_id=draft.pk, tracks=[(template, 0, 2000, frames)])
    kept = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    author = client_of(stranger)
    match_id, kept_id = (Appearance.objects.get(video=v, user=me, match="possible").pk for v in (draft, kept))
    assert sorted(asked_about(author)) == sorted([match_id, kept_id])

    if how == "the author deletes it":
        assert author.delete(f"/api/v1/videos/{draft.pk}").status_code == 204
    elif how == "a person in it deletes it":
        assert client_of(shown).delete(f"{URL}/{draft.pk}").status_code == 204
    else:
        feed.video_remove(video=draft, reason="takedown confirmed")

    assert not Video.objects.filter(pk=draft.pk).exists()
    assert asked_about(author) == [kept_id]
    assert author.post(f"{MATCHES}/{kept_id}/remove").status_code == 204


def test_a_possible_match_a_scan_confirms_is_no_longer_asked_about(
    api, me, stranger, make_user, make_video, activate_cameo, client_of, django_capture_on_commit_callbacks
):
    """As close to an enrolled twin as to me, so a possible match; once the twin's cameo is erased,
    my next scan confirms it, and its author is no longer asked about it."""
    twin = make_user("the.twin")
    activate_cameo(twin, template=lookalikes.template(FACE))
    video = video_showing(stranger, make_video, publish=True)
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")
    match_id = Appearance.objects.get(video=video, user=me, match="possible").pk
    author = client_of(stranger)
    assert asked_about(author) == [match_id]
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(twin).delete("/api/v1/cameo").status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cameo/scan").status_code == 202

    assert Appearance.objects.get(pk=match_id).match == "confirmed"
    assert asked_about(author) == []
    assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 404


@pytest.mark.parametrize("who_blocks", ["me", "the author"])
def test_the_author_is_never_asked_about_someone_in_a_block_with_them(
    api, me, stranger, make_video, activate_cameo, client_of, who_blocks
):
    blocker, blocked = (me, stranger) if who_blocks == "me" else (stranger, me)
    accounts_services.block_create(blocker=blocker, blocked=blocked)
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    match_id = Appearance.objects.get(video=draft, user=me, match="possible").pk

    author = client_of(stranger)
    assert author.get(MATCHES).json()["results"] == []  # my handle is not shown to them
    assert not Notification.objects.filter(user=stranger).exists()
    assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 404
    assert author.post(f"{MATCHES}/{match_id}/remove").status_code == 404
    # I am still told that something may show me (no video, no author).
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["possible"]


@pytest.mark.parametrize(
    ("audience", "standing", "told"),
    [
        ("only_me", None, False),
        ("approved", None, False),
        ("approved", "granted", True),
        ("mutuals", None, False),
        ("mutuals", "mutuals", True),
        ("everyone", None, True),
    ],
)
def test_the_author_learns_my_handle_only_if_my_cameo_admits_them(
    api, me, stranger, make_video, activate_cameo, client_of, audience, standing, told
):
    """A face scan must not tell a stranger who I am when I do not let them use my cameo: the match is
    neither listed nor notified to them, nor theirs to answer; I am still told a video may show me."""
    if standing == "mutuals":
        accounts_services.follow_create(follower=me, followee=stranger)
        accounts_services.follow_create(follower=stranger, followee=me)
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience=audience)
    if standing == "granted":
        grant = cameos.grant_request(requester=stranger, owner=me)
        cameos.grant_decide(owner=me, grant_id=grant.pk, approve=True)
    match_id = Appearance.objects.get(video=draft, user=me, match="possible").pk

    author = client_of(stranger)
    listed = author.get(MATCHES).json()["results"]
    asked = Notification.objects.filter(user=stranger, kind="appearance_to_confirm")
    assert [m["person"]["handle"] for m in listed] == ([me.handle] if told else [])
    if not told:
        assert me.handle not in str(author.get("/api/v1/notifications").json())
        assert not asked.exists()
        assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 404
        assert author.post(f"{MATCHES}/{match_id}/remove").status_code == 404
        assert not VideoPerson.objects.filter(video=draft, user=me).exists()
    elif standing != "granted":  # asked when the scan found it (a grant came after: listed, not notified)
        assert list(asked.values_list("data__handle", flat=True)) == [me.handle]
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["possible"]


@pytest.mark.parametrize(
    ("audience", "how"),
    [
        ("everyone", "narrow the audience"),
        ("approved", "revoke the grant"),
        ("mutuals", "unfollow"),
        ("everyone", "support makes me a minor"),
        ("everyone", "an operator clears me as a look-alike"),
    ],
)
def test_letting_fewer_use_my_cameo_stops_naming_me_to_the_authors_no_longer_admitted(
    api, me, stranger, make_video, activate_cameo, client_of, audience, how
):
    draft = video_showing(stranger, make_video)
    activate_cameo(me, audience=audience)  # a face that matches nothing: no one asked yet
    grant = cameos.grant_request(requester=stranger, owner=me) if how == "revoke the grant" else None
    if grant is not None:
        cameos.grant_decide(owner=me, grant_id=grant.pk, approve=True)
    if how == "unfollow":
        accounts_services.follow_create(follower=me, followee=stranger)
        accounts_services.follow_create(follower=stranger, followee=me)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE))  # enrolled again: the scan asks them
    match_id = Appearance.objects.get(video=draft, user=me).pk
    author = client_of(stranger)
    assert [m["id"] for m in author.get(MATCHES).json()["results"]] == [match_id]
    assert me.handle in str(author.get("/api/v1/notifications").json())

    if how == "narrow the audience":
        assert api.patch("/api/v1/cameo", {"audience": "only_me"}, format="json").status_code == 200
    elif grant is not None:
        assert api.delete(f"/api/v1/cameo/grants/{grant.pk}").status_code == 204
    elif how == "unfollow":
        assert api.delete("/api/v1/users/the.stranger/follow").status_code == 204
    elif how == "an operator clears me as a look-alike":  # shown by approval only, as a minor
        person, _ = registry.person_upsert(name="Odile Marchetti", description="the presenter of a quiz show")
        registry.person_set_lookalikes(person=person, accounts=[me])
    else:  # a minor's cameo admits only the people they approved one by one
        fifteen = timezone.localdate().replace(year=timezone.localdate().year - 15, day=1)
        accounts_services.user_birthdate_correct(user=me, birthdate=fifteen)

    assert author.get(MATCHES).json()["results"] == []
    assert me.handle not in str(author.get("/api/v1/notifications").json())
    assert author.post(f"{MATCHES}/{match_id}/confirm").status_code == 404
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["possible"]


@pytest.mark.parametrize("erase", ["/api/v1/cameo", "/api/v1/cameo?appearances=delete", "/api/v1/me"])
def test_erasing_my_face_withdraws_the_possible_matches_it_raised(
    api, me, stranger, make_video, activate_cameo, client_of, erase, django_capture_on_commit_callbacks
):
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    author = client_of(stranger)
    assert [m["person"]["handle"] for m in author.get(MATCHES).json()["results"]] == [me.handle]
    assert "appearance_to_confirm" in str(author.get("/api/v1/notifications").json())

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(erase).status_code == 204

    assert author.get(MATCHES).json()["results"] == []  # the author is no longer asked about my face
    assert me.handle not in str(author.get("/api/v1/notifications").json())
    assert not Appearance.objects.filter(match="possible").exists()
    assert Video.objects.filter(pk=draft.pk).exists()  # a possible match was never a video of me


def test_the_author_removes_a_possible_match_and_a_new_scan_does_not_raise_it_again(
    api, me, stranger, make_video, activate_cameo, client_of, django_capture_on_commit_callbacks
):
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    match_id = Appearance.objects.get(video=draft, user=me).pk
    assert client_of(stranger).post(f"{MATCHES}/{match_id}/remove").status_code == 204
    assert api.get(URL).json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cameo/scan").status_code == 202
    assert api.get(URL).json()["results"] == []
    assert client_of(stranger).get(MATCHES).json()["results"] == []
    assert api.delete(f"{URL}/{draft.pk}").status_code == 404


@pytest.mark.parametrize("erase", ["/api/v1/cameo", "/api/v1/cameo?appearances=delete"])
def test_erasing_my_face_drops_the_score_of_the_matches_their_authors_removed(
    api, me, stranger, make_video, activate_cameo, client_of, django_capture_on_commit_callbacks, erase
):
    """A "not them" row outlives my cameo (the author's answer), but not the number my face gave it."""
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    match_id = Appearance.objects.get(video=draft, user=me).pk
    assert client_of(stranger).post(f"{MATCHES}/{match_id}/remove").status_code == 204
    assert Appearance.objects.get(pk=match_id).similarity is not None

    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(erase).status_code == 204

    assert list(Appearance.objects.filter(user=me).values_list("match", "similarity")) == [("removed", None)]
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")  # enrolled again: still not raised
    assert api.get(URL).json()["results"] == []


@pytest.mark.parametrize("published", [True, False], ids=["published", "draft"])
def test_a_match_the_author_removed_is_revealed_once_a_scan_finds_it_published_above_the_bar(
    api, me, stranger, make_user, make_video, activate_cameo, client_of, django_capture_on_commit_callbacks, published
):
    """The author's "not them" keeps their draft private, but does not hide a public video of me: when
    a later scan finds it published and above the bar (here: the enrolled face that was as close as
    mine, so that the margin failed, is gone), I see it and may delete it. A draft stays hidden."""
    twin = make_user("the.twin")
    activate_cameo(twin, template=lookalikes.template(FACE))
    video = video_showing(stranger, make_video, publish=published)
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")  # as close as the twin: no margin
    match_id = Appearance.objects.get(video=video, user=me, match="possible").pk
    assert client_of(stranger).post(f"{MATCHES}/{match_id}/remove").status_code == 204
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(twin).delete("/api/v1/cameo").status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cameo/scan").status_code == 202

    rows = api.get(URL).json()["results"]
    if not published:
        assert rows == []
        assert api.delete(f"{URL}/{video.pk}").status_code == 404
        assert Video.objects.filter(pk=video.pk).exists()
        return
    assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", video.pk)]
    assert api.delete(f"{URL}/{video.pk}").status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()


def test_the_output_scan_records_a_look_alike_as_a_possible_match(api, me, stranger, make_video, activate_cameo):
    """What generation.services.job_finish does with the output scan's findings."""
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    template, frames = lookalikes.track(FACE)
    score = float(template @ lookalikes.template(LOOKALIKE))
    draft = make_video(stranger, publish=False)

    shown = cameos.appearances_record(video=draft, tagged=[], detected={me.pk: score})
    cameos.video_faces_record(video_id=draft.pk, tracks=[(template, 0, 2000, frames)])

    assert shown == []
    assert not VideoPerson.objects.filter(video=draft).exists()
    body = api.get(URL).json()
    assert [r["match"] for r in body["results"]] == ["possible"]
    assert_shows_nothing_of(body, draft, stranger.handle)
    assert api.delete(f"{URL}/{draft.pk}").status_code == 404
    assert Notification.objects.get(user=stranger).kind == "appearance_to_confirm"


def test_the_output_scan_reveals_a_real_match_with_a_good_track(api, me, stranger, make_video, activate_cameo):
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")
    template, frames = lookalikes.track(FACE)
    draft = make_video(stranger, publish=False)
    shown = cameos.appearances_record(
        video=draft, tagged=[], detected={me.pk: float(template @ lookalikes.template(FACE))}
    )
    cameos.video_faces_record(video_id=draft.pk, tracks=[(template, 0, 2000, frames)])
    assert shown == [me.pk]
    rows = api.get(URL).json()["results"]
    assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", draft.pk)]
    assert api.delete(f"{URL}/{draft.pk}").status_code == 204


def test_a_track_below_the_quality_gate_never_reveals(api, me, stranger, make_video, activate_cameo):
    """My own face, but seen in only two sampled frames (half a second): a possible match."""
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")
    template, frames = lookalikes.track(FACE, 0.5)
    assert frames < knob("TRACK_MIN_FRAMES") and float(template @ lookalikes.template(FACE)) >= knob(
        "REVEAL_DRAFT_THRESHOLD"
    )
    draft = make_video(stranger, publish=False)
    cameos.appearances_record(video=draft, tagged=[], detected={me.pk: float(template @ lookalikes.template(FACE))})
    cameos.video_faces_record(video_id=draft.pk, tracks=[(template, 0, 500, frames)])
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["possible"]
    assert api.delete(f"{URL}/{draft.pk}").status_code == 404


def test_a_face_as_close_to_someone_else_enrolled_never_reveals(
    api, me, stranger, make_user, make_video, activate_cameo, client_of
):
    """Two enrolled people with nearly the same face (here the same face in a mirror, as identical
    twins; enrollment's duplicate check is not part of this test): neither is closer by the margin,
    so the video is shown to neither; its author confirms which of them it is."""
    twin = make_user("my.twin")
    twins_cameo = activate_cameo(twin, template=lookalikes.twin(FACE))
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")
    assert cameos.existing_videos_scan(cameo_id=twins_cameo.pk) == []  # their scan, now that I am enrolled
    template, _ = lookalikes.track(FACE)
    mine, theirs = float(template @ lookalikes.template(FACE)), float(template @ lookalikes.twin(FACE))
    assert min(mine, theirs) >= knob("REVEAL_DRAFT_THRESHOLD") and abs(mine - theirs) < knob("REVEAL_MARGIN")

    for client in (api, client_of(twin)):
        assert [r["match"] for r in client.get(URL).json()["results"]] == ["possible"]
        assert client.delete(f"{URL}/{draft.pk}").status_code == 404
    match_id = Appearance.objects.get(video=draft, user=me).pk
    assert client_of(stranger).post(f"{MATCHES}/{match_id}/confirm").status_code == 204
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["confirmed"]


def test_published_videos_have_a_lower_bar_than_drafts(
    api, me, stranger, make_video, activate_cameo, settings, django_capture_on_commit_callbacks
):
    template, _ = lookalikes.track(FACE)
    score = float(template @ lookalikes.template(FACE))
    settings.CASTFEED_CAMEOS = {
        **settings.CASTFEED_CAMEOS,
        "REVEAL_PUBLISHED_THRESHOLD": score - 0.01,
        "REVEAL_DRAFT_THRESHOLD": score + 0.01,
    }
    draft = video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(FACE), audience="everyone")
    assert [r["match"] for r in api.get(URL).json()["results"]] == ["possible"]
    feed.video_publish(video=draft)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post("/api/v1/cameo/scan").status_code == 202
    rows = api.get(URL).json()["results"]
    assert [(r["match"], r["video"]["id"]) for r in rows] == [("confirmed", draft.pk)]


def test_one_cursor_walks_the_confirmed_videos_then_the_possible_matches(
    api, me, stranger, make_user, make_video, activate_cameo
):
    tagged = [make_video(make_user(f"maker{i}"), people=(me,)) for i in range(2)]
    video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    seen, cursor = [], None
    for _ in range(5):
        body = api.get(URL, {"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += [(r["match"], r["video"]["id"] if r["video"] else None) for r in body["results"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert seen == [("confirmed", tagged[1].pk), ("confirmed", tagged[0].pk), ("possible", None)]
    assert api.get(URL, {"limit": 2}).json()["next"] is not None
    assert api.get(URL, {"cursor": "forged"}).status_code == 400


def test_the_migration_takes_back_the_questions_about_matches_no_longer_open(
    me, stranger, make_video, activate_cameo, client_of
):
    """Notifications left from before they were taken back: only the one whose match is open stays."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cameos.migrations.0011_withdraw_settled_match_questions")
    answered, still_open = video_showing(stranger, make_video), video_showing(stranger, make_video)
    activate_cameo(me, template=lookalikes.template(LOOKALIKE), audience="everyone")
    answered_id, open_id = (Appearance.objects.get(video=v, user=me).pk for v in (answered, still_open))
    Appearance.objects.filter(pk=answered_id).update(match="removed")  # answered before answers withdrew
    gone = Notification.objects.get(data__match_id=answered_id)
    Notification.objects.create(user=stranger, kind=gone.kind, data={**gone.data, "match_id": 10**9})  # video gone
    Notification.objects.create(user=me, kind="video_removed", data={"video_id": answered.pk})  # another kind

    migration.withdraw_settled(apps, None)

    assert asked_about(client_of(stranger)) == [open_id]
    assert Notification.objects.filter(kind="video_removed").exists()
