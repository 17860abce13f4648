import tempfile
from functools import cache

import numpy as np
import pytest

from tests import synthetic_faces as faces


@cache
def video_tracks(names: tuple[str, ...]) -> list[np.ndarray]:
    """The face-track templates the output scan finds in a clip of these people (computed once; real
    detection, alignment, embedding and tracking on a real encoded video)."""
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks
    from cameos.likeness.video import sample_frames

    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(faces.cameo_video(list(names), seconds=1.0, fps=12))
        handle.flush()
        frames = sample_frames(handle.name, fps=4, max_side=640)
    return [t.template for t in face_tracks(frames, engine=engine())]


@cache
def photo_of(names: tuple[str, ...]) -> np.ndarray:
    return faces.group_photo(list(names), size=(960, 540))


@pytest.fixture
def registry(db):  # type: ignore[no-untyped-def]
    from moderation.models import ProtectedPerson
    from moderation.registry import person_upsert

    def add(name: str, *aliases: str, kind: str = ProtectedPerson.Kind.PUBLIC_FIGURE, **more) -> ProtectedPerson:  # type: ignore[no-untyped-def]
        return person_upsert(name=name, aliases=aliases, kind=kind, **more)[0]

    return add
