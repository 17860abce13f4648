"""Takedown requests (no account): a live selfie answering a challenge, a tracking number, matching
published videos hidden at once, a reviewer's decision; the selfie deleted once verified, its
template when the request closes.

The person in the videos is the astronaut (Eileen Collins, scikit-image's photo): her face is in the
video face index as the output scan would have stored it, and her selfie is rendered from the same
photo acting out the challenge (tests/synthetic_faces.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Notification
from cameos import services as cameos
from cameos.models import VideoFace
from feed import services as feed_services
from feed.fingerprints import Fingerprint
from feed.models import RemovedFingerprint, Video
from generation import services as gen_services
from generation.models import GenerationJob
from moderation import takedowns
from moderation.models import AuditEvent, TakedownChallenge, TakedownRequest
from moderation.tasks import expire_takedowns
from tests import synthetic_faces as faces
from tests.cameos import videos
from tests.cameos.test_upload_caps import encode, recorded_live
from tests.media import rendered

pytestmark = pytest.mark.django_db
URL = "/api/v1/takedowns"


def challenge(client, steps=videos.STEPS):  # type: ignore[no-untyped-def]
    response = client.post(f"{URL}/challenges")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["steps"][0] == "center" and body["expires_at"]
    TakedownChallenge.objects.filter(pk=body["id"]).update(steps=list(steps))  # the video acts these out
    return body["id"]


def submit(client, data, challenge_id, *, email="eileen@example.org", videos_named=(), capture=None):  # type: ignore[no-untyped-def]
    body = {"video": SimpleUploadedFile("selfie.mp4", data, content_type="video/mp4"), "challenge": challenge_id}
    body["email"] = email
    if videos_named:
        body["videos"] = list(videos_named)
    if capture is None:
        return client.post(URL, body, format="multipart")
    with capture(execute=True):  # the commit: the worker's task runs (eagerly here)
        return client.post(URL, body, format="multipart")


def with_face(video: Video, name: str) -> Video:
    """The video's face track, as the output scan stores it."""
    cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template(name), 0, 900, 8)])
    return video


def selfies(settings) -> list[Path]:  # type: ignore[no-untyped-def]
    root = Path(settings.MEDIA_ROOT) / "takedowns"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def published_of_her(make_user, make_video):  # type: ignore[no-untyped-def]
    return with_face(make_video(make_user("uploader")), "astronaut")


def test_a_person_without_an_account_takes_down_a_published_video_of_their_face(
    anon, client_of, make_user, make_video, published_of_her, settings, django_capture_on_commit_callbacks
):
    author = published_of_her.author
    draft = with_face(make_video(author, publish=False), "astronaut")
    other = with_face(make_video(author), "hopper")  # someone else's face: untouched
    media = published_of_her.media.name

    response = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    tracking = response.json()["tracking"]
    assert tracking.startswith("TD-") and response["Location"] == f"{URL}/{tracking}"

    # Hidden at once: gone from every public page, files kept for the reviewer.
    status = anon.get(f"{URL}/{tracking}").json()
    assert (status["status"], status["videos_hidden"], status["videos_removed"]) == ("hidden", 1, 0)
    assert set(status) == {"tracking", "status", "reason", "received_at", "videos_hidden", "videos_removed"}
    published_of_her.refresh_from_db()
    assert published_of_her.status == "removed"
    viewer = client_of(make_user("viewer"))
    assert viewer.get(f"/api/v1/videos/{published_of_her.pk}").status_code == 404
    assert default_storage.exists(media)
    assert Video.objects.get(pk=other.pk).status == "published"
    # Verified, the selfie video is gone from storage (no reviewer ever sees it); only its template is
    # kept while the request waits (a video of her published meanwhile is hidden by it).
    request = TakedownRequest.objects.get(tracking=tracking)
    assert selfies(settings) == [] and request.upload_name == ""
    assert request.template is not None
    reviewer = make_user("reviewer")
    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        takedowns.request_confirm(request_id=request.pk, reviewer=reviewer)

    # Removed everywhere: rows, files, face index rows; the draft too; the template deleted a few
    # minutes later (test_a_confirmed_requests_template_is_kept_until_no_job_under_way_can_need_it).
    assert not Video.objects.filter(pk__in=[published_of_her.pk, draft.pk]).exists()
    assert not VideoFace.objects.filter(video_id__in=[published_of_her.pk, draft.pk]).exists()
    assert not default_storage.exists(media) and selfies(settings) == []
    assert Video.objects.filter(pk=other.pk).exists()
    status = anon.get(f"{URL}/{tracking}").json()
    assert (status["status"], status["videos_hidden"], status["videos_removed"]) == ("removed", 1, 1)  # no draft
    request.refresh_from_db()
    assert request.closed_at is not None and request.reviewer == reviewer
    assert AuditEvent.objects.filter(kind="takedown", object_id=str(request.pk)).count() == 2


def test_a_selfie_recorded_as_webm_without_a_duration_takes_the_video_down(
    anon, published_of_her, django_capture_on_commit_callbacks
):
    # A phone app's MediaRecorder writes no Duration: before, refused as "this one is 0.0" seconds.
    webm = recorded_live(faces.enrollment_video(list(videos.STEPS), size=videos.SIZE, fps=10, fmt="webm"))
    response = submit(anon, webm, challenge(anon), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    status = anon.get(f"{URL}/{response.json()['tracking']}").json()
    assert (status["status"], status["videos_hidden"]) == ("hidden", 1)


def test_the_requester_never_learns_about_drafts_or_other_people(
    anon, make_user, make_video, django_capture_on_commit_callbacks
):
    author = make_user("drafter")
    draft = with_face(make_video(author, publish=False), "astronaut")
    response = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks)
    body = anon.get(f"{URL}/{response.json()['tracking']}").json()
    # A matched draft is kept for the reviewer but counts nowhere the requester sees.
    assert (body["status"], body["videos_hidden"]) == ("hidden", 0)
    assert set(body) == {"tracking", "status", "reason", "received_at", "videos_hidden", "videos_removed"}
    assert "drafter" not in str(body) and draft.media_key not in str(body)


