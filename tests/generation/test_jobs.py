"""Jobs through the API: submit, the whole pipeline (composite backend, real media, real faces),
progress, publish, the gate at every stage, cancel, quotas, idempotency, and bad input."""

import io
import json
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from PIL import Image

from cameos import services as cameos
from cameos.models import Appearance, CameoGrant, VideoFace
from config.celery import app as celery_app
from feed.models import Video
from generation import pipeline, services
from generation.media.provenance import read_manifest
from generation.models import GenerationJob
from tests.enroll import approve

pytestmark = pytest.mark.usefixtures("c2pa_dev_dir")

URL = "/api/v1/generations"


def stored_files() -> list[Path]:
    return [p for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.fixture
def owner(make_user, enroll):  # type: ignore[no-untyped-def]
    user = make_user("astro.owner")
    enroll(user, "astronaut", audience="approved")
    return user


def submit(api, prompt, **extra):  # type: ignore[no-untyped-def]
    headers = {}
    if "key" in extra:
        headers["HTTP_IDEMPOTENCY_KEY"] = extra.pop("key")
    return api.post(URL, {"prompt": prompt, "duration_s": 2, **extra}, format="json", **headers)


def jpeg_upload(image, name: str) -> io.BytesIO:  # type: ignore[no-untyped-def]
    """A BGR image as an uploaded JPEG file."""
    _, jpeg = __import__("cv2").imencode(".jpg", image)
    upload = io.BytesIO(jpeg.tobytes())
    upload.name = name
    return upload


def photo_of_her(name: str) -> io.BytesIO:
    """A real photo of the astronaut (the cameo `enroll` gives), as an upload."""
    from tests import synthetic_faces as faces

    return jpeg_upload(faces.group_photo(["astronaut"], size=(960, 540)), name)


def ready_from_photo_of_her(api, prompt: str, capture) -> str:  # type: ignore[no-untyped-def]
    """A job made from photo_of_her, run through the worker in-process; its id, once ready."""
    with capture(execute=True):
        body = {"prompt": prompt, "duration_s": 2, "image": photo_of_her("her.jpg")}
        job_id = api.post(URL, body, format="multipart").json()["id"]
    assert api.get(f"{URL}/{job_id}").json()["status"] == "ready"
    return job_id


@pytest.mark.slow  # the whole flow, with a real render: `make test` (test-fast renders in the tests below)
def test_a_friend_makes_a_video_with_an_approved_cameo_and_publishes_it(
    api, me, owner, django_capture_on_commit_callbacks
):
    approve(owner, me)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs in-process (eager)
        response = submit(api, "@astro.owner surfing at sunset")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response["Location"] == f"/api/v1/generations/{job_id}"

    job = api.get(f"{URL}/{job_id}").json()
    assert (job["status"], job["progress"], job["cameos"]) == ("ready", 100, ["astro.owner"])
    video = Video.objects.get(pk=job["video"]["id"])
    assert video.status == Video.Status.DRAFT and video.author == me
    # A playable H.264 MP4 of the right length, with valid Content Credentials naming the job.
    with av.open(video.media.path) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 576, 1024)
    assert frames == 2 * 24
    manifest = read_manifest(Path(video.media.path))
    assert manifest.valid and manifest.job_id == job_id
    assert manifest.digital_source_type.endswith("trainedAlgorithmicMedia")
    # The output scan found the cameo in the frames: tagged and detected, face rows kept.
    appearance = Appearance.objects.get(video=video, user=owner)
    assert appearance.source == "tagged" and appearance.similarity > 0.6
    assert VideoFace.objects.filter(video=video).count() >= 1
    # The draft's media is only at a signed, expiring URL, which serves the MP4.
    media_url = job["video"]["media_url"]
    assert "?t=" in media_url
    assert api.get(media_url.split("?")[0]).status_code == 404
    served = api.get(media_url)
    assert served.status_code == 200 and b"".join(served.streaming_content)[4:8] == b"ftyp"

    published = api.post(f"{URL}/{job_id}/publish", {"caption": "sunset!"}, format="json")
    assert published.status_code == 200 and published.json()["caption"] == "sunset!"
    assert api.get(f"{URL}/{job_id}").json()["status"] == "published"
    assert api.get("/api/v1/users/me.myself/videos").json()["results"][0]["id"] == video.pk


