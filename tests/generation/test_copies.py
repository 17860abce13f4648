"""Copies of removed videos (takedown requests): a video taken down by moderation, or deleted by a
person shown in it, leaves its vPDQ fingerprint behind, and a copy of it (the same generation made
again by someone else, or a re-encode of it) cannot be published. The whole pipeline runs in-process
(composite backend, real H.264 MP4s)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from cameos import services as cameos
from feed import services as feed
from feed.models import RemovedFingerprint, Video
from generation.backends.base import Progress, RenderRequest
from generation.models import GenerationJob
from moderation import services as moderation
from moderation.models import AuditEvent
from tests.media import reencode_mp4

# slow: renders, fingerprints and re-encodes full-size clips
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("c2pa_dev_dir")]

URL = "/api/v1/generations"
SUNSET = "surfing at sunset on the beach"


@pytest.fixture
def generate(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Submit a job and run the worker in-process; the ready job's body."""

    def run(api, prompt: str, *, seed: int = 7, duration_s: int = 2):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(URL, {"prompt": prompt, "duration_s": duration_s, "seed": seed}, format="json")
        assert response.status_code == 202, response.json()
        job = api.get(f"{URL}/{response.json()['id']}").json()
        assert job["status"] == "ready", job
        return job

    return run


def publish(api, job):  # type: ignore[no-untyped-def]
    return api.post(f"{URL}/{job['id']}/publish", {}, format="json")


def assert_refused_as_copy(api, job) -> None:  # type: ignore[no-untyped-def]
    response = publish(api, job)
    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "copy_of_removed_video"
    assert "copy of a video that was removed" in body["detail"]
    assert Video.objects.get(pk=job["video"]["id"]).status == Video.Status.DRAFT
    assert api.get(f"{URL}/{job['id']}").json()["status"] == "ready"
    # the publish's consent decision is in the audit log, though the publish then failed
    decisions = AuditEvent.objects.filter(kind=AuditEvent.Kind.CONSENT_DECISION, object_id=job["id"])
    assert [e.data["stage"] for e in decisions.order_by("pk")][-1] == "publish"


class Replay:
    """A backend that plays back the frames of an MP4: how a re-encoded copy reaches a job here."""

    name = "replay"

    def __init__(self, path: Path) -> None:
        self.path = path

    def render(self, request: RenderRequest, progress: Progress) -> Iterator[np.ndarray]:
        with av.open(str(self.path)) as container:
            fps = float(container.streams.video[0].average_rate or request.fps)
            frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
        for i in range(request.frame_count):  # the frame shown at each of the job's instants
            progress(i / request.frame_count)
            frame = frames[min(round(i * fps / request.fps), len(frames) - 1)]
            yield cv2.resize(frame, (request.width, request.height))


def test_a_video_taken_down_cannot_be_published_again_by_someone_else(api, client_of, me, make_user, generate):
    job = generate(api, SUNSET)
    assert publish(api, job).status_code == 200
    video = Video.objects.get(pk=job["video"]["id"])
    assert video.fingerprint
    report = feed.report_create(reporter=make_user("reporter"), video=video, reason="other")
    moderation.report_take_down(report_id=report.pk, moderator=make_user("the.moderator"), reason="takedown request")
    removed = RemovedFingerprint.objects.get()
    assert (removed.video_id, removed.reason) == (video.pk, "taken_down")
    assert bytes(removed.fingerprint) == bytes(video.fingerprint)

    # Someone else makes the same video again (same prompt and seed, their own watermark on it).
    copier = client_of(make_user("copier"))
    copy = generate(copier, SUNSET)
    assert_refused_as_copy(copier, copy)

    # A different video of theirs publishes fine: nothing else is blocked.
    different = generate(copier, "dancing in a neon club at night")
    assert publish(copier, different).status_code == 200
    also_different = generate(copier, SUNSET, seed=8)  # the same prompt, another seed: another video
    assert publish(copier, also_different).status_code == 200


def test_a_re_encoded_copy_of_a_video_deleted_by_a_person_in_it_is_refused(
    api, client_of, me, make_user, enroll, generate, monkeypatch, tmp_path
):
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    copier = make_user("copier")
    for user in (me, copier):  # both may use the cameo: only the fingerprint stops the copy
        request = cameos.grant_request(requester=user, owner=owner)
        cameos.grant_decide(owner=owner, grant_id=request.pk, approve=True)
    job = generate(api, "@astro.owner surfing at sunset on the beach")
    assert publish(api, job).status_code == 200
    video = Video.objects.get(pk=job["video"]["id"])
    original = tmp_path / "original.mp4"
    original.write_bytes(Path(video.media.path).read_bytes())  # what someone saved before it went

    assert client_of(owner).delete(f"/api/v1/cameo/appearances/{video.pk}").status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert RemovedFingerprint.objects.get().reason == "deleted_by_person"

    # Smaller, at a lower bitrate and another frame rate, with a caption stamped on it.
    copy = reencode_mp4(original, tmp_path / "copy.mp4", size=(360, 640), crf=32, fps=30, caption="@copier")
    monkeypatch.setattr("generation.backends.get_backend", lambda name: Replay(copy))
    copier_api = client_of(copier)
    copied = generate(copier_api, "@astro.owner surfing at sunset on the beach", seed=99)
    assert_refused_as_copy(copier_api, copied)


def test_an_author_deleting_their_own_draft_records_nothing_and_may_make_it_again(api, me, generate):
    job = generate(api, SUNSET)
    assert api.delete(f"/api/v1/videos/{job['video']['id']}").status_code == 204
    again = generate(api, SUNSET)
    assert publish(api, again).status_code == 200
    assert not RemovedFingerprint.objects.exists()


def test_the_system_deleting_a_draft_records_nothing(me, make_video):
    video = make_video(me, publish=False)
    Video.objects.filter(pk=video.pk).update(fingerprint=b"\x01" + bytes(33))
    feed.video_delete(video=video)  # by=None: a consent cascade or a cancel
    assert not RemovedFingerprint.objects.exists()


def test_the_fingerprint_never_appears_in_an_api_response(api, client_of, make_user, generate):
    job = generate(api, SUNSET)
    assert publish(api, job).status_code == 200
    fingerprint = Video.objects.get(pk=job["video"]["id"]).fingerprint
    assert fingerprint is not None
    stored = bytes(fingerprint)
    forms = [stored.hex(), base64.b64encode(stored).decode(), base64.urlsafe_b64encode(stored).decode()]
    viewer = client_of(make_user("viewer"))
    responses = [
        api.get(f"{URL}/{job['id']}"),
        api.get(URL),
        api.get(f"/api/v1/videos/{job['video']['id']}"),
        viewer.get(f"/api/v1/videos/{job['video']['id']}"),
        api.get("/api/v1/users/me.myself/videos"),
        viewer.get("/api/v1/feed"),
        api.get("/api/v1/me/export"),
    ]
    for response in responses:
        assert response.status_code == 200, response.request["PATH_INFO"]
        text = response.content.decode()
        assert "fingerprint" not in text
        assert not any(form in text for form in forms)


def test_a_job_stores_its_videos_fingerprint(api, generate):
    job = generate(api, SUNSET, duration_s=3)
    stored = Video.objects.get(pk=job["video"]["id"]).fingerprint
    assert stored is not None and len(bytes(stored)) == 1 + 6 * 33  # a hash every 0.5 s
    assert "fingerprint" in GenerationJob.objects.get(pk=job["id"]).timings