def test_a_dismissed_request_puts_the_hidden_video_back(
    anon, make_user, published_of_her, django_capture_on_commit_callbacks
):
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))
    published_of_her.refresh_from_db()
    assert published_of_her.status == "published"
    assert anon.get(f"{URL}/{tracking}").json()["status"] == "dismissed"
    assert TakedownRequest.objects.get(pk=request.pk).template is None
    with pytest.raises(Exception, match="dismissed"):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("late"))


def test_someone_enrolling_while_a_video_of_them_is_hidden_for_review_finds_it_and_may_delete_it(
    anon, client_of, make_user, make_video, activate_cameo, django_capture_on_commit_callbacks
):
    """A video of Grace and Eileen, hidden for Grace's takedown request; Eileen joins and enrolls while
    it waits. The scan of existing videos finds it (it is published again if the request is dismissed):
    she sees it listed, removed, and once it is back, published, and deletes it everywhere."""
    video = make_video(make_user("uploader"))
    tracks = [(faces.template("astronaut"), 0, 900, 8), (faces.template("hopper"), 0, 900, 8)]
    cameos.video_faces_record(video_id=video.pk, tracks=tracks)
    rng = np.random.default_rng(11)
    fingerprint = Fingerprint(rng.integers(0, 256, size=(6, 32), dtype=np.uint8), np.full(6, 100, np.uint8))
    Video.objects.filter(pk=video.pk).update(fingerprint=fingerprint.to_bytes())  # as every generated video has
    grace = submit(
        anon,
        videos.video(person="hopper"),
        challenge(anon),
        email="grace@example.org",
        capture=django_capture_on_commit_callbacks,
    )
    request = TakedownRequest.objects.get(tracking=grace.json()["tracking"])
    assert (request.status, request.videos_hidden) == ("hidden", 1)

    eileen = make_user("eileen")
    activate_cameo(eileen, template=faces.template("astronaut"))  # enrollment accepted: the scan runs
    me = client_of(eileen)
    listed = me.get("/api/v1/cameo/appearances").json()["results"]
    assert [(a["match"], a["video"]["id"], a["video"]["status"]) for a in listed] == [
        ("confirmed", video.pk, "removed")
    ]
    found = Notification.objects.get(user=eileen, kind="video_of_you_found")
    assert found.data == {"video_ids": [video.pk]}

    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))
    assert Video.objects.get(pk=video.pk).status == "published"
    listed = me.get("/api/v1/cameo/appearances").json()["results"]
    assert [(a["video"]["id"], a["video"]["status"]) for a in listed] == [(video.pk, "published")]

    with django_capture_on_commit_callbacks(execute=True):
        assert me.delete(f"/api/v1/cameo/appearances/{video.pk}").status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert anon.get(f"/api/v1/videos/{video.pk}").status_code == 404
    assert me.get("/api/v1/cameo/appearances").json()["results"] == []