def test_the_same_prompt_from_a_stranger_is_refused_before_anything_is_queued(client_of, make_user, owner):
    stranger = client_of(make_user("stranger"))
    response = submit(stranger, "@astro.owner surfing at sunset")
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "consent_required"
    assert body["subjects"] == [
        {
            "handle": "astro.owner",
            "source": "mention",
            "verdict": "refused",
            "reason": "needs_approval",
            "detail": "Ask this person for permission first.",
        }
    ]
    assert not GenerationJob.objects.exists()


def test_a_prompt_breaking_the_policy_is_refused_with_its_categories(api):
    response = submit(api, "a gunman shooting people in a mall")
    assert response.status_code == 400
    assert response.json()["error"] == "policy_violation" and response.json()["categories"] == ["violence"]
    assert not GenerationJob.objects.exists()


def test_the_worker_blocks_what_only_the_meaning_pass_catches(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(api, "a prisoner having his fingernails pulled out slowly")
    assert response.status_code == 202
    job = api.get(f"{URL}/{response.json()['id']}").json()
    assert job["status"] == "blocked" and job["error"]["code"] == "policy_violation"
    assert job["video"] is None and not Video.objects.exists()


def test_an_uploaded_image_of_a_cameo_the_author_may_use_is_animated_and_the_person_recorded(
    api, me, owner, django_capture_on_commit_callbacks
):
    approve(owner, me)

    upload = photo_of_her("me.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            URL, {"prompt": f"@{owner.handle}, animated", "duration_s": 2, "image": upload}, format="multipart"
        )
    assert response.status_code == 202, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "ready"
    assert not job.image  # the upload is deleted once the job is done
    appearance = Appearance.objects.get(video=job.video, user=owner)  # found again in the frames
    assert appearance.similarity is not None and appearance.similarity > 0.6


@pytest.mark.parametrize(
    ("caption", "error"),
    [
        ("@astro.owner passed out drunk", "consent_required"),  # she allows no one but approved people
        ("with Zora Quillfeather at the bar", "consent_required"),  # a protected person, named
        ("nude on the beach", "policy_violation"),
    ],
)
def test_a_caption_is_checked_as_a_prompt_is(api, me, owner, django_capture_on_commit_callbacks, caption, error):
    from moderation.registry import person_upsert

    person_upsert(name="Zora Quillfeather", aliases=[], kind="public_figure")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = submit(api, "a woman asleep on a park bench").json()["id"]
    assert api.get(f"{URL}/{job_id}").json()["status"] == "ready"

    response = api.post(f"{URL}/{job_id}/publish", {"caption": caption}, format="json")

    assert response.status_code in (400, 403), response.content
    assert response.json()["error"] == error
    assert api.get(f"{URL}/{job_id}").json()["status"] == "ready"  # the draft stays: another caption may do
    fine = api.post(f"{URL}/{job_id}/publish", {"caption": "a nap in the sun"}, format="json")
    assert fine.status_code == 200 and fine.json()["caption"] == "a nap in the sun"


def test_a_caption_is_shown_as_written_and_checked_in_its_canonical_form(
    api, me, owner, django_capture_on_commit_callbacks
):
    """Emoji sequences, a Persian word's non-joiner and a Russian word among English ones are kept as
    written (they were stored as their canonical form: a family split into three people, "❤️" losing
    its colour form, "ага" turned into Latin "ara"); what hides or reorders text goes; and a name or a
    mention disguised with joiners or look-alike letters is still refused."""
    from moderation.registry import person_upsert

    person_upsert(name="Zora Quillfeather", aliases=[], kind="public_figure")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = submit(api, "a woman asleep on a park bench").json()["id"]
    for disguised in ("with Zora Quill\u200dfeather", "\u202e@astro.owner", "hi @\u0430stro.owner"):
        refused = api.post(f"{URL}/{job_id}/publish", {"caption": disguised}, format="json")
        assert refused.status_code == 403 and refused.json()["error"] == "consent_required", disguised
    written = (
        "\u2764\ufe0f our \U0001f468\u200d\U0001f469\u200d\U0001f467 nap 1\ufe0f\u20e3 "
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0430\u0433\u0430 lol"
    )
    response = api.post(f"{URL}/{job_id}/publish", {"caption": f"  {written}\u202e\u2066 "}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["caption"] == written
    assert api.get(f"/api/v1/videos/{response.json()['id']}").json()["caption"] == written


def test_a_draft_made_from_a_photo_of_someone_whose_cameo_then_went_is_never_published(
    api, me, owner, django_capture_on_commit_callbacks
):
    """Her cameo is erased and the cascade that would delete the draft has not run yet (it is on the
    broker, or was lost). Her face in the frames now matches no cameo, as a made-up face would; the
    publish check still refuses: the prompt names her (a photo of someone counts only so), and she
    has no cameo now."""
    approve(owner, me)

    job_id = ready_from_photo_of_her(api, f"@{owner.handle}, animated", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):  # the cascade is queued, not run
        cameos.cameo_delete(owner=owner)

    response = api.post(f"{URL}/{job_id}/publish", {}, format="json")

    assert response.status_code == 403, response.content
    assert response.json()["error"] == "consent_required"
    assert [(s["source"], s["reason"]) for s in response.json()["subjects"] if s["verdict"] == "refused"] == [
        ("mention", "no_cameo")
    ]
    assert api.get(f"{URL}/{job_id}").json()["status"] == "blocked"
    assert not Video.objects.filter(status="published").exists()


@pytest.mark.parametrize("aspect", ["16:9", "9:16"])
def test_a_face_too_small_to_find_in_a_wide_upload_is_found_as_the_video_will_show_it(api, me, aspect):
    """A real person with no cameo, 150 px wide in the middle of a 6,000 px panorama: looked for in
    the whole upload (at 640 px) the face is 16 px and nobody; cropped to the video, as every backend
    crops it, it fills the frame."""
    from tests import synthetic_faces as faces

    panorama = faces.paste_faces(faces.scene((6000, 1000)), [("hopper", 3000, 500)], 150)
    upload = jpeg_upload(panorama, "panorama.jpg")
    response = api.post(
        URL, {"prompt": "this, animated", "duration_s": 2, "aspect": aspect, "image": upload}, format="multipart"
    )
    assert response.status_code == 403, response.content
    assert [s["reason"] for s in response.json()["subjects"]] == ["unknown_face"]
    assert not GenerationJob.objects.exists()


def test_the_backend_is_given_only_the_part_of_the_upload_the_gate_checked(
    api, me, monkeypatch, django_capture_on_commit_callbacks
):
    """A wide photo with a real person at its left, for a portrait video: the gate looks for faces in
    the video's crop of it (the centre) and lets it through. The worker gave the backend the whole
    upload, and a model that renders at another aspect (a landscape native size) cropped it its own
    way and showed the person. The backend now gets the centre only, at the upload's resolution."""
    from cameos.likeness.faces import engine
    from generation.backends.composite import CompositeBackend
    from tests import synthetic_faces as faces

    given = []

    class Recording(CompositeBackend):
        def render(self, request, progress):  # type: ignore[no-untyped-def]
            given.append(request.image)
            return super().render(request, progress)

    monkeypatch.setattr("generation.backends.get_backend", lambda name: Recording())
    photo = faces.paste_faces(faces.scene((3000, 1000)), [("hopper", 600, 500)], 300)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs in-process
        response = api.post(
            URL,
            {"prompt": "this, animated", "duration_s": 2, "aspect": "9:16", "image": jpeg_upload(photo, "wide.jpg")},
            format="multipart",
        )
    assert response.status_code == 202, response.content
    assert api.get(f"{URL}/{response.json()['id']}").json()["status"] == "ready"
    (image,) = given
    assert engine().detect(image) == []
    assert image.shape == (1000, 562, 3)  # the centre at 9:16, not scaled down


def test_bad_input_answers_4xx_and_stores_nothing(api, me, make_user, make_video, settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "IMAGE_MAX_PIXELS": 24_000_000}

    def image_file(data: bytes, name: str = "x.png") -> io.BytesIO:
        handle = io.BytesIO(data)
        handle.name = name
        return handle

    def png(width: int, height: int) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (width, height), (200, 100, 50)).save(out, "PNG", compress_level=9)
        return out.getvalue()

    bomb = png(4096, 4096)  # then claim a huge size in the header: the pixel cap refuses it unread
    bomb = bomb[:16] + (100_000).to_bytes(4, "big") + (100_000).to_bytes(4, "big") + bomb[24:]
    other_draft = make_video(make_user("someone"), publish=False, people=(me,))
    cases = [
        ({"prompt": "", "duration_s": 2}, "prompt"),
        ({"prompt": "x" * 1001, "duration_s": 2}, "prompt"),
        ({"prompt": "a cat", "duration_s": 1}, "duration_s"),
        ({"prompt": "a cat", "duration_s": 11}, "duration_s"),
        ({"prompt": "a cat", "duration_s": "five"}, "duration_s"),
        ({"prompt": "a cat", "duration_s": 2, "aspect": "4:3"}, "aspect"),
        ({"prompt": "a cat", "duration_s": 2, "seed": -1}, "seed"),
        ({"prompt": "a cat", "duration_s": 2, "colour": "red"}, "colour"),
        ({"prompt": "a cat", "duration_s": 2, "remix_of": other_draft.pk}, "remix_of"),
    ]
    for body, field in cases:
        response = api.post(URL, body, format="json")
        assert response.status_code == 400, (body, response.json())
        assert field in json.dumps(response.json()), (body, response.json())
    uploads = [
        image_file(b"%PDF-1.4 not an image", "x.jpg"),
        image_file(bomb),
        image_file(png(8000, 5000)),  # 40 megapixels
        image_file(b""),
    ]
    for upload in uploads:
        response = api.post(URL, {"prompt": "this", "duration_s": 2, "image": upload}, format="multipart")
        assert response.status_code == 400, response.json()
        assert response.json()["error"] == "invalid" and "image" in response.json()["fields"]
    assert api.post(URL, "{not json", content_type="application/json").status_code == 400
    assert not GenerationJob.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]
    assert submit(api, "a cat", remix_of=999_999).status_code == 404


