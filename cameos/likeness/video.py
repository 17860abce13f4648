"""Reading videos with PyAV: probe what a file is, and sample frames without converting them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

ACCEPTED_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}


class UnreadableVideo(ValueError):
    """The file is not a video we can decode."""


@dataclass(frozen=True)
class Probe:
    container: str  # "mp4" (MP4 or MOV) or "webm"
    duration_s: float
    width: int
    height: int
    frames_decoded: int


@dataclass(frozen=True)
class Frame:
    t: float  # seconds from the start
    image: np.ndarray  # BGR


def _rotation(frame: av.VideoFrame) -> int:
    """Degrees of the display matrix (phones store portrait video sideways with a rotation)."""
    return round(getattr(frame, "rotation", 0) or 0) % 360


def probe(path: str | Path, *, decode_frames: int = 3) -> Probe:
    """What the file really is, decoding its first frames (a header alone proves nothing)."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            kind = ACCEPTED_CONTAINERS.get(container.format.name)
            if kind is None:
                raise UnreadableVideo(f"unsupported container {container.format.name}")
            if not container.streams.video:
                raise UnreadableVideo("no video stream")
            stream = container.streams.video[0]
            duration = float(container.duration / av.time_base) if container.duration else 0.0
            if not duration and stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            decoded, width, height = 0, stream.codec_context.width, stream.codec_context.height
            for frame in container.decode(stream):
                width, height = (
                    (frame.height, frame.width) if _rotation(frame) in (90, 270) else (frame.width, frame.height)
                )
                decoded += 1
                if decoded >= decode_frames:
                    break
    except UnreadableVideo:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise UnreadableVideo(str(exc)) from exc
    if decoded == 0:
        raise UnreadableVideo("no frame could be decoded")
    return Probe(container=kind, duration_s=duration, width=width, height=height, frames_decoded=decoded)


def sample_frames(path: str | Path, *, fps: float = 8.0, max_side: int = 640) -> list[Frame]:
    """Frames at about `fps` per second, scaled so their long side is at most `max_side`. Every
    frame is decoded (that is cheap), but only the kept ones are scaled and converted."""
    frames: list[Frame] = []
    next_t = 0.0
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            base = stream.time_base or 1
            start = stream.start_time * base if stream.start_time is not None else 0
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * base - start)
                if t + 1e-6 < next_t:
                    continue
                next_t = t + 1.0 / fps
                scale = min(1.0, max_side / max(frame.width, frame.height))
                width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
                image: np.ndarray = frame.to_ndarray(  # type: ignore[assignment]
                    format="bgr24", width=width, height=height
                )
                rotation = _rotation(frame)
                if rotation:
                    image = np.ascontiguousarray(np.rot90(image, k=rotation // 90))
                frames.append(Frame(t=t, image=image))
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise UnreadableVideo(str(exc)) from exc
    if not frames:
        raise UnreadableVideo("no frame could be decoded")
    return frames