@pytest.fixture
def two_requests(anon, make_user, make_video, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """A published video showing Eileen and Grace, and a takedown request from each (Grace's first):
    the video and the two requests."""
    video = make_video(make_user("uploader"))
    tracks = [(faces.template("astronaut"), 0, 900, 8), (faces.template("hopper"), 0, 900, 8)]
    cameos.video_faces_record(video_id=video.pk, tracks=tracks)
    capture = django_capture_on_commit_callbacks
    grace = submit(anon, videos.video(person="hopper"), challenge(anon), email="grace@example.org", capture=capture)
    eileen = submit(anon, videos.video(), challenge(anon), capture=capture)
    first, second = (TakedownRequest.objects.get(tracking=r.json()["tracking"]) for r in (grace, eileen))
    return video, first, second


def test_a_video_two_people_asked_to_take_down_stays_hidden_until_both_are_decided(anon, make_user, two_requests):
    video, first, second = two_requests
    assert (first.status, second.status) == ("hidden", "hidden")

    takedowns.request_dismiss(request_id=first.pk, reviewer=make_user("reviewer"))
    video.refresh_from_db()
    assert video.status == "removed"  # Eileen's request still waits for its review
    assert anon.get(f"/api/v1/videos/{video.pk}").status_code == 404

    takedowns.request_dismiss(request_id=second.pk, reviewer=make_user("another"))
    video.refresh_from_db()
    assert video.status == "published"


def test_a_weak_match_of_another_pending_request_keeps_nothing_hidden(make_user, two_requests):
    from moderation.models import TakedownMatch

    video, first, second = two_requests
    TakedownMatch.objects.filter(request=second).update(similarity=0.05)  # below the bar that hides a video

    takedowns.request_dismiss(request_id=first.pk, reviewer=make_user("reviewer"))

    video.refresh_from_db()
    assert video.status == "published"


def test_the_author_deleting_a_hidden_video_does_not_get_around_the_review(
    anon, client_of, make_user, make_video, published_of_her, django_capture_on_commit_callbacks
):
    """The video is hidden pending review; its author deletes it. A copy of it (the same vPDQ
    fingerprint) cannot be published while the request stands; once it is dismissed, it can."""
    rng = np.random.default_rng(3)
    fingerprint = Fingerprint(rng.integers(0, 256, size=(6, 32), dtype=np.uint8), np.full(6, 100, np.uint8))
    Video.objects.filter(pk=published_of_her.pk).update(fingerprint=fingerprint.to_bytes())
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 1

    assert client_of(author).delete(f"/api/v1/videos/{published_of_her.pk}").status_code == 204
    copy = make_video(author, publish=False)
    Video.objects.filter(pk=copy.pk).update(fingerprint=fingerprint.to_bytes())
    copy.refresh_from_db()
    with pytest.raises(feed_services.CopyOfRemovedVideo):  # what publishing the job answers with a 409
        feed_services.video_publish(video=copy)

    takedowns.request_dismiss(
        request_id=TakedownRequest.objects.get(tracking=tracking).pk, reviewer=make_user("reviewer")
    )
    assert feed_services.video_publish(video=copy).status == "published"


@pytest.mark.parametrize("decision", ["dismiss", "confirm"])
def test_a_copy_of_a_video_hidden_pending_review_cannot_be_published_while_the_request_waits(
    anon, client_of, make_user, make_video, published_of_her, django_capture_on_commit_callbacks, decision
):
    """Someone else's copy of the hidden video (the same frames perceptually: each PDQ hash a few bits
    off, as a re-encode leaves it) in which no face was found: while her request waits, publishing it
    is refused as a copy of a removed video is (409 `copy_of_removed_video`) and it stays a draft.
    Dismissed, the copy may be published; confirmed, it never may."""
    rng = np.random.default_rng(5)
    original = rng.integers(0, 256, size=(8, 32), dtype=np.uint8)
    Video.objects.filter(pk=published_of_her.pk).update(
        fingerprint=Fingerprint(original, np.full(8, 100, np.uint8)).to_bytes()
    )
    moved = original.copy()
    for row in moved:  # 12 of 256 bits flipped in every frame's hash
        bits = rng.choice(256, size=12, replace=False)
        np.bitwise_xor.at(row, bits // 8, (1 << (bits % 8)).astype(np.uint8))
    copier = make_user("copier")
    copy = make_video(copier, publish=False)
    Video.objects.filter(pk=copy.pk).update(fingerprint=Fingerprint(moved, np.full(8, 90, np.uint8)).to_bytes())
    job = GenerationJob.objects.create(
        author=copier, prompt="a walk on the beach", duration_s=2, seed=1, status="ready", progress=100, video=copy
    )
    publish = f"/api/v1/generations/{job.pk}/publish"
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 1

    refused = client_of(copier).post(publish, {}, format="json")
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"] == "copy_of_removed_video"
    assert "copy of a video that was removed" in refused.json()["detail"]
    assert Video.objects.get(pk=copy.pk).status == "draft"

    request = TakedownRequest.objects.get(tracking=tracking)
    with django_capture_on_commit_callbacks(execute=True):
        decide = takedowns.request_dismiss if decision == "dismiss" else takedowns.request_confirm
        decide(request_id=request.pk, reviewer=make_user("reviewer"))

    again = client_of(copier).post(publish, {}, format="json")
    if decision == "dismiss":
        assert again.status_code == 200, again.content
        assert Video.objects.get(pk=copy.pk).status == "published"
        assert not RemovedFingerprint.objects.exists()
    else:
        assert again.status_code == 409 and again.json()["error"] == "copy_of_removed_video"
        assert RemovedFingerprint.objects.get().reason == "taken_down"


def test_a_draft_a_confirmed_takedown_removes_ends_its_job(
    anon, client_of, make_user, make_video, django_capture_on_commit_callbacks
):
    """Her face in someone's draft, its job ready to publish: once a reviewer confirms her request
    the draft is deleted everywhere, and its job says so rather than stay ready with a publish that
    can only be refused (it answered 409 not_ready, "Only a ready video can be published")."""
    author = make_user("drafter")
    draft = with_face(make_video(author, publish=False), "astronaut")
    job = GenerationJob.objects.create(
        author=author, prompt="a walk on the beach", duration_s=2, seed=1, status="ready", progress=100, video=draft
    )
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    assert not Video.objects.filter(pk=draft.pk).exists()

    api = client_of(author)
    body = api.get(f"/api/v1/generations/{job.pk}").json()
    assert (body["status"], body["video"]) == ("blocked", None)
    assert body["error"]["code"] == "video_removed"
    refused = api.post(f"/api/v1/generations/{job.pk}/publish", {}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")


def test_a_video_of_her_made_again_during_the_review_goes_with_the_confirmed_request(
    anon, client_of, make_user, published_of_her, make_video, django_capture_on_commit_callbacks
):
    """Told that his video is hidden pending review, its author makes it again (another seed: not a
    copy by fingerprint) and keeps it a draft until the review is over. A confirmed request removes
    it with the rest; before, it was left, and published the moment the request closed (its
    template, which holds such a video on publish, gone with it)."""
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    again = with_face(make_video(author, publish=False), "astronaut")
    job = GenerationJob.objects.create(
        author=author, prompt="a walk on the beach", duration_s=2, seed=2, status="ready", progress=100, video=again
    )
    request = TakedownRequest.objects.get(tracking=tracking)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))

    assert not Video.objects.filter(pk__in=[published_of_her.pk, again.pk]).exists()
    assert not VideoFace.objects.filter(video_id=again.pk).exists()
    refused = client_of(author).post(f"/api/v1/generations/{job.pk}/publish", {}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_hidden"], body["videos_removed"]) == ("removed", 1, 1)  # no draft counted


def test_a_draft_of_her_stored_while_the_confirmation_searches_goes_with_the_confirmed_request(
    anon, client_of, make_user, published_of_her, make_video, django_capture_on_commit_callbacks, monkeypatch
):
    """A job stores its draft of her after the confirmation has searched the face index (outside its
    transaction) and before it commits. The confirmation searches again once committed and removes
    that draft too; before, it was left, and could be published the moment the request closed (its
    template, which holds such a video on publish, gone with it)."""
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    stored: dict[str, Any] = {}
    confirm = takedowns._confirm

    def a_draft_stored_then_confirm(**kwargs):  # type: ignore[no-untyped-def]
        draft = with_face(make_video(author, publish=False), "astronaut")
        stored["draft"] = draft
        stored["job"] = GenerationJob.objects.create(
            author=author, prompt="a walk on the beach", duration_s=2, seed=3, status="ready", progress=100, video=draft
        )
        return confirm(**kwargs)

    monkeypatch.setattr(takedowns, "_confirm", a_draft_stored_then_confirm)
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))

    draft, job = stored["draft"], stored["job"]
    assert not Video.objects.filter(pk__in=[published_of_her.pk, draft.pk]).exists()
    assert not VideoFace.objects.filter(video_id=draft.pk).exists()
    api = client_of(author)
    body = api.get(f"/api/v1/generations/{job.pk}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "video_removed")
    refused = api.post(f"/api/v1/generations/{job.pk}/publish", {}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_hidden"], body["videos_removed"]) == ("removed", 1, 1)  # no draft counted


def test_a_draft_the_failed_second_search_missed_goes_before_the_template_is_erased(
    anon, make_user, published_of_her, make_video, django_capture_on_commit_callbacks, monkeypatch
):
    """The confirmation committed, then its search after the commit failed (the reviewer saw an
    error; nothing runs it again): a draft of her stored meanwhile was left. The sweep that erases the
    template searches with it once more first, and removes that draft as the confirmation would have;
    before, the template went and the draft could be published."""
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    confirm, stored = takedowns._confirm, {}

    def a_draft_stored_then_confirm(**kwargs):  # type: ignore[no-untyped-def]
        stored["draft"] = with_face(make_video(author, publish=False), "astronaut")
        return confirm(**kwargs)

    def search_fails(**kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("the database went away")

    monkeypatch.setattr(takedowns, "_confirm", a_draft_stored_then_confirm)
    late = takedowns._confirm_late
    monkeypatch.setattr(takedowns, "_confirm_late", search_fails)
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    monkeypatch.setattr(takedowns, "_confirm_late", late)
    draft = stored["draft"]
    assert Video.objects.filter(pk=draft.pk).exists()  # missed

    TakedownRequest.objects.filter(pk=request.pk).update(closed_at=timezone.now() - dt.timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        expire_takedowns()
    assert TakedownRequest.objects.get(pk=request.pk).template is None
    assert not Video.objects.filter(pk=draft.pk).exists()
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_removed"]) == ("removed", 1)  # a draft is not counted


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_a_draft_of_her_a_job_generating_at_the_confirmation_stores_later_is_refused(
    anon, client_of, published_of_her, make_user, settings, django_capture_on_commit_callbacks
):
    """A job still generating when the request is confirmed stores its draft of her after both of the
    confirmation's searches: it ends blocked `video_removed` and nothing of it is stored; before, the
    draft was kept (the template gone with the request, nothing found it) and could be published. A
    job submitted after the confirmation is not the request's business: the normal rules apply."""
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    generating = GenerationJob.objects.create(
        author=author, prompt="a walk on the beach", duration_s=2, seed=3, status="scanning"
    )
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    assert not Video.objects.filter(author=author).exists()
    afterwards = GenerationJob.objects.create(
        author=author, prompt="a walk on the beach", duration_s=2, seed=4, status="scanning"
    )
    her = [(faces.template("astronaut"), 0, 900, 8)]
    media = Path(settings.MEDIA_ROOT) / "videos"
    before = files_under(media)

    with django_capture_on_commit_callbacks(execute=True):
        refused = gen_services.job_finish(generating.pk, **rendered(faces=her, decision={"allowed": True}))
    assert refused is None
    assert not Video.objects.filter(author=author).exists() and files_under(media) == before
    api = client_of(author)
    body = api.get(f"/api/v1/generations/{generating.pk}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "video_removed")
    published = api.post(f"/api/v1/generations/{generating.pk}/publish", {}, format="json")
    assert (published.status_code, published.json()["error"]) == (409, "not_ready")
    assert AuditEvent.objects.filter(kind="takedown", object_id=str(request.pk), data__outcome="draft_refused").exists()

    with django_capture_on_commit_callbacks(execute=True):
        draft = gen_services.job_finish(afterwards.pk, **rendered(faces=her, decision={"allowed": True}))
    assert draft is not None and Video.objects.filter(pk=draft.pk, status="draft").exists()
    assert api.get(f"/api/v1/generations/{afterwards.pk}").json()["status"] == "ready"
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_removed"]) == ("removed", 1)


def test_a_confirmed_requests_template_is_kept_until_no_job_under_way_can_need_it(
    anon, published_of_her, make_user, django_capture_on_commit_callbacks
):
    """The template of a confirmed request is kept past the confirmation while a job created before it
    may still store a draft (a few minutes at least), then erased by the periodic sweep
    (moderation.expire_takedowns); one waiting for review keeps its template."""
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    other = submit(
        anon,
        videos.video(),
        challenge(anon),
        email="her.sister@example.org",
        capture=django_capture_on_commit_callbacks,
    ).json()["tracking"]
    pending = TakedownRequest.objects.get(tracking=other)  # another request, waiting for review
    generating = GenerationJob.objects.create(
        author=published_of_her.author, prompt="a walk on the beach", duration_s=2, seed=3, status="scanning"
    )
    takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))

    expire_takedowns()  # just confirmed
    assert TakedownRequest.objects.get(pk=request.pk).template is not None
    # Ten minutes on: the job is still generating.
    earlier = timezone.now() - dt.timedelta(minutes=10)
    GenerationJob.objects.filter(pk=generating.pk).update(created_at=earlier - dt.timedelta(seconds=1))
    TakedownRequest.objects.filter(pk=request.pk).update(closed_at=earlier)
    expire_takedowns()
    assert TakedownRequest.objects.get(pk=request.pk).template is not None
    # It ends (here: its draft of her refused); the next sweep erases the template.
    gen_services.job_finish(generating.pk, **rendered(faces=[(faces.template("astronaut"), 0, 900, 8)]))
    assert GenerationJob.objects.get(pk=generating.pk).status == "blocked"
    expire_takedowns()
    assert TakedownRequest.objects.get(pk=request.pk).template is None
    assert TakedownRequest.objects.get(pk=pending.pk).template is not None


def test_a_confirmed_requests_template_goes_after_the_bound_and_an_old_jobs_later_draft_is_refused(
    anon, client_of, published_of_her, make_user, settings, django_capture_on_commit_callbacks
):
    """A job created before the confirmation that never finishes (no worker, a stuck job) keeps her
    template only TAKEDOWN_TEMPLATE_KEEP_HOURS (3): then the sweep erases it, the job still unfinished.
    A draft that job stores later is refused, its face compared with nothing (there is no template
    left): failed `generation_failed` ("waited too long"), nothing stored. A job submitted after the
    confirmation is not the request's business. Before, the template was kept as long as the old job
    was unfinished: with no generation worker, forever."""
    author = published_of_her.author
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    old = [
        GenerationJob.objects.create(
            author=author, prompt="a walk on the beach", duration_s=2, seed=seed, status=status
        )
        for seed, status in ((3, "scanning"), (4, "queued"))
    ]
    with django_capture_on_commit_callbacks(execute=True):
        takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))

    def confirmed_ago(delta: dt.timedelta) -> None:
        confirmed = timezone.now() - delta
        TakedownRequest.objects.filter(pk=request.pk).update(closed_at=confirmed)
        GenerationJob.objects.filter(pk__in=[j.pk for j in old]).update(created_at=confirmed - dt.timedelta(minutes=1))

    confirmed_ago(dt.timedelta(hours=3) - dt.timedelta(minutes=1))  # just within the bound
    expire_takedowns()
    assert TakedownRequest.objects.get(pk=request.pk).template is not None
    confirmed_ago(dt.timedelta(hours=3) + dt.timedelta(minutes=1))  # past it, the old jobs still unfinished
    with django_capture_on_commit_callbacks(execute=True):
        expire_takedowns()
    assert TakedownRequest.objects.get(pk=request.pk).template is None
    assert [GenerationJob.objects.get(pk=j.pk).status for j in old] == ["scanning", "queued"]

    # The old jobs store their drafts later: one of her, one of someone else (nothing to tell them
    # apart with): neither is stored.
    GenerationJob.objects.filter(pk=old[1].pk).update(status="scanning")
    media = Path(settings.MEDIA_ROOT) / "videos"
    before = files_under(media)
    api = client_of(author)
    for job, face in zip(old, ("astronaut", "hopper"), strict=True):
        with django_capture_on_commit_callbacks(execute=True):
            refused = gen_services.job_finish(job.pk, **rendered(faces=[(faces.template(face), 0, 900, 8)]))
        assert refused is None
        body = api.get(f"/api/v1/generations/{job.pk}").json()
        # The system's failure (the job outlived the template's keeping), not a takedown of the
        # author's video: failed, to be made again, and not counted against the daily quota.
        assert (body["status"], body["error"]["code"]) == ("failed", "generation_failed"), body
        assert "waited too long" in str(body["error"])
    assert not Video.objects.filter(author=author).exists() and files_under(media) == before
    refusals = AuditEvent.objects.filter(kind="takedown", object_id=str(request.pk), data__outcome="draft_refused")
    assert sorted((e.data["job"], e.data["compared"]) for e in refusals) == sorted((str(j.pk), False) for j in old)

    # A job submitted after the confirmation stores its draft of her as any other.
    afterwards = GenerationJob.objects.create(
        author=author, prompt="a walk on the beach", duration_s=2, seed=5, status="scanning"
    )
    with django_capture_on_commit_callbacks(execute=True):
        draft = gen_services.job_finish(
            afterwards.pk, **rendered(faces=[(faces.template("astronaut"), 0, 900, 8)], decision={"allowed": True})
        )
    assert draft is not None and Video.objects.filter(pk=draft.pk, status="draft").exists()
    assert api.get(f"/api/v1/generations/{afterwards.pk}").json()["status"] == "ready"


@pytest.mark.parametrize(
    ("variant", "code"),
    [
        ({"static": True}, "step_missing"),  # a photo held up to the camera (or on a screen): it never moves
        ({"switch_to": "hopper"}, None),  # someone else halfway through
    ],
)
def test_a_selfie_that_fails_liveness_is_rejected_and_nothing_is_kept(
    anon, published_of_her, settings, variant, code, django_capture_on_commit_callbacks
):
    data = videos.video(**variant)
    tracking = submit(anon, data, challenge(anon), capture=django_capture_on_commit_callbacks).json()["tracking"]
    body = anon.get(f"{URL}/{tracking}").json()
    assert body["status"] == "rejected" and body["reason"]
    request = TakedownRequest.objects.get(tracking=tracking)
    assert code is None or request.reason_code == code
    assert request.template is None and request.upload_name == "" and selfies(settings) == []
    published_of_her.refresh_from_db()
    assert published_of_her.status == "published"  # nothing hidden


def test_a_recording_doing_every_pose_is_no_answer_to_a_new_challenge(
    anon, published_of_her, django_capture_on_commit_callbacks
):
    """Someone holding a video of her doing every pose (made for another challenge, or cut from one
    of hers) replays it: the challenge asked for two of them, and the video does more."""
    every = videos.video(("center", "turn_left", "look_up", "turn_right", "look_down"))
    asked = challenge(anon, steps=("center", "turn_left", "turn_right"))
    tracking = submit(anon, every, asked, capture=django_capture_on_commit_callbacks).json()["tracking"]
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_hidden"]) == ("rejected", 0)
    assert TakedownRequest.objects.get(tracking=tracking).reason_code == "wrong_order"
    published_of_her.refresh_from_db()
    assert published_of_her.status == "published"  # nothing hidden


def test_a_face_that_matches_nothing_is_told_so_and_nothing_is_kept(
    anon, make_user, make_video, settings, django_capture_on_commit_callbacks
):
    with_face(make_video(make_user("uploader")), "hopper")
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    body = anon.get(f"{URL}/{tracking}").json()
    assert (body["status"], body["videos_hidden"]) == ("no_match", 0)
    request = TakedownRequest.objects.get(tracking=tracking)
    assert request.template is None and selfies(settings) == []


def test_a_video_made_with_her_cameo_is_found_through_the_cameo(
    anon, make_user, make_video, activate_cameo, django_capture_on_commit_callbacks
):
    # She has a cameo (an account), but asks without signing in; the video shows her as a tagged cameo.
    her = make_user("eileen")
    activate_cameo(her, faces.template("astronaut"), audience="everyone")
    tagged = make_video(make_user("fan"), people=(her,))
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 1
    tagged.refresh_from_db()
    assert tagged.status == "removed"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"videos": ["https://elsewhere.example/watch?v=1"]}, "videos"),
        ({"challenge": "00000000-0000-0000-0000-000000000000"}, "challenge"),
        ({"video": b"not a video"}, "video"),
        ({"video": encode("libx264", "mp4", [(2, 2, 30)])}, "video"),  # 3 s of 2×2 px: no face fits (was a 202)
    ],
)
def test_bad_requests_are_400_and_store_nothing(anon, settings, fields, field):  # type: ignore[no-untyped-def]
    body = {
        "video": SimpleUploadedFile("selfie.mp4", videos.video(), content_type="video/mp4"),
        "challenge": challenge(anon),
        "email": "eileen@example.org",
    }
    for key, value in fields.items():
        body[key] = SimpleUploadedFile("x.mp4", value, content_type="video/mp4") if key == "video" else value
    response = anon.post(URL, body, format="multipart")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not TakedownRequest.objects.exists() and selfies(settings) == []


