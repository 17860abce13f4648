"""A cancel that reads its job just before the worker keeps the draft (scanning → ready) still
deletes that draft: a cancelled job never keeps a video."""

from pathlib import Path

from django.conf import settings as django_settings

from feed.models import Video
from generation import services
from generation.models import GenerationJob
from tests.media import rendered

URL = "/api/v1/generations"


def stored_videos() -> list[Path]:
    return [p for p in (Path(django_settings.MEDIA_ROOT) / "videos").rglob("*") if p.is_file()]


def test_a_cancel_racing_the_worker_keeping_the_draft_deletes_the_draft(
    api, me, monkeypatch, django_capture_on_commit_callbacks
):
    job = GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1, status="scanning")
    real_own = services._own

    def own_then_the_worker_finishes(author, job_id):  # type: ignore[no-untyped-def]
        read = real_own(author, job_id)  # the cancel has read the job: scanning, no video yet
        assert services.job_finish(job_id, **rendered()) is not None  # the worker keeps the draft now
        return read

    monkeypatch.setattr(services, "_own", own_then_the_worker_finishes)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = api.post(f"{URL}/{job.pk}/cancel")

    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["status"], cancelled.json()["video"]) == ("cancelled", None)
    assert api.get(f"{URL}/{job.pk}").json()["video"] is None
    assert not Video.objects.exists()
    assert stored_videos() == []


def test_a_cancel_racing_a_block_says_the_job_is_blocked(api, me, monkeypatch):
    """The job was read as scanning, then the consent cascade blocked it: the 409 says what it is now."""
    job = GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1, status="scanning")
    real_own = services._own

    def own_then_the_cascade_blocks(author, job_id):  # type: ignore[no-untyped-def]
        read = real_own(author, job_id)
        assert services.job_block(job_id, reason=services.WITHDRAWN, code="consent_withdrawn")
        return read

    monkeypatch.setattr(services, "_own", own_then_the_cascade_blocks)
    refused = api.post(f"{URL}/{job.pk}/cancel")

    assert refused.status_code == 409
    assert refused.json() == {"error": "not_cancellable", "detail": "This job is already blocked."}
