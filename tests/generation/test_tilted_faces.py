"""A face tilted half-way between two quarter turns is checked: YuNet finds a face tilted up to about
30° either way, and the gate looked at an upload upright and turned by quarters only, so Grace
Hopper's face tilted 45° (a head on a pillow, a camera held askew) was in none of those views, and a
stranger's photo was accepted as showing nobody (found by a red team). The worker's check, before
anything is rendered, also looks at the image turned an eighth (cameos.likeness.faces.TILTED), and
refuses the face as any face of someone with no cameo: the job is blocked and the photo deleted."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests import synthetic_faces as faces
from tests.generation.test_faint_faces import assert_blocked_before_rendering, assert_made_into_a_video

pytestmark = [pytest.mark.django_db, pytest.mark.media]


def _stranger_tilted(degrees: float) -> np.ndarray:
    patch = faces.face_patch("hopper", 420)
    height, width = patch.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    tilted = cv2.warpAffine(patch, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros((height, width), np.uint8)
    cv2.circle(mask, (width // 2, height // 2), int(min(width, height) * 0.45), 255, -1)
    return cv2.seamlessClone(tilted, faces.scene((1080, 1920)), mask, (540, 900), cv2.NORMAL_CLONE)


@pytest.mark.parametrize("degrees", [45, 135, 230])
def test_a_stranger_tilted_between_quarter_turns_is_blocked_before_anything_is_rendered(
    api, me, degrees, django_capture_on_commit_callbacks
):
    assert_blocked_before_rendering(
        api, django_capture_on_commit_callbacks, _stranger_tilted(degrees), "this, animated"
    )


@pytest.mark.usefixtures("c2pa_dev_dir")
@pytest.mark.parametrize("degrees", [45, 135])
def test_a_photo_of_nobody_tilted_an_eighth_is_made_into_a_video(api, me, degrees, django_capture_on_commit_callbacks):
    # A camera held askew over a table: the worker's tilted views find no one in it to refuse.
    scene = faces.scene((1080, 1920))
    turn = cv2.getRotationMatrix2D((540, 960), degrees, 1.0)
    askew = cv2.warpAffine(scene, turn, (1080, 1920), borderMode=cv2.BORDER_REFLECT)
    assert_made_into_a_video(api, django_capture_on_commit_callbacks, askew, "the table, animated")
