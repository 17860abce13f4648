"""A face pressed into a few grey levels is still a face: a photo darkened to 0-8 of 255, washed out,
fogged, or only the face's part of it so, showed YuNet nobody, and the upload of a stranger's photo
was accepted, while every detail of the person is still in the pixels for a model that brightens the
scene ("the lights come on") and for anyone who turns the brightness up (found by a red team). The
gate also looks at the image equalised (cameos.likeness.faces.FLAT_CLIP), and refuses the face as
any face of someone with no cameo."""

from __future__ import annotations

import numpy as np
import pytest

from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.generation.test_jobs import URL, jpeg_upload, stored_files

pytestmark = pytest.mark.django_db


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


@pytest.mark.parametrize("kind", ["dark", "washed_out", "fog", "dark_patch"])
def test_a_stranger_in_a_few_grey_levels_is_refused_and_nothing_is_stored(api, me, kind):
    upload = jpeg_upload(_faint(kind), "faint.jpg")
    response = api.post(URL, {"prompt": "the lights come on", "duration_s": 2, "image": upload}, format="multipart")
    assert response.status_code == 403, response.json()
    assert response.json()["error"] == "consent_required"
    assert [(s["source"], s["reason"]) for s in response.json()["subjects"]] == [("reference_face", "unknown_face")]
    assert not GenerationJob.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]


def test_a_photo_of_nobody_in_a_few_grey_levels_is_still_accepted(api, me):
    upload = jpeg_upload(_squeezed(faces.scene((1080, 1920)), 0, 8), "night.jpg")
    response = api.post(URL, {"prompt": "the lights come on", "duration_s": 2, "image": upload}, format="multipart")
    assert response.status_code == 202, response.json()
