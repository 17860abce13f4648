"""Small real media files for the tests (the same real H.264 clips `manage.py seed` uses)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from feed.seed import sample_clip, sample_poster


@cache
def tiny_mp4() -> bytes:
    return sample_clip(0, width=64, height=112, frames=12)


@cache
def tiny_jpeg() -> bytes:
    return sample_poster(0, width=64, height=112)


def reencode_mp4(
    source: Path, path: Path, *, size: tuple[int, int], crf: int, fps: int = 24, caption: str = ""
) -> Path:
    """Decode `source` and encode it again as a re-upload would: another size, bitrate and frame rate
    (frames repeated or dropped), optionally with a caption stamped over it (outlined text, as apps
    stamp a handle)."""
    import av
    import cv2

    from generation.media.encode import encode_mp4

    with av.open(str(source)) as container:
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    frames = []
    for i in range(len(decoded) * fps // 24):
        frame = cv2.resize(decoded[i * 24 // fps], size, interpolation=cv2.INTER_AREA)
        if caption:
            w, h = size
            at, scale = (w // 20, h - h // 15), w / 480
            for colour, thickness in (((0, 0, 0), 6), ((255, 255, 255), 2)):
                cv2.putText(frame, caption, at, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness)
        frames.append(frame)
    encode_mp4(frames, path, fps=fps, crf=crf)
    return path


def rendered(**overrides: Any) -> dict[str, Any]:
    """What the worker hands generation.services.job_finish for a tiny real clip that shows no one."""
    return {
        "media": tiny_mp4(),
        "poster": tiny_jpeg(),
        "duration_ms": 1000,
        "width": 64,
        "height": 64,
        "tagged": [],
        "detected": {},
        "faces": [],
        "decision": {},
        "timings": {},
    } | overrides
