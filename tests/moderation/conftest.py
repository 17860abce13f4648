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


@pytest.fixture
def refused_as_protected(api):  # type: ignore[no-untyped-def]
    """Submits a prompt and asserts the gate refused it for naming this protected person alone (403
    `protected_person`, the name in the detail) and no job was stored."""
    from generation.models import GenerationJob

    def submit(prompt: str, name: str):  # type: ignore[no-untyped-def]
        answer = api.post("/api/v1/generations", {"prompt": prompt, "duration_s": 2}, format="json")
        assert answer.status_code == 403, answer.json()
        assert [(s["source"], s["reason"]) for s in answer.json()["subjects"]] == [("name", "protected_person")]
        assert name in answer.json()["detail"]
        assert not GenerationJob.objects.exists()
        return answer

    return submit