def test_idempotency_key_returns_the_same_job(api, django_capture_on_commit_callbacks):
    first = submit(api, "a lighthouse in a storm", key="abc-123")
    again = submit(api, "a lighthouse in a storm", key="abc-123")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"] and GenerationJob.objects.count() == 1


@pytest.mark.parametrize(
    "changed",
    [{"prompt": "a lighthouse in the sun"}, {"duration_s": 3}, {"aspect": "16:9"}, {"seed": 7}, {"remix_of": 1}],
    ids=["prompt", "duration", "aspect", "seed", "remix"],
)
def test_an_idempotency_key_sent_with_a_different_request_is_a_422_and_queues_nothing(api, changed):
    first = submit(api, "a lighthouse in a storm", key="abc-123")
    other = api.post(
        URL,
        {"prompt": "a lighthouse in a storm", "duration_s": 2, **changed},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-123",
    )
    assert (first.status_code, other.status_code) == (202, 422)
    assert other.json()["error"] == "idempotency_key_reused"
    assert "different request" in other.json()["detail"]
    assert GenerationJob.objects.count() == 1
    assert submit(api, "a lighthouse in a storm", key="abc-123").json()["id"] == first.json()["id"]


def test_a_retry_with_the_same_image_gets_the_first_job_and_another_image_is_a_422(api):
    from tests.generation.test_upload_images import bomb

    def send(data: bytes):  # type: ignore[no-untyped-def]
        image = io.BytesIO(data)
        image.name = "x.png"
        body = {"prompt": "this place at dusk", "duration_s": 2, "image": image}
        return api.post(URL, body, format="multipart", HTTP_IDEMPOTENCY_KEY="img-1")

    first = send(bomb(200, 100))
    assert first.status_code == 202, first.json()
    again = send(bomb(200, 100))
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    assert send(bomb(100, 200)).status_code == 422
    assert GenerationJob.objects.count() == 1


