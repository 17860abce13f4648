"""A face tilted half-way between two quarter turns is checked: YuNet finds a face tilted up to about
30° either way, and the gate looked at an upload upright and turned by quarters only, so Grace
Hopper's face tilted 45° (a head on a pillow, a camera held askew) was in none of those views, and a
stranger's photo was accepted as showing nobody (found by a red team). The gate also looks at the image
turned an eighth (cameos.likeness.faces.TILTED), and refuses the face as any face of someone with no cameo."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from generation.models import GenerationJob
from tests import synthetic_faces as faces
from tests.generation.test_jobs import URL, jpeg_upload, stored_files

pytestmark = pytest.mark.django_db


def _stranger_tilted(degrees: float) -> np.ndarray:
    patch = faces.face_patch("hopper", 420)
    height, width = patch.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    tilted = cv2.warpAffine(patch, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((height, width), np.uint8)
    cv2.circle(mask, (width // 2, height // 2), int(min(width, height) * 0.45), 255, -1)
    return cv2.seamlessClone(tilted, faces.scene((1080, 1920)), mask, (540, 900), cv2.NORMAL_CLONE)


@pytest.mark.parametrize("degrees", [45, 135, 230])
def test_a_stranger_tilted_between_quarter_turns_is_refused_and_nothing_is_stored(api, me, degrees):
    upload = jpeg_upload(_stranger_tilted(degrees), "tilted.jpg")
    response = api.post(URL, {"prompt": "this, animated", "duration_s": 2, "image": upload}, format="multipart")
    assert response.status_code == 403, response.json()
    assert response.json()["error"] == "consent_required"
    assert [(s["source"], s["reason"]) for s in response.json()["subjects"]] == [("reference_face", "unknown_face")]
    assert not GenerationJob.objects.exists()
    assert not [p for p in stored_files() if "generation" in p.parts]
