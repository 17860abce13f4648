"""Enrollment verified by a real Celery worker process through the real broker."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cameos.models import Cameo, Enrollment, EnrollmentChallenge
from tests.cameos import videos
from tests.worker import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def test_the_worker_verifies_and_deletes_the_upload(celery_worker, client_of, make_user, settings):
    person = make_user("worker.person")
    client = client_of(person)
    challenge = client.post("/api/v1/cameo/challenges").json()["id"]
    EnrollmentChallenge.objects.filter(pk=challenge).update(steps=list(videos.STEPS))
    upload = SimpleUploadedFile("me.mp4", videos.video(), content_type="video/mp4")
    response = client.post("/api/v1/cameo", {"video": upload, "challenge": challenge}, format="multipart")
    assert response.status_code == 202
    assert response.json()["status"] == "verifying"
    wait_for(lambda: client.get("/api/v1/cameo").json()["status"] != "verifying", timeout=90, worker=celery_worker)
    assert client.get("/api/v1/cameo").json()["status"] == "active"
    assert Cameo.objects.filter(owner=person).exists()
    assert Enrollment.objects.get().upload_name == ""
    wait_for(lambda: not list((Path(settings.MEDIA_ROOT) / "enrollments").glob("*")), timeout=30, worker=celery_worker)
    assert "cameos.verify_enrollment" in celery_worker.output()