def test_a_challenge_is_single_use_and_unknown_tracking_numbers_are_404(anon, django_capture_on_commit_callbacks):
    used = challenge(anon)
    assert submit(anon, videos.video(), used, capture=django_capture_on_commit_callbacks).status_code == 202
    again = submit(anon, videos.video(), used)
    assert again.status_code == 400 and again.json()["error"] == "invalid_challenge"
    assert anon.get(f"{URL}/TD-AAAA-BBBB-CCCC-DDDD").status_code == 404


def test_requests_are_limited_per_address_and_per_email(anon, settings, django_capture_on_commit_callbacks, mid_window):
    settings.CASTFEED_MODERATION = {**settings.CASTFEED_MODERATION, "TAKEDOWN_PER_EMAIL": "2/day"}
    for _ in range(2):
        assert (
            submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).status_code == 202
        )
    third = submit(anon, videos.video(), challenge(anon))
    assert third.status_code == 429 and int(third["Retry-After"]) > 0
    assert TakedownRequest.objects.count() == 2
    other = submit(
        anon, videos.video(), challenge(anon), email="someone@example.org", capture=django_capture_on_commit_callbacks
    )
    assert other.status_code == 202
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "THROTTLE_RATES": {"takedown_challenges": "1/hour"}}
    assert anon.post(f"{URL}/challenges").status_code == 429


