"""A face pressed into a few grey levels is still a face: a photo darkened to 0-8 of 255, washed out,
fogged, or only the face's part of it so, showed YuNet nobody, and the upload of a stranger's photo
was accepted, while every detail of the person is still in the pixels for a model that brightens the
scene ("the lights come on") and for anyone who turns the brightness up (found by a red team). The
worker's check, before anything is rendered, also looks at the image equalised
(cameos.likeness.faces.FLAT_CLIP), and refuses the face as any face of someone with no cameo: the job
is blocked and the photo deleted. The request path does not look (it costs more than its budget
has): such a submit is a 202, whose job the client sees blocked a moment later."""

from __future__ import annotations

import numpy as np
import pytest

from feed.models import Video
from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.generation.test_jobs import URL, jpeg_upload, stored_files

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def _squeezed(image: np.ndarray, low: int, high: int) -> np.ndarray:
    """The image's levels pressed into low..high."""
    return np.round(image.astype(np.float32) / 255 * (high - low) + low).astype(np.uint8)


def _stranger() -> np.ndarray:
    return faces.paste_faces(faces.scene((1080, 1920)), [("hopper", 540, 800)], 420)


def _faint(kind: str) -> np.ndarray:
    image = _stranger()
    if kind == "dark":
        return _squeezed(image, 0, 8)
    if kind == "washed_out":
        return _squeezed(image, 245, 255)
    if kind == "fog":
        return _squeezed(image, 128, 136)
    patch = image[500:1100, 250:830]  # only where the face is, in a photo bright everywhere else
    image[500:1100, 250:830] = _squeezed(patch, 0, 8)
    return image


def assert_blocked_before_rendering(api, capture, image: np.ndarray, prompt: str, aspect: str = "9:16") -> None:  # type: ignore[no-untyped-def]
    """The upload is taken (202), and the worker's check blocks its job as showing someone with no
    cameo before anything is rendered: no video, and the photo deleted."""
    with capture(execute=True):  # the worker runs in-process (eager)
        body = {"prompt": prompt, "duration_s": 2, "aspect": aspect, "image": jpeg_upload(image, "photo.jpg")}
        response = api.post(URL, body, format="multipart")
    assert response.status_code == 202, response.json()
    job = api.get(f"{URL}/{response.json()['id']}").json()
    assert (job["status"], job["error"]["code"] if job.get("error") else None) == ("blocked", "consent_required"), job
    refused = [(s["source"], s["reason"]) for s in job["subjects"] if s["verdict"] == "refused"]
    assert refused == [("reference_face", "unknown_face")]
    assert GenerationJob.objects.get().video_id is None and not Video.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]


@pytest.mark.parametrize("kind", ["dark", "washed_out", "fog", "dark_patch"])
def test_a_stranger_in_a_few_grey_levels_is_blocked_before_anything_is_rendered(
    api, me, kind, django_capture_on_commit_callbacks
):
    assert_blocked_before_rendering(api, django_capture_on_commit_callbacks, _faint(kind), "the lights come on")


@pytest.mark.parametrize("levels", [(0, 30), (170, 230)])
def test_a_stranger_cut_by_the_frame_in_a_few_grey_levels_is_blocked_before_anything_is_rendered(
    api, me, levels, django_capture_on_commit_callbacks
):
    # The astronaut's face, cut by a 16:9 video's top edge: equalised at any clip limit it showed YuNet
    # nobody, and the video was made of her (202, ready); with its levels stretched, she is found.
    faint = _squeezed(faces.photo("astronaut"), *levels)
    assert_blocked_before_rendering(api, django_capture_on_commit_callbacks, faint, "the lights come on", "16:9")


def assert_made_into_a_video(api, capture, image: np.ndarray, prompt: str) -> dict:  # type: ignore[no-untyped-def]
    """The upload is taken (202), and the worker's check, equalised and tilted views included, finds
    no one in it to refuse: the video is made. Its job's body, once ready."""
    with capture(execute=True):  # the worker runs in-process (eager)
        response = api.post(
            URL, {"prompt": prompt, "duration_s": 2, "image": jpeg_upload(image, "photo.jpg")}, format="multipart"
        )
    assert response.status_code == 202, response.json()
    job = api.get(f"{URL}/{response.json()['id']}").json()
    assert (job["status"], job["error"]) == ("ready", None), job
    assert not [s for s in job["subjects"] if s["verdict"] == "refused"]
    return job


@pytest.mark.usefixtures("c2pa_dev_dir")
@pytest.mark.parametrize("levels", [(0, 8), (245, 255), (128, 136)])
def test_a_photo_of_nobody_in_a_few_grey_levels_is_made_into_a_video(
    api, me, levels, django_capture_on_commit_callbacks
):
    # Before, this only asked the submit (202), which never looks at the equalised copy: the worker's
    # check, which does, could have blocked every night photo and the test still passed.
    night = _squeezed(faces.scene((1080, 1920)), *levels)
    assert_made_into_a_video(api, django_capture_on_commit_callbacks, night, "the lights come on")
