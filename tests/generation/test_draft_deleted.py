"""A ready job whose draft is deleted (by its author, or by a person it shows) ends with it: it does
not stay `ready` with no video and a publish that can only be refused."""

import pytest

from feed.models import Video
from generation.models import GenerationJob, JobPerson

URL = "/api/v1/generations"


@pytest.fixture
def ria(make_user):  # type: ignore[no-untyped-def]
    return make_user("ria")


@pytest.fixture
def ready(me, ria, make_video):  # type: ignore[no-untyped-def]
    """My ready job, its draft showing ria."""
    draft = make_video(me, publish=False, people=(ria,))
    job = GenerationJob.objects.create(
        author=me, prompt="@ria on a swing", duration_s=2, seed=1, status="ready", progress=100, video=draft
    )
    JobPerson.objects.create(job=job, person_id=ria.pk, author_id=me.pk)
    return job


def test_deleting_my_own_draft_cancels_its_job(api, ready, django_capture_on_commit_callbacks):
    draft_id = ready.video_id
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/videos/{draft_id}").status_code == 204

    job = api.get(f"{URL}/{ready.pk}").json()
    assert (job["status"], job["video"]) == ("cancelled", None)
    assert job["finished_at"] is not None
    assert [j["status"] for j in api.get(URL).json()["results"]] == ["cancelled"]
    refused = api.post(f"{URL}/{ready.pk}/publish", {}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")
    assert api.post(f"{URL}/{ready.pk}/cancel").json()["error"] == "not_cancellable"
    assert not JobPerson.objects.filter(job=ready).exists()


def test_a_person_deleting_a_draft_of_them_blocks_its_job_and_says_so(
    api, client_of, ria, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client_of(ria).delete(f"/api/v1/cameo/appearances/{ready.video_id}").status_code == 204
    assert not Video.objects.exists()

    job = api.get(f"{URL}/{ready.pk}").json()
    assert (job["status"], job["video"]) == ("blocked", None)
    assert job["error"]["code"] == "deleted_by_person_in_it"
    assert "ria" not in job["error"]["detail"]  # as the notification, it names no one
    assert api.post(f"{URL}/{ready.pk}/publish", {}, format="json").status_code == 409
    assert not JobPerson.objects.filter(job=ready).exists()


def test_deleting_a_published_video_leaves_its_job_published(api, me, make_video, django_capture_on_commit_callbacks):
    video = make_video(me)
    job = GenerationJob.objects.create(author=me, prompt="a cat", duration_s=2, seed=1, status="published", video=video)
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/videos/{video.pk}").status_code == 204
    assert api.get(f"{URL}/{job.pk}").json()["status"] == "published"


def test_a_draft_taken_down_after_a_report_ends_its_job(api, client_of, make_user, ria, ready):
    """A person it shows reports the draft and a moderator takes it down: the job is not left ready
    with a publish that can only be refused (it answered 409 not_draft)."""
    from moderation import services as moderation

    report = client_of(ria).post(f"/api/v1/videos/{ready.video_id}/report", {"reason": "other"}, format="json")
    assert report.status_code == 201, report.json()
    moderation.report_take_down(report_id=report.json()["id"], moderator=make_user("mod"))

    job = api.get(f"{URL}/{ready.pk}").json()
    assert job["status"] == "blocked" and job["error"]["code"] == "video_removed", job
    refused = api.post(f"{URL}/{ready.pk}/publish", {}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (409, "not_ready")
    assert Video.objects.get(pk=ready.video_id).status == "removed"  # kept for the review
    assert not JobPerson.objects.filter(job=ready).exists()


def test_a_draft_deleted_by_the_consent_cascade_blocks_its_job_as_consent_withdrawn(
    api, me, ria, make_video, activate_cameo, django_capture_on_commit_callbacks
):
    """The cascade deletes the draft, then blocks the job: the author reads why (not only that the
    video went)."""
    from cameos import services as cameos

    activate_cameo(ria, audience="everyone")
    draft = make_video(me, publish=False, people=(ria,))
    job = GenerationJob.objects.create(
        author=me, prompt="@ria on a swing", duration_s=2, seed=1, status="ready", progress=100, video=draft
    )
    JobPerson.objects.create(job=job, person_id=ria.pk, author_id=me.pk)

    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=ria, audience="only_me")

    assert not Video.objects.exists()
    body = api.get(f"{URL}/{job.pk}").json()
    assert (body["status"], body["error"]["code"]) == ("blocked", "consent_withdrawn"), body