@pytest.mark.parametrize(
    ("peer", "kept"), [("", None), ("unix:/run/castfeed.sock", None), ("2001:db8::1", "2001:db8::1")]
)
def test_a_request_from_a_peer_with_no_ip_address_is_accepted(anon, settings, peer, kept):
    """Behind a proxy on a unix socket the peer address is empty: the request is taken all the same."""
    anon.defaults["REMOTE_ADDR"] = peer
    response = submit(anon, videos.video(), challenge(anon))
    assert response.status_code == 202, response.content
    assert TakedownRequest.objects.get(tracking=response.json()["tracking"]).address == kept
    assert len(selfies(settings)) == 1


def test_reviewers_work_the_queue_in_the_admin(anon, make_user, published_of_her, django_capture_on_commit_callbacks):
    from django.test import Client

    reviewer = make_user("reviewer")
    reviewer.is_staff = reviewer.is_superuser = True
    reviewer.save()
    admin = Client()
    admin.force_login(reviewer)
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    page = admin.get("/admin/moderation/takedownrequest/")
    assert page.status_code == 200 and tracking in page.content.decode()
    request = TakedownRequest.objects.get(tracking=tracking)
    detail = admin.get(f"/admin/moderation/takedownrequest/{request.pk}/change/")
    assert detail.status_code == 200 and str(published_of_her.pk) in detail.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/moderation/takedownrequest/", {"action": "confirm", "_selected_action": [request.pk]}, follow=True
        )
    assert response.status_code == 200
    assert anon.get(f"{URL}/{tracking}").json()["status"] == "removed"
    assert not Video.objects.filter(pk=published_of_her.pk).exists()
    # Someone who is not staff gets the login page, not the queue.
    outsider = Client()
    outsider.force_login(make_user("outsider"))
    assert outsider.get("/admin/moderation/takedownrequest/").status_code == 302


