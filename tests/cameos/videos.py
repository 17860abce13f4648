"""Enrollment videos for the tests, made once per session (smaller than a phone's, same shape)."""

from __future__ import annotations

from functools import cache

from tests import synthetic_faces as faces

SIZE = (360, 640)  # portrait, the face about 120 px wide: what the check sees after scaling
STEPS = ("center", "turn_left", "look_up", "turn_right")


@cache
def video(steps: tuple[str, ...] = STEPS, **variant: object) -> bytes:
    return faces.enrollment_video(list(steps), size=SIZE, fps=10, **variant)  # type: ignore[arg-type]


@cache
def no_face() -> bytes:
    return faces.scene_video(seconds=3, fps=10, size=SIZE)
