"""A takedown dismissed while another request for the same video is being verified never publishes
the video again behind the second request's back: the dismissal waits for the verification's match,
then leaves the video hidden for it. A draft of the face stored while the request is confirmed goes
with it: the confirmation waits for the draft, then finds it. Two threads, each with its own database
connection, against committed data (PostgreSQL when DATABASE_URL says so; SQLite's transactions take
turns anyway)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from cameos import services as cameos
from feed.models import Video
from generation import services as gen_services
from generation.models import GenerationJob
from moderation import takedowns
from moderation.models import TakedownMatch, TakedownRequest
from tests import synthetic_faces as faces
from tests.cameos import videos
from tests.media import rendered
from tests.moderation.test_takedowns import challenge, submit
from tests.races import pause_in, second_while_first_pauses

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_dismissal_while_another_request_is_verified_leaves_the_video_hidden_for_it(
    anon, make_user, make_video, monkeypatch
):
    video = make_video(make_user("uploader"))
    cameos.video_faces_record(video_id=video.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    first, second = (
        TakedownRequest.objects.get(tracking=submit(anon, videos.video(), challenge(anon), email=e).json()["tracking"])
        for e in ("eileen@example.org", "her.sister@example.org")
    )
    video.refresh_from_db()
    assert (first.status, video.status) == ("hidden", "removed")
    # The second request as it was while the worker verified it: its matches not yet written, its
    # selfie still stored (deleted once verified).
    TakedownMatch.objects.filter(request=second).delete()
    selfie = default_storage.save("takedowns/again.mp4", ContentFile(videos.video()))
    TakedownRequest.objects.filter(pk=second.pk).update(status=TakedownRequest.Status.VERIFYING, upload_name=selfie)

    reviewer = make_user("reviewer")
    # the verification pauses at the last step of its transaction
    pause = pause_in(monkeypatch, takedowns, "audit", when=lambda *args, **kwargs: kwargs.get("outcome") == "hidden")
    errors = second_while_first_pauses(
        lambda: takedowns.request_verify(request_id=second.pk),
        lambda: takedowns.request_dismiss(request_id=first.pk, reviewer=reviewer),
        pause,
        names=("verify", "dismiss"),
    )
    assert errors == []

    video.refresh_from_db()
    statuses = dict(TakedownRequest.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "status"))
    assert (statuses[first.pk], statuses[second.pk]) == ("dismissed", "hidden")
    assert video.status == "removed"  # hidden until the second request is decided
    assert anon.get(f"/api/v1/videos/{video.pk}").status_code == 404

    takedowns.request_dismiss(request_id=second.pk, reviewer=reviewer)
    video.refresh_from_db()
    assert video.status == "published"


def test_a_draft_of_her_stored_while_her_request_is_confirmed_goes_with_it(
    anon, make_user, make_video, settings, monkeypatch
):
    """A job stores its draft of her while her request is confirmed: the draft's check of the requests
    (still waiting for review: nothing to refuse) holds them until its transaction ends, so the
    confirmation waits for the draft and its search after the commit finds and removes it. Unheld, the
    confirmation decided, committed and searched again while the draft was uncommitted, so nothing
    saw it; stored a moment later, it could be published."""
    published = make_video(make_user("uploader"))
    cameos.video_faces_record(video_id=published.pk, tracks=[(faces.template("astronaut"), 0, 900, 8)])
    tracking = submit(anon, videos.video(), challenge(anon)).json()["tracking"]
    request = TakedownRequest.objects.get(tracking=tracking)
    assert request.status == "hidden"
    job = GenerationJob.objects.create(
        author=published.author, prompt="a walk on the beach", duration_s=2, seed=3, status="scanning"
    )

    reviewer = make_user("reviewer")
    # the draft is created after the check, in the same transaction
    pause = pause_in(monkeypatch, takedowns, "draft_taken_down", after=True)
    stored: dict[str, Any] = {}
    her = [(faces.template("astronaut"), 0, 900, 8)]
    errors = second_while_first_pauses(
        lambda: stored.update(draft=gen_services.job_finish(job.pk, **rendered(faces=her, decision={"allowed": True}))),
        lambda: takedowns.request_confirm(request_id=request.pk, reviewer=reviewer),
        pause,
        names=("finish", "confirm"),
    )
    assert errors == []

    draft = stored["draft"]
    assert draft is not None  # stored while the request waited for review, then removed with it
    assert not Video.objects.filter(pk__in=[published.pk, draft.pk]).exists()
    assert not default_storage.exists(draft.media.name)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("blocked", "video_removed")
    assert TakedownRequest.objects.get(pk=request.pk).status == "removed"