@pytest.mark.parametrize("action", ["confirm", "dismiss"])
def test_staff_who_may_only_view_the_queue_cannot_decide(
    anon, make_user, published_of_her, django_capture_on_commit_callbacks, action
):
    from django.contrib.auth.models import Permission
    from django.test import Client

    viewer = make_user("viewer")
    viewer.is_staff = True
    viewer.save(update_fields=["is_staff"])
    viewer.user_permissions.add(Permission.objects.get(codename="view_takedownrequest"))
    admin = Client()
    admin.force_login(viewer)
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    page = admin.get("/admin/moderation/takedownrequest/")
    assert page.status_code == 200 and tracking in page.content.decode()
    assert f'value="{action}"' not in page.content.decode()  # not offered
    request = TakedownRequest.objects.get(tracking=tracking)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/admin/moderation/takedownrequest/", {"action": action, "_selected_action": [request.pk]})
    assert anon.get(f"{URL}/{tracking}").json()["status"] == "hidden"  # still waiting for a reviewer
    assert Video.objects.get(pk=published_of_her.pk).status == "removed"  # hidden, not deleted or back


def test_a_weaker_match_is_listed_for_the_reviewer_but_not_hidden(
    anon, make_user, make_video, published_of_her, django_capture_on_commit_callbacks
):
    # A track only somewhat like her (cosine ~0.6: above the tagging threshold, below the bar that
    # reveals a published video): at a million tracks most such hits are strangers (BENCHMARKS.md §
    # false-match budget), so it waits for the reviewer instead of being hidden.
    import numpy as np

    her = faces.template("astronaut")
    other = np.random.default_rng(7).normal(size=her.shape)
    other -= (other @ her) * her
    other /= np.linalg.norm(other)
    lookalike = 0.65 * her + np.sqrt(1 - 0.65**2) * other
    weaker = make_video(make_user("someone"))
    cameos.video_faces_record(video_id=weaker.pk, tracks=[(lookalike.astype(np.float32), 0, 900, 8)])
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    assert anon.get(f"{URL}/{tracking}").json()["videos_hidden"] == 1  # hers only
    weaker.refresh_from_db()
    assert weaker.status == "published"
    request = TakedownRequest.objects.get(tracking=tracking)
    listed = {m.video_ref: m.was_published for m in request.matches.all()}
    assert listed == {published_of_her.pk: True, weaker.pk: False}
    takedowns.request_confirm(request_id=request.pk, reviewer=make_user("reviewer"))
    assert not Video.objects.filter(pk=published_of_her.pk).exists()
    assert Video.objects.filter(pk=weaker.pk, status="published").exists()  # a stranger's video stays


