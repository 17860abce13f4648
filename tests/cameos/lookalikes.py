"""Look-alikes made of real faces, for the tests of "videos of me" (docs/videos-of-me.md § Possible
matches): DCGAN faces of nobody (tests/gan_faces.py) rendered through the composite backend and
re-detected by the output scan's own sampling and tracking, as benchmarks/false_match.py does.

Measured (576×1024, 2 s, tracks of 8 sampled frames): seed 491's track scores 0.92 against its own
template and 0.57 against seed 354's, a different face that happens to look like it: above the
tagging threshold (MATCH_THRESHOLD 0.5), below the bar that reveals a video (0.80 published, 0.82
draft). So seed 354 is the look-alike of seed 491.
"""

from __future__ import annotations

import tempfile
from functools import cache

import numpy as np

from tests import gan_faces

FACE = 491  # the face in the stranger's video
LOOKALIKE = 354  # a different face that scores ~0.57 against FACE's track


@cache
def track(seed: int, seconds: float = 2.0) -> tuple[np.ndarray, int]:
    """(template, sampled frames) of the longest face track the output scan finds in a clip of `seed`'s
    face rendered by the composite backend (576×1024, `seconds` long)."""
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks
    from cameos.likeness.video import sample_frames
    from generation.backends.base import CameoRef, RenderRequest
    from generation.backends.composite import CompositeBackend
    from generation.media.encode import encode_mp4

    request = RenderRequest(
        prompt="walking down a city street",
        cameos=[CameoRef(handle="", instructions="", crops=[gan_faces.reference_crop(seed)])],
        image=None,
        duration_s=seconds,
        width=576,
        height=1024,
        fps=8,
        seed=3,
    )
    frames = list(CompositeBackend().render(request, lambda _: None))
    with tempfile.NamedTemporaryFile(suffix=".mp4") as clip:
        encode_mp4(frames, clip.name, fps=8)
        tracks = face_tracks(sample_frames(clip.name, fps=4.0, max_side=640), engine=engine())
    best = max(tracks, key=lambda t: t.frames)
    return best.template, best.frames


def template(seed: int) -> np.ndarray:
    """The enrollment-like template of `seed`'s face (its photo)."""
    return gan_faces.template(seed)


def twin(seed: int) -> np.ndarray:
    """The template of `seed`'s face seen in a mirror: the same face, as an identical twin's would be."""
    from cameos.likeness.faces import engine

    image = np.ascontiguousarray(gan_faces.face(seed)[:, ::-1])
    found = engine().detect(image)
    return engine().embed([engine().align(image, found[0])])[0]
