"""Frames → H.264 MP4 (DESIGN.md §6), streamed through PyAV's libx264.

The file plays in every browser: H.264 High profile, yuv420p, BT.709 colour tags, and the moov atom
moved to the front (`+faststart`) so playback starts while the file is still downloading. Frames go to
the encoder as they arrive; only the poster frame is kept.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sized
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# BT.709 in the stream's colour tags (AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709) and in the
# RGB→YUV matrix, so players don't have to guess which of BT.601 and BT.709 the pixels use.
_BT709 = 1


@dataclass(frozen=True, eq=False)  # eq=False: comparing the poster arrays with == is ambiguous
class Encoded:
    """What was written: frame count, duration (frames / fps), size, and a copy of the frame at
    `keep_frame_at` of the clip (BGR uint8) for the poster."""

    frames: int
    duration_ms: int
    width: int
    height: int
    poster_frame: np.ndarray


def poster_index(frame_count: int, keep_frame_at: float) -> int:
    """Index of the frame at fraction `keep_frame_at` (0–1) of a clip of `frame_count` frames."""
    return min(frame_count - 1, max(0, int(frame_count * keep_frame_at)))


def encode_mp4(
    frames: Iterable[np.ndarray],
    path: str | Path,
    *,
    fps: int,
    preset: str = "veryfast",
    crf: int = 23,
    keep_frame_at: float = 1 / 3,
    frame_count: int | None = None,
) -> Encoded:
    """Encode BGR uint8 frames (all H×W×3 of the same even size) into an H.264 MP4 at `path`.

    Frames are streamed: one is converted and handed to libx264 at a time. The output holds exactly
    the frames given, one every 1/fps s (duration = frames / fps). `frame_count`, when known (a
    RenderRequest's frame_count), lets the poster frame be copied as it streams by; without it (or if
    it turns out wrong) and with a non-sized iterable, the poster frame is decoded back from the file.

    Raises ValueError for no frames, a frame that is not H×W×3 uint8, odd sizes, or sizes that change.
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if frame_count is None and isinstance(frames, Sized):
        frame_count = len(frames)
    wanted = poster_index(frame_count, keep_frame_at) if frame_count else None

    path = Path(path)
    it = iter(frames)
    first = next(it, None)
    if first is None:
        raise ValueError("no frames to encode")
    height, width = _check_first(first)
    poster: np.ndarray | None = None
    count = 0
    try:
        with av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = _add_stream(container, width=width, height=height, fps=fps, preset=preset, crf=crf)
            for frame in itertools.chain((first,), it):
                if frame.shape != (height, width, 3) or frame.dtype != np.uint8:
                    raise ValueError(f"frame {count} is {frame.shape} {frame.dtype}, the first was {first.shape}")
                if count == wanted:
                    poster = frame.copy()
                video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="bgr24")
                video_frame = video_frame.reformat(format="yuv420p", dst_colorspace=_BT709)
                video_frame.pts = count
                container.mux(stream.encode(video_frame))
                count += 1
            container.mux(stream.encode(None))
    except BaseException:
        path.unlink(missing_ok=True)  # never leave a half-written file behind
        raise

    if poster is None or count != frame_count:
        poster = _decode_frame(path, poster_index(count, keep_frame_at))
    return Encoded(
        frames=count,
        duration_ms=round(count * 1000 / fps),
        width=width,
        height=height,
        poster_frame=poster,
    )


def _check_first(frame: np.ndarray) -> tuple[int, int]:
    """(height, width) of the first frame, which sets the video's size; it must be even (4:2:0)."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected H×W×3 uint8 BGR frames, got {frame.shape} {frame.dtype}")
    height, width = frame.shape[:2]
    if width % 2 or height % 2 or width < 2 or height < 2:
        raise ValueError(f"frame size must be even for H.264 4:2:0, got {width}×{height}")
    return height, width


def _add_stream(
    container: av.container.OutputContainer, *, width: int, height: int, fps: int, preset: str, crf: int
) -> av.VideoStream:
    stream = container.add_stream("libx264", rate=fps)
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    stream.time_base = Fraction(1, fps)
    stream.options = {"preset": preset, "crf": str(crf), "profile": "high"}
    context = stream.codec_context
    context.color_primaries = _BT709
    context.color_trc = _BT709
    context.colorspace = _BT709
    return stream


def _decode_frame(path: Path, index: int) -> np.ndarray:
    """Decode frame `index` of the file as BGR (used for the poster when the count was not known)."""
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="bgr24")
    raise ValueError(f"{path} has no frame {index}")