def test_challenges_never_answered_are_deleted_once_expired(anon):
    """The periodic moderation.expire_takedowns deletes challenges that expired unused (every visit to
    the removal page made one, kept forever); a used one stays with its request, an unexpired one works."""
    import datetime as dt

    from django.utils import timezone

    from moderation.tasks import expire_takedowns

    expired, fresh, used = challenge(anon), challenge(anon), challenge(anon)
    assert submit(anon, videos.video(), used).status_code == 202
    past = timezone.now() - dt.timedelta(hours=1, seconds=1)  # expired over an hour ago
    TakedownChallenge.objects.filter(pk__in=[expired, used]).update(expires_at=past)

    expire_takedowns.delay()

    assert {str(pk) for pk in TakedownChallenge.objects.values_list("pk", flat=True)} == {fresh, used}
    assert TakedownRequest.objects.get().challenge_id is not None
    late = submit(anon, videos.video(), expired)
    assert late.status_code == 400 and late.json()["error"] == "invalid_challenge"
    assert submit(anon, videos.video(), fresh).status_code == 202


def test_a_request_past_its_48_hours_is_flagged_to_operators_once_and_its_video_stays_hidden(
    anon, make_user, two_requests, caplog
):
    """Nobody decided Grace's request in time: the periodic task logs a WARNING naming it and how late
    it is, and audits `takedown` `overdue`, once; the admin queue flags it, first. Eileen's (not yet
    due) is not flagged. The video stays hidden (consent first) and Grace's page says what it said."""
    import datetime as dt
    import logging

    from django.test import Client
    from django.utils import timezone

    from moderation.tasks import expire_takedowns

    video, late, on_time = two_requests
    TakedownRequest.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=3, minutes=5))
    before = anon.get(f"{URL}/{late.tracking}").json()

    with caplog.at_level(logging.WARNING, logger="moderation.takedowns"):
        expire_takedowns.delay()
        expire_takedowns.delay()  # the next run: already flagged, nothing again

    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1, warned
    assert late.tracking in warned[0] and "overdue by 3 h 5 min" in warned[0]
    overdue = AuditEvent.objects.filter(kind="takedown", data__outcome="overdue")
    assert [e.object_id for e in overdue] == [str(late.pk)]
    assert anon.get(f"{URL}/{late.tracking}").json() == before  # status "hidden", nothing added
    assert Video.objects.get(pk=video.pk).status == "removed"  # still hidden
    assert anon.get(f"/api/v1/videos/{video.pk}").status_code == 404

    operator = make_user("operator")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    admin = Client()
    admin.force_login(operator)
    page = admin.get("/admin/moderation/takedownrequest/").content.decode()
    rows = {r.split("</tr>")[0] for r in page.split("<tr")[1:] if "TD-" in r}
    (late_row,) = [r for r in rows if late.tracking in r]
    (on_time_row,) = [r for r in rows if on_time.tracking in r]
    assert 'class="field-overdue"' in late_row and 'alt="True"' in late_row
    assert 'alt="True"' not in on_time_row
    assert page.index(late.tracking) < page.index(on_time.tracking)  # overdue first


