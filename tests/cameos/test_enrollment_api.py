"""Enrollment through the API: challenges, uploads, verification, what is kept and what is deleted."""

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cameos import services
from cameos.models import Cameo, Enrollment, EnrollmentChallenge, GalleryEntry, IdentityConflict
from tests.cameos import videos

pytestmark = pytest.mark.django_db
CAMEO = "/api/v1/cameo"


def files_under(settings, folder):
    root = Path(settings.MEDIA_ROOT) / folder
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def challenge(client, steps=videos.STEPS):
    response = client.post("/api/v1/cameo/challenges")
    assert response.status_code == 201
    body = response.json()
    EnrollmentChallenge.objects.filter(pk=body["id"]).update(steps=list(steps))  # the video acts these out
    return body["id"]


def enroll(client, data, challenge_id, name="selfie.mp4", capture=None):
    upload = SimpleUploadedFile(name, data, content_type="video/mp4")
    if capture is None:
        return client.post(CAMEO, {"video": upload, "challenge": challenge_id}, format="multipart")
    with capture(execute=True):
        return client.post(CAMEO, {"video": upload, "challenge": challenge_id}, format="multipart")


def test_challenges_are_random_start_at_center_and_expire(api):
    seen = set()
    for _ in range(12):
        body = api.post("/api/v1/cameo/challenges").json()
        assert body["steps"][0] == "center"
        assert 3 <= len(body["steps"]) <= 4
        assert len(set(body["steps"])) == len(body["steps"])
        assert set(body["steps"]) <= {"center", "turn_left", "turn_right", "look_up", "look_down"}
        expires = dt.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
        assert 170 < (expires - timezone.now()).total_seconds() <= 180
        seen.add(tuple(body["steps"]))
    assert len(seen) > 1


def test_enrollment_end_to_end(api, me, settings, django_capture_on_commit_callbacks):
    response = enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert response["Location"] == "/api/v1/cameo"
    body = api.get(CAMEO).json()
    assert body["status"] == "active", body
    assert body["audience"] == "approved"
    assert 3 <= body["references"] <= 5
    assert body["last_enrollment"]["status"] == "accepted"
    # the upload is gone; what is kept is the template and encrypted reference crops
    assert files_under(settings, "enrollments") == []
    assert Enrollment.objects.get().upload_name == ""
    assert GalleryEntry.objects.filter(cameo__owner=me).count() == 1
    stored = files_under(settings, "cameos")
    assert len(stored) == body["references"]
    assert all(not p.read_bytes().startswith(b"\xff\xd8") for p in stored)  # not a readable JPEG at rest
    # They are real photos of my face: no response carries them, to me either (the count says what is kept).
    assert api.get("/api/v1/cameo/references/0").status_code == 404
    text = str(body) + str(api.get("/api/v1/cameos/me.myself").json())
    assert "embedding" not in text and "template" not in text


def test_a_rejected_enrollment_says_why_and_keeps_nothing(api, me, settings, django_capture_on_commit_callbacks):
    response = enroll(api, videos.video(static=True), challenge(api), capture=django_capture_on_commit_callbacks)
    assert response.status_code == 202
    body = api.get(CAMEO).json()
    assert body["status"] == "rejected"
    assert body["reason_code"] == "step_missing"
    assert "turn your head to your left" in body["reason"]
    assert files_under(settings, "enrollments") == []
    assert files_under(settings, "cameos") == []
    assert not Cameo.objects.exists()
    assert not GalleryEntry.objects.exists()


def test_re_enrolling_replaces_template_and_crops(api, me, settings, django_capture_on_commit_callbacks):
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    first = files_under(settings, "cameos")
    template = GalleryEntry.objects.get().embedding
    steps = ("center", "turn_right", "turn_left")
    enroll(api, videos.video(steps), challenge(api, steps), capture=django_capture_on_commit_callbacks)
    assert api.get(CAMEO).json()["status"] == "active"
    second = files_under(settings, "cameos")
    assert second and not set(first) & set(second)
    assert not any(p.exists() for p in first)
    assert GalleryEntry.objects.count() == 1
    assert list(GalleryEntry.objects.get().embedding) != list(template)


def test_the_same_face_on_another_account_is_refused_and_logged(
    api, client_of, make_user, settings, django_capture_on_commit_callbacks
):
    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    impostor = client_of(make_user("impostor"))
    enroll(impostor, videos.video(), challenge(impostor), capture=django_capture_on_commit_callbacks)
    body = impostor.get(CAMEO).json()
    assert body["status"] == "rejected"
    assert body["reason_code"] == "duplicate_identity"
    conflict = IdentityConflict.objects.get()
    assert conflict.user.handle == "impostor"
    assert conflict.existing_owner.handle == "me.myself"
    assert conflict.similarity > 0.5
    assert Cameo.objects.count() == 1
    assert files_under(settings, "enrollments") == []


