"""vPDQ fingerprints of real MP4s (generation.media.fingerprint, feed.fingerprints): re-encodes,
resizes, other frame rates and a stamped caption keep a clip a copy of it; other clips, the same scene
from another seed and the same scene with another person's face are not. (PDQ does not survive crops or
an opaque logo on these smooth synthetic scenes: benchmarks/copies.py measures that.)"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from feed.fingerprints import FORMAT, CopyIndex, Fingerprint
from generation.backends.base import CameoRef, RenderRequest
from generation.backends.composite import CompositeBackend
from generation.media.encode import encode_mp4
from generation.media.fingerprint import fingerprint_mp4, is_copy, shares
from generation.media.watermark import watermark
from tests import synthetic_faces as faces
from tests.media import reencode_mp4

pytestmark = [pytest.mark.slow, pytest.mark.media]  # renders and re-encodes full-size clips

SIZE = (576, 1024)


def render(path: Path, prompt: str, *, seed: int = 7, seconds: float = 3, handle: str = "alice", people=()) -> Path:  # type: ignore[no-untyped-def]
    """A clip as the pipeline makes it: the composite backend, the visible watermark, H.264."""
    cameos = [CameoRef(handle=f"p{i}", instructions="", crops=[faces.face_patch(n, 224)]) for i, n in enumerate(people)]
    request = RenderRequest(
        prompt=prompt, cameos=cameos, image=None, duration_s=seconds, width=SIZE[0], height=SIZE[1], fps=24, seed=seed
    )
    frames = CompositeBackend().render(request, lambda _: None)
    encode_mp4((watermark(f, i, 24, handle) for i, f in enumerate(frames)), path, fps=24)
    return path


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[str, Fingerprint]:  # type: ignore[no-untyped-def]
    """Fingerprints of a clip, its copies and other clips (made once for the module)."""
    base = tmp_path_factory.mktemp("clips")
    original = render(base / "original.mp4", "surfing at sunset on the beach")
    paths = {
        "original": original,
        "by_someone_else": render(base / "b.mp4", "surfing at sunset on the beach", handle="bob"),
        "smaller_worse": reencode_mp4(original, base / "small.mp4", size=(288, 512), crf=35),
        "other_fps": reencode_mp4(original, base / "fps.mp4", size=(432, 768), crf=30, fps=30),
        "overlay": reencode_mp4(original, base / "overlay.mp4", size=SIZE, crf=28, caption="@reuploader"),
        "other_seed": render(base / "seed.mp4", "surfing at sunset on the beach", seed=8),
        "other_prompt": render(base / "club.mp4", "dancing in a neon club at night"),
        "forest": render(base / "forest.mp4", "walking in a forest, overcast"),
    }
    return {name: fingerprint_mp4(path) for name, path in paths.items()}


def test_a_fingerprint_is_a_few_frame_hashes_that_survive_storage(clips):  # type: ignore[no-untyped-def]
    fingerprint = clips["original"]
    assert len(fingerprint) == 6  # one hash every 0.5 s of a 3 s clip
    assert fingerprint.hashes.shape == (6, 32) and (fingerprint.quality >= 50).all()
    stored = fingerprint.to_bytes()
    assert len(stored) == 1 + 6 * 33 and stored[0] == FORMAT
    back = Fingerprint.from_bytes(memoryview(stored))
    assert np.array_equal(back.hashes, fingerprint.hashes) and np.array_equal(back.quality, fingerprint.quality)
    assert is_copy(back, fingerprint) and shares(back, fingerprint) == (1.0, 1.0)
    for garbage in (b"", b"\x00" + stored[1:], stored[:-1]):
        with pytest.raises(ValueError):
            Fingerprint.from_bytes(garbage)


@pytest.mark.parametrize("name", ["by_someone_else", "smaller_worse", "other_fps", "overlay"])
def test_re_encodes_resizes_and_overlays_are_copies_both_ways(clips, name):  # type: ignore[no-untyped-def]
    assert is_copy(clips[name], clips["original"])
    assert is_copy(clips["original"], clips[name])


@pytest.mark.parametrize("name", ["other_seed", "other_prompt", "forest"])
def test_other_clips_are_not_copies(clips, name):  # type: ignore[no-untyped-def]
    assert shares(clips[name], clips["original"]) == (0.0, 0.0)
    assert not is_copy(clips[name], clips["original"])


def test_the_same_scene_with_another_persons_face_is_not_a_copy(tmp_path):  # type: ignore[no-untyped-def]
    prompt = "@p0 surfing at sunset on the beach"
    one = fingerprint_mp4(render(tmp_path / "a.mp4", prompt, seconds=2, people=["astronaut"]))
    two = fingerprint_mp4(render(tmp_path / "b.mp4", prompt, seconds=2, people=["hopper"]))
    assert not is_copy(two, one)


def test_a_clip_that_is_too_short_a_part_of_the_other_is_not_a_copy(clips):  # type: ignore[no-untyped-def]
    original = clips["original"]
    first = Fingerprint(original.hashes[:2], original.quality[:2])  # a third of it
    assert shares(first, original) == (1.0, pytest.approx(1 / 3))
    assert not is_copy(first, original)
    half = Fingerprint(original.hashes[:3], original.quality[:3])
    assert is_copy(half, original)


def test_flat_frames_are_never_compared(clips):  # type: ignore[no-untyped-def]
    original = clips["original"]
    flat = Fingerprint(original.hashes, np.full(len(original), 10, np.uint8))
    assert shares(flat, original) == (0.0, 0.0) and not is_copy(flat, original)


def test_the_index_finds_the_removed_video_a_clip_copies(clips):  # type: ignore[no-untyped-def]
    stored = [(11, clips["other_prompt"]), (12, clips["original"]), (13, clips["forest"])]
    index = CopyIndex([(key, fingerprint.to_bytes()) for key, fingerprint in stored])
    assert len(index) == 3 and index.frames == 18
    assert index.find(clips["smaller_worse"]) == 12
    assert index.find(clips["overlay"]) == 12
    assert index.find(clips["other_seed"]) is None
    assert CopyIndex([]).find(clips["original"]) is None
    with pytest.raises(ValueError):
        CopyIndex([(14, b"\x01" + bytes(32))])


def test_a_file_that_is_no_video_cannot_be_fingerprinted(tmp_path):  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    with pytest.raises(ValueError):
        fingerprint_mp4(junk)
    with pytest.raises(ValueError):
        fingerprint_mp4(tmp_path / "missing.mp4")