def test_each_overdue_request_is_mailed_to_the_operators_once_with_its_tracking_number_and_due_time(
    anon, two_requests, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Beside the WARNING and the audit event, the operators (ADMINS, DJANGO_ADMINS) get one mail per
    overdue request: its tracking number and due time, nothing else of the requester (not her email,
    her address, the video, nor the other request). The next runs send nothing again."""
    import datetime as dt

    from django.utils import timezone

    from moderation.tasks import expire_takedowns

    settings.ADMINS = [("Operators", "ops@castfeed.example")]
    video, grace, eileen = two_requests
    now = timezone.now().replace(second=0, microsecond=0)
    due = {grace.pk: now - dt.timedelta(hours=3, minutes=5), eileen.pk: now - dt.timedelta(minutes=20)}
    for pk, at in due.items():
        TakedownRequest.objects.filter(pk=pk).update(due_at=at)

    for _ in range(2):  # the next run: already flagged, nothing again
        with django_capture_on_commit_callbacks(execute=True):
            expire_takedowns.delay()

    to_operators = [m for m in mailoutbox if m.to == ["ops@castfeed.example"]]  # not the requesters' own mails
    assert len(to_operators) == 2
    expected = [(grace, eileen, "3 h 5 min"), (eileen, grace, "0 h 20 min")]  # the longest overdue first
    for mail, (request, other, late) in zip(to_operators, expected, strict=True):
        assert mail.to == ["ops@castfeed.example"]
        assert mail.subject == f"[castfeed] Takedown request {request.tracking} is overdue"
        assert request.tracking in mail.body and f"({late} late)" in mail.body
        assert due[request.pk].strftime("%Y-%m-%d %H:%M UTC") in mail.body
        text = mail.subject + mail.body
        for personal in (request.email, request.address, other.tracking, f"videos/{video.pk}", f"/v/{video.pk}"):
            assert personal and personal not in text
        assert "grace" not in text.lower() and "eileen" not in text.lower()


def test_a_request_decided_before_its_overdue_mail_goes_is_not_mailed(
    anon, make_user, published_of_her, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """The mail is queued after the flag commits (and retried while the mail server fails): a reviewer
    who decided the request meanwhile makes it moot."""
    import datetime as dt

    from django.utils import timezone

    settings.ADMINS = [("Operators", "ops@castfeed.example")]
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    request = TakedownRequest.objects.get(tracking=tracking)
    TakedownRequest.objects.filter(pk=request.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    assert takedowns.requests_overdue() == 1  # its mail queued for after this test's transaction
    takedowns.request_dismiss(request_id=request.pk, reviewer=make_user("reviewer"))

    assert takedowns.overdue_mail(request_id=request.pk) is False
    assert not [m for m in mailoutbox if m.to == ["ops@castfeed.example"]]  # the requester's own mails only


@pytest.mark.parametrize("site", ["", "https://castfeed.example"])
def test_the_overdue_mail_leads_the_operator_to_the_request_in_the_admin(
    anon, make_user, published_of_her, settings, mailoutbox, site, django_capture_on_commit_callbacks
):
    """With the site's address set (CASTFEED_SITE_URL), the operators' mail links the admin's queue
    searched for the request, on a line of its own; unset, it names the path. Either way, opened by
    staff, that page lists the request (where its confirm and dismiss actions are)."""
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    settings.ADMINS = [("Operators", "ops@castfeed.example")]
    settings.CASTFEED_SITE_URL = site
    tracking = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks).json()[
        "tracking"
    ]
    TakedownRequest.objects.filter(tracking=tracking).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert takedowns.requests_overdue() == 1

    (mail,) = [m for m in mailoutbox if m.to == ["ops@castfeed.example"]]
    queue = f"/admin/moderation/takedownrequest/?q={tracking}"
    if site:
        assert f"\n{site}{queue}\n" in mail.body
    else:
        assert f"({queue})" in mail.body and "://" not in mail.body
    operator = make_user("operator")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    admin = Client()
    admin.force_login(operator)
    page = admin.get(queue)
    assert page.status_code == 200 and tracking in page.content.decode()


def test_a_verification_that_loses_its_database_connection_is_retried_and_hides_the_video(
    anon, published_of_her, monkeypatch, tasks_retried, django_capture_on_commit_callbacks
):
    """The worker's check of her selfie loses its database connection as it searches our videos for
    her face; the task is retried and hides the video. Before, it was not: her request stayed
    `verifying`, the video up, until the sweep closed it as not checked in time."""
    from django.db import OperationalError

    from tests.faults import FailsOnce

    search = FailsOnce(takedowns._matches, OperationalError("server closed the connection unexpectedly"))
    monkeypatch.setattr(takedowns, "_matches", search)
    response = submit(anon, videos.video(), challenge(anon), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content

    assert search.calls == 2
    status = anon.get(f"{URL}/{response.json()['tracking']}").json()
    assert (status["status"], status["videos_hidden"]) == ("hidden", 1)
    published_of_her.refresh_from_db()
    assert published_of_her.status == "removed"