def test_two_accounts_enrolling_the_same_face_at_once_cannot_both_win(
    api, client_of, make_user, settings, django_capture_on_commit_callbacks
):
    from cameos.signals import enrollment_checking

    impostor = client_of(make_user("impostor"))
    enroll(api, videos.video(), challenge(api))  # both wait in `verifying`: no worker ran yet
    enroll(impostor, videos.video(), challenge(impostor))
    mine, theirs = Enrollment.objects.order_by("created_at")
    raced = []

    def the_other_finishes_meanwhile(sender, user, template, **kwargs):  # type: ignore[no-untyped-def]
        # Between this one's gallery search and its acceptance, the other's whole verification runs.
        if not raced:
            raced.append("running")  # the other's own check comes here too
            raced[0] = services.enrollment_verify(enrollment_id=theirs.pk).status

    enrollment_checking.connect(the_other_finishes_meanwhile)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.enrollment_verify(enrollment_id=mine.pk)
    finally:
        enrollment_checking.disconnect(the_other_finishes_meanwhile)

    assert raced == ["accepted"]
    mine.refresh_from_db()
    assert (mine.status, mine.reason_code) == ("rejected", "duplicate_identity")
    assert Cameo.objects.get().owner.handle == "impostor"
    assert IdentityConflict.objects.get().user.handle == "me.myself"


def test_an_older_enrollment_that_finishes_late_does_not_replace_a_newer_one(
    api, settings, django_capture_on_commit_callbacks
):
    steps = ("center", "turn_right", "turn_left")
    enroll(api, videos.video(), challenge(api))
    enroll(api, videos.video(steps), challenge(api, steps))
    older, newer = Enrollment.objects.order_by("created_at")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.enrollment_verify(enrollment_id=newer.pk).status == "accepted"
    kept = files_under(settings, "cameos")
    template = list(GalleryEntry.objects.get().embedding)

    with django_capture_on_commit_callbacks(execute=True):
        late = services.enrollment_verify(enrollment_id=older.pk)

    assert (late.status, late.reason_code) == ("rejected", "superseded")
    assert files_under(settings, "cameos") == kept and all(p.exists() for p in kept)
    assert list(GalleryEntry.objects.get().embedding) == template
    assert api.get(CAMEO).json()["status"] == "active"


def test_enrolling_again_forgets_the_possible_matches_of_the_face_before(
    api, me, make_user, make_video, settings, django_capture_on_commit_callbacks
):
    from cameos.models import Appearance

    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    video = make_video(make_user("an.author"), publish=False)
    Appearance.objects.create(video=video, user=me, source="detected", match="possible", similarity=0.6)
    steps = ("center", "turn_right", "turn_left")
    enroll(api, videos.video(steps), challenge(api, steps), capture=django_capture_on_commit_callbacks)
    assert api.get(CAMEO).json()["status"] == "active"
    assert not Appearance.objects.filter(user=me, match="possible").exists()


@pytest.mark.parametrize(
    ("data", "name", "field"),
    [
        (b"", "empty.mp4", "video"),
        (b"this is not a video at all", "fake.mp4", "video"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500, "truncated.mp4", "video"),
    ],
)
def test_bad_uploads_are_400_and_leave_nothing(api, settings, data, name, field):
    challenge_id = challenge(api)
    response = enroll(api, data, challenge_id, name=name)
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert files_under(settings, "enrollments") == []
    assert not Enrollment.objects.exists()
    assert EnrollmentChallenge.objects.get(pk=challenge_id).used_at is None  # can be retried