def test_quotas_answer_429_with_when_to_retry(api, settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "CONCURRENT_JOBS": 1, "DAILY_JOBS": 2}
    assert submit(api, "a cat").status_code == 202  # queued (no worker in this test)
    busy = submit(api, "a dog")
    assert busy.status_code == 429 and int(busy["Retry-After"]) >= 1 and busy.json()["retry_after"] >= 1
    GenerationJob.objects.update(status="ready")
    assert submit(api, "a dog").status_code == 202
    GenerationJob.objects.update(status="ready")
    daily = submit(api, "a bird")
    assert daily.status_code == 429 and int(daily["Retry-After"]) > 80_000


def test_cancel_stops_a_queued_job_and_only_the_author_may(api, client_of, make_user):
    job_id = submit(api, "a cat").json()["id"]
    stranger = client_of(make_user("nosy"))
    assert stranger.post(f"{URL}/{job_id}/cancel").status_code == 404
    assert stranger.get(f"{URL}/{job_id}").status_code == 404
    cancelled = api.post(f"{URL}/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert pipeline.run(job_id) == "skipped"  # a worker picking it up later does nothing
    assert api.post(f"{URL}/{job_id}/cancel").status_code == 409
    assert api.post(f"{URL}/{job_id}/publish", {}, format="json").status_code == 409
    assert not Video.objects.exists()


def test_revoking_consent_while_queued_blocks_the_job(api, me, owner, django_capture_on_commit_callbacks):
    approve(owner, me)
    job_id = submit(api, "@astro.owner on a roller coaster").json()["id"]
    grant = CameoGrant.objects.get(grantee=me)
    with django_capture_on_commit_callbacks(execute=True):  # the cascade task runs after the commit
        cameos.grant_revoke(owner=owner, grant_id=grant.pk)
    job = api.get(f"{URL}/{job_id}").json()
    assert job["status"] == "blocked" and job["error"]["code"] == "consent_withdrawn"
    assert pipeline.run(job_id) == "skipped"
    assert not Video.objects.exists()


WITHDRAWN_SUBJECT = {
    "handle": "astro.owner",
    "source": "mention",
    "verdict": "refused",
    "reason": "consent_withdrawn",
    "detail": "This person no longer allows you.",
}


def test_a_job_the_cascade_blocks_shows_who_withdrew_and_keeps_the_others_allowed(
    api, me, owner, enroll, django_capture_on_commit_callbacks
):
    enroll(me, "hopper")
    approve(owner, me)
    job_id = submit(api, "@astro.owner and @me.myself on a roller coaster").json()["id"]
    before = api.get(f"{URL}/{job_id}").json()["subjects"]
    assert [(s["handle"], s["verdict"]) for s in before] == [("astro.owner", "allowed"), ("me.myself", "allowed")]

    with django_capture_on_commit_callbacks(execute=True):
        cameos.grant_revoke(owner=owner, grant_id=CameoGrant.objects.get(grantee=me).pk)

    job = api.get(f"{URL}/{job_id}").json()
    assert (job["status"], job["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert job["subjects"] == [WITHDRAWN_SUBJECT, before[1]]
    assert api.get(URL).json()["results"][0]["subjects"] == job["subjects"]


def test_a_job_blocked_because_someone_blocked_its_author_refuses_them_without_naming_them(
    api, me, owner, django_capture_on_commit_callbacks
):
    from accounts import services as accounts

    approve(owner, me)
    job_id = submit(api, "@astro.owner on a roller coaster").json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        accounts.block_create(blocker=owner, blocked=me)

    job = api.get(f"{URL}/{job_id}").json()
    assert (job["status"], job["error"]["code"]) == ("blocked", "consent_withdrawn")
    assert job["subjects"] == [{**WITHDRAWN_SUBJECT, "handle": None}]  # read as any withdrawal, named by no one
    assert job["cameos"] == []


def test_a_ready_draft_the_cascade_deletes_leaves_its_job_listing_everyone_it_showed_as_refused(
    api, me, owner, django_capture_on_commit_callbacks
):
    approve(owner, me)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = submit(api, "@astro.owner juggling").json()["id"]
    ready = api.get(f"{URL}/{job_id}").json()
    assert ready["status"] == "ready" and {s["verdict"] for s in ready["subjects"]} == {"allowed"}
    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=owner, audience="only_me")

    job = api.get(f"{URL}/{job_id}").json()
    assert job["status"] == "blocked"
    assert [(s["handle"], s["source"]) for s in job["subjects"]] == [
        (s["handle"], s["source"]) for s in ready["subjects"]
    ]
    assert {(s["verdict"], s["reason"]) for s in job["subjects"]} == {("refused", "consent_withdrawn")}


def test_revoking_consent_of_a_ready_draft_deletes_it_and_publish_is_refused(
    api, me, owner, django_capture_on_commit_callbacks
):
    approve(owner, me)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = submit(api, "@astro.owner juggling").json()["id"]
    video_id = api.get(f"{URL}/{job_id}").json()["video"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=owner, audience="only_me")
    assert not Video.objects.filter(pk=video_id).exists()
    assert api.get(f"{URL}/{job_id}").json()["status"] == "blocked"
    assert api.post(f"{URL}/{job_id}/publish", {}, format="json").status_code == 409


def test_a_restriction_added_after_the_render_stops_the_drafts_that_break_it(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    with django_capture_on_commit_callbacks(execute=True):
        beers = submit(api, "@ria chugging beers at a bar").json()["id"]
        hike = submit(api, "@ria hiking up a mountain at dawn").json()["id"]
    assert [api.get(f"{URL}/{j}").json()["status"] for j in (beers, hike)] == ["ready", "ready"]
    draft = api.get(f"{URL}/{beers}").json()["video"]["id"]

    with django_capture_on_commit_callbacks(execute=True):  # the recheck runs in the worker, after commit
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])

    job = api.get(f"{URL}/{beers}").json()
    assert job["status"] == "blocked" and job["error"]["code"] == "consent_withdrawn"
    assert {(s["verdict"], s["reason"]) for s in job["subjects"]} == {("refused", "restriction")}  # her rule
    assert not Video.objects.filter(pk=draft).exists()
    assert api.post(f"{URL}/{beers}/publish", {}, format="json").status_code == 409
    assert api.post(f"{URL}/{hike}/publish", {}, format="json").status_code == 200  # breaks no rule of hers


def test_a_draft_is_not_published_before_a_rule_added_since_its_check_is_read_by_meaning(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    """ "no drinking" is not in the words of "chugging beers": only the worker's check by meaning
    finds it. A publish before that check ran waits for it."""
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    with django_capture_on_commit_callbacks(execute=True):
        beers = submit(api, "@ria chugging beers at a bar").json()["id"]
        hike = submit(api, "@ria hiking up a mountain at dawn").json()["id"]
    with django_capture_on_commit_callbacks(execute=False) as recheck:  # queued, the worker not there yet
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
    assert recheck

    for job_id in (beers, hike):
        early = api.post(f"{URL}/{job_id}/publish", {}, format="json")
        assert early.status_code == 409 and early.json()["error"] == "rules_changed", early.json()
        assert api.get(f"{URL}/{job_id}").json()["status"] == "ready"

    for callback in recheck:  # the worker reads the rule by meaning
        callback()
    assert api.get(f"{URL}/{beers}").json()["status"] == "blocked"
    assert api.post(f"{URL}/{hike}/publish", {}, format="json").status_code == 200


def test_a_check_that_read_her_rules_before_the_new_one_committed_does_not_let_the_draft_through(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    with django_capture_on_commit_callbacks(execute=True):
        beers = submit(api, "@ria chugging beers at a bar").json()["id"]
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])
        # The worker checks the draft by meaning meanwhile, on the rules as committed: none yet.
        GenerationJob.objects.filter(pk=beers).update(rules_checked_at=timezone.now())
    eager, celery_app.conf.task_always_eager = celery_app.conf.task_always_eager, False
    try:  # committed, the recheck queued for a worker that has not taken it yet
        for callback in after_commit:
            callback()
    finally:
        celery_app.conf.task_always_eager = eager

    early = api.post(f"{URL}/{beers}/publish", {}, format="json")

    assert early.status_code == 409 and early.json()["error"] == "rules_changed", early.json()
    assert api.get(f"{URL}/{beers}").json()["status"] == "ready"


def test_a_restriction_added_after_the_render_stops_a_draft_made_from_a_photo_of_her(
    api, me, make_user, enroll, django_capture_on_commit_callbacks
):
    """She is in the draft only through the uploaded photo (deleted once the job is done)."""

    ria = make_user("ria")
    enroll(ria, "astronaut", audience="everyone")
    job_id = ready_from_photo_of_her(api, "@ria chugging beers at a bar", django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        cameos.cameo_update(owner=ria, restrictions=["no drinking"])

    assert api.get(f"{URL}/{job_id}").json()["status"] == "blocked"


@pytest.mark.django_db(transaction=True)
def test_revoking_consent_while_the_job_runs_ends_blocked_never_published(me, make_user, enroll, settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "STALE_SECONDS": 30}
    owner = make_user("astro.owner")
    enroll(owner, "astronaut", audience="approved")
    approve(owner, me)
    from config.celery import app as celery_app

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # queued on the broker, unconsumed: the thread below runs it
    try:
        job, _ = services.job_submit(author=me, prompt="@astro.owner dancing in the rain", duration_s=10)
    finally:
        celery_app.conf.task_always_eager = eager
    outcome: list[str] = []
    worker = threading.Thread(target=lambda: outcome.append(pipeline.run(str(job.pk))))
    worker.start()
    from tests.worker import wait_for

    wait_for(lambda: GenerationJob.objects.get(pk=job.pk).status == "running" or outcome, timeout=60, interval=0.02)
    assert not outcome, (outcome, GenerationJob.objects.get(pk=job.pk).error)
    cameos.grant_revoke(owner=owner, grant_id=CameoGrant.objects.get(grantee=me).pk)
    worker.join(timeout=120)
    job.refresh_from_db()
    assert job.status == "blocked" and outcome == ["blocked"]
    assert not Video.objects.exists()


def test_jobs_list_is_mine_only_newest_first(api, client_of, make_user):
    ids = [submit(api, f"a cat number {i}").json()["id"] for i in range(3)]
    submit(client_of(make_user("else")), "not mine")
    body = api.get(URL).json()
    assert [j["id"] for j in body["results"]] == ids[::-1]


def test_anonymous_callers_get_401(anon):
    assert anon.get(URL).status_code == 401
    assert anon.post(URL, {"prompt": "x", "duration_s": 2}, format="json").status_code == 401


def test_progress_moves_during_the_run(api, me, django_capture_on_commit_callbacks, monkeypatch, settings):
    settings.CASTFEED_GENERATION = {**settings.CASTFEED_GENERATION, "STALE_SECONDS": 1}  # beat every 0.25 s
    seen: list[int] = []
    real = services.job_heartbeat

    def spy(job_id, **kwargs):  # type: ignore[no-untyped-def]
        status = real(job_id, **kwargs)
        seen.append(GenerationJob.objects.get(pk=job_id).progress)
        return status

    monkeypatch.setattr(services, "job_heartbeat", spy)
    with django_capture_on_commit_callbacks(execute=True):
        submit(api, "a red balloon over a city", duration_s=4)
    assert len(set(seen)) >= 3 and seen == sorted(seen) and max(seen) >= 80
    assert np.all(np.diff(seen) >= 0)


def test_a_job_does_not_name_someone_who_blocked_its_author_since(api, me, make_user):
    from accounts import services as accounts

    ria = make_user("ria")
    job = GenerationJob.objects.create(
        author=me,
        prompt="@ria waves",
        duration_s=2,
        seed=1,
        status="failed",
        cameos=[{"user_id": ria.pk, "handle": "ria"}, {"user_id": me.pk, "handle": me.handle}],
    )
    assert api.get(f"{URL}/{job.pk}").json()["cameos"] == ["ria", me.handle]

    accounts.block_create(blocker=ria, blocked=me)

    assert api.get(f"{URL}/{job.pk}").json()["cameos"] == [me.handle]
    assert [j["cameos"] for j in api.get(URL).json()["results"]] == [[me.handle]]


def test_my_jobs_page_by_page(api, me):
    made = GenerationJob.objects.bulk_create(
        [GenerationJob(author=me, prompt=f"a cat {i}", duration_s=2, seed=i, status="failed") for i in range(3)]
    )
    seen, cursor = [], None
    for _ in range(3):
        response = api.get(URL, {"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.json()
        seen += [job["id"] for job in response.json()["results"]]
        cursor = response.json()["next"]
    assert sorted(seen) == sorted(str(job.pk) for job in made) and cursor is None


def test_a_job_names_its_cameos_by_their_handles_now_not_as_at_submit(api, me, make_user, activate_cameo):
    """Support renamed the person after the job was submitted, and someone else took the old handle:
    the job's cameos and consent decision show the person's new handle, never the stranger's."""
    ria = make_user("ria")
    activate_cameo(ria, audience="approved")
    approve(ria, me)
    job, _ = services.job_submit(author=me, prompt="@ria surfing at sunset", duration_s=2)
    body = api.get(f"{URL}/{job.pk}").json()
    assert body["cameos"] == ["ria"] and [s["handle"] for s in body["subjects"]] == ["ria"]

    ria.handle = "zed.sun"
    ria.save()  # as support's change form saves it
    make_user("ria")

    body = api.get(f"{URL}/{job.pk}").json()
    assert body["cameos"] == ["zed.sun"]
    assert [(s["handle"], s["verdict"]) for s in body["subjects"]] == [("zed.sun", "allowed")]  # who allowed me
    assert [j["cameos"] for j in api.get(URL).json()["results"]] == [["zed.sun"]]