def test_a_truncated_real_video_is_refused(api, settings):
    data = videos.video()
    response = enroll(api, data[: len(data) // 3], challenge(api))
    assert response.status_code == 400
    assert files_under(settings, "enrollments") == []


def test_an_over_long_video_is_refused(api, settings):
    long_one = videos.video(("center", "turn_left", "turn_right", "look_up"), hold=3.5)  # ~17 s
    response = enroll(api, long_one, challenge(api))
    assert response.status_code == 400
    assert "seconds" in response.json()["detail"]
    assert files_under(settings, "enrollments") == []


def test_an_over_large_upload_is_refused(api, settings):
    settings.CASTFEED_CAMEOS = {**settings.CASTFEED_CAMEOS, "MAX_BYTES": 10_000}
    response = enroll(api, videos.video(), challenge(api))
    assert response.status_code == 400
    assert "MB" in response.json()["detail"] or "at most" in str(response.json()).lower()
    settings.CASTFEED_CORE = {**settings.CASTFEED_CORE, "MAX_REQUEST_BYTES": 1000}
    assert enroll(api, videos.video(), challenge(api)).status_code == 413


def test_challenges_are_single_use_personal_and_expire(
    api, client_of, make_user, settings, django_capture_on_commit_callbacks
):
    used = challenge(api)
    assert enroll(api, videos.video(), used, capture=django_capture_on_commit_callbacks).status_code == 202
    again = enroll(api, videos.video(), used)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_challenge"
    expired = challenge(api)
    EnrollmentChallenge.objects.filter(pk=expired).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert enroll(api, videos.video(), expired).json()["error"] == "invalid_challenge"
    someone_elses = challenge(client_of(make_user()))
    assert enroll(api, videos.video(), someone_elses).json()["error"] == "invalid_challenge"
    assert enroll(api, videos.video(), str(uuid.uuid4())).json()["error"] == "invalid_challenge"
    assert Enrollment.objects.count() == 1
    assert files_under(settings, "enrollments") == []


@pytest.mark.parametrize("body", [{}, {"challenge": "not-a-uuid"}, {"video": "text instead of a file"}])
def test_malformed_enrollment_requests(api, body):
    response = api.post(CAMEO, body, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


def test_enrollment_needs_multipart_and_a_signed_in_person(api, anon):
    assert api.post(CAMEO, {"challenge": str(uuid.uuid4())}, format="json").status_code == 415
    assert anon.post("/api/v1/cameo/challenges").status_code == 401
    assert anon.get(CAMEO).status_code == 401


def test_status_while_verifying(api, me):
    response = enroll(api, videos.video(), challenge(api))  # on_commit never runs: still queued
    assert response.status_code == 202
    assert response.json()["status"] == "verifying"
    assert api.get(CAMEO).json()["status"] == "verifying"


def test_no_cameo_yet(api):
    body = api.get(CAMEO).json()
    assert body["status"] == "none"
    assert body["audience"] is None


def test_stuck_verifications_expire_and_lose_their_upload(api, settings, django_capture_on_commit_callbacks):
    enroll(api, videos.video(), challenge(api))  # queued, never picked up
    assert files_under(settings, "enrollments")
    Enrollment.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.enrollments_expire() == 1
    assert Enrollment.objects.get().status == "rejected"
    assert files_under(settings, "enrollments") == []
    assert api.get(CAMEO).json()["reason_code"] == "timed_out"


@pytest.mark.parametrize("enrolled_before", [False, True])
def test_erasing_the_cameo_while_an_enrollment_is_checked_cancels_it(
    api, me, settings, enrolled_before, django_capture_on_commit_callbacks
):
    if enrolled_before:
        enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
        assert api.get(CAMEO).json()["status"] == "active"
    enroll(api, videos.video(), challenge(api))  # queued: the worker has not checked it yet
    pending = Enrollment.objects.get(status="verifying")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(CAMEO).status_code == 204
    assert files_under(settings, "enrollments") == []  # the selfie video is gone at once
    body = api.get(CAMEO).json()
    assert (body["status"], body["reason_code"]) == ("rejected", "cancelled"), body
    # The worker's check of it arrives late: it creates nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_verify(enrollment_id=pending.pk)
    assert not Cameo.objects.exists() and not GalleryEntry.objects.exists()
    assert files_under(settings, "cameos") == []
    assert api.delete(CAMEO).status_code == 404  # nothing left to erase


def test_a_check_whose_last_step_fails_keeps_no_face_crops(
    api, me, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import OperationalError

    from cameos import gallery

    enroll(api, videos.video(), challenge(api))
    pending = Enrollment.objects.get()

    def database_gone(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(gallery, "put", database_gone)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(OperationalError):
        services.enrollment_verify(enrollment_id=pending.pk)
    assert files_under(settings, "cameos") == []  # the crops it had saved are deleted
    assert Enrollment.objects.get().status == "verifying"  # for the task's retry
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_verify(enrollment_id=pending.pk)
    assert api.get(CAMEO).json()["status"] == "active"
    assert len(files_under(settings, "cameos")) == api.get(CAMEO).json()["references"]


def test_enrolling_again_with_another_persons_face_is_refused_and_keeps_the_cameo(
    api, me, make_user, settings, django_capture_on_commit_callbacks
):
    """The people allowed to use a cameo were allowed that face: a re-enrollment of someone else
    (a friend recording on my phone) would hand them another person's likeness."""
    from cameos.models import CameoGrant

    enroll(api, videos.video(), challenge(api), capture=django_capture_on_commit_callbacks)
    friend = make_user("a.friend")
    cameo = Cameo.objects.get(owner=me)
    CameoGrant.objects.create(cameo=cameo, grantee=friend, status="approved")
    template, kept = list(GalleryEntry.objects.get().embedding), files_under(settings, "cameos")

    steps = ("center", "turn_right", "turn_left")
    other = enroll(
        api, videos.video(steps, person="hopper"), challenge(api, steps), capture=django_capture_on_commit_callbacks
    )

    assert other.status_code == 202, other.content
    body = api.get(CAMEO).json()
    assert body["status"] == "active"  # the enrolled face stays
    latest = Enrollment.objects.order_by("-created_at").first()
    assert (latest.status, latest.reason_code) == ("rejected", "face_mismatch")
    assert "delete this cameo first" in latest.reason
    assert list(GalleryEntry.objects.get().embedding) == template
    assert files_under(settings, "cameos") == kept  # the refused face's crops are not kept
    assert CameoGrant.objects.filter(cameo=cameo, grantee=friend, status="approved").exists()

    again = enroll(api, videos.video(steps), challenge(api, steps), capture=django_capture_on_commit_callbacks)
    assert again.status_code == 202
    assert Enrollment.objects.order_by("-created_at").first().status == "accepted"  # the same person again
