"""Reading videos with PyAV: read what a file claims from its headers, check a few frames, and sample
frames without converting them all, always under caps (an upload is hostile until decoded safely)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ACCEPTED_CONTAINERS = {"mov,mp4,m4a,3gp,3g2,mj2": "mp4", "matroska,webm": "webm"}
# What phones (MP4/MOV: H.264, HEVC) and browsers' MediaRecorder (WebM: VP8, VP9, AV1; MP4: H.264) send.
ACCEPTED_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1"})


class UnreadableVideo(ValueError):
    """The file is not a video we can decode."""


class VideoOverCap(UnreadableVideo):
    """The file is over one of the caps (`code`: video_too_large, video_too_long, video_too_slow)."""

    def __init__(self, message: str, *, code: str = "video_too_large") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Caps:
    """What a decode of an uploaded video may cost: the long side of every frame, the frames decoded,
    the seconds of video and the wall-clock seconds spent decoding."""

    max_side: int = 1920
    max_frames: int = 1000
    max_seconds: float = 15.0
    decode_seconds: float = 60.0
    codecs: frozenset[str] = ACCEPTED_CODECS

    @property
    def max_pixels(self) -> int:
        """FFmpeg's `max_pixels`: the decoder refuses to allocate a bigger frame (the long side
        squared, plus the decoders' row alignment)."""
        return (self.max_side + 64) ** 2

    def options(self) -> dict[str, str]:
        return {"max_pixels": str(self.max_pixels)}


@dataclass(frozen=True, kw_only=True)
class _Clip:
    container: str  # "mp4" (MP4 or MOV) or "webm"
    duration_s: float
    width: int
    height: int


@dataclass(frozen=True, kw_only=True)
class Header(_Clip):
    """What the container's headers claim, read without decoding a frame."""

    codec: str
    frames: int  # the container's count (or its packets'), else duration × average rate; 0 when unknown


@dataclass(frozen=True, kw_only=True)
class Probe(_Clip):
    frames_decoded: int


@dataclass(frozen=True)
class Frame:
    t: float  # seconds from the start
    image: np.ndarray  # BGR
    # Sampled besides the regular grid of `fps` a second (a frame either side of a cut, or past
    # Cuts' cap): looked at like any other, but not counted as one where a face's time on screen
    # matters (Track.frames, the reveal gate: measured on the grid alone).
    extra: bool = False


def _rotation(frame: av.VideoFrame) -> int:
    """Degrees of the display matrix (phones store portrait video sideways with a rotation)."""
    return round(getattr(frame, "rotation", 0) or 0) % 360


def _open(path: str | Path, caps: Caps) -> av.container.InputContainer:
    # `options` reach avformat_find_stream_info too, which decodes a frame of some files to learn
    # their format: with max_pixels it cannot allocate a huge one (a 16000×16000 frame: 0.6 GB).
    return av.open(str(path), metadata_errors="ignore", options=caps.options())


def _packet_length(container: av.container.InputContainer, stream: av.VideoStream, caps: Caps) -> tuple[float, int]:
    """Seconds and frames of a video whose headers give no duration (a WebM recorded live: a phone's
    or a browser's MediaRecorder writes no Duration element), from its packets' timestamps: the end of
    the last one, nothing decoded. The read stops at the packet past `caps.max_frames` (a 20 MB file of
    tiny packets holds some 800,000): a file that long is refused anyway, with its length so far. The
    other streams' packets are skipped inside FFmpeg (20 MB of tiny ones: 0.3 s, not 1.1 s)."""
    for other in container.streams:
        if other.index != stream.index:
            other.discard = av.stream.Discard.all
    base = stream.time_base or Fraction(1, 1000)
    start = stream.start_time or 0
    # Chrome's blocks carry no duration: the last one then lasts one frame at the average rate.
    frame = float(1 / stream.average_rate) if stream.average_rate else 0.0
    end, frames = 0.0, 0
    for packet in container.demux(stream):
        if packet.pts is None:  # the demuxer's empty packet at the end
            continue
        frames += 1
        lasts = float(packet.duration * base) if packet.duration else frame
        end = max(end, float((packet.pts - start) * base) + lasts)
        if frames > caps.max_frames:
            break
    return end, frames


def read_header(path: str | Path, *, caps: Caps | None = None) -> Header:
    """Container, codec, duration, size and frame count from the headers (where they give no
    duration, from the packets' timestamps: _packet_length), no frame decoded; UnreadableVideo if
    the file is not an accepted container with a video stream of an accepted codec."""
    caps = caps or Caps()
    try:
        with _open(path, caps) as container:
            kind = ACCEPTED_CONTAINERS.get(container.format.name)
            if kind is None:
                raise UnreadableVideo(f"unsupported container {container.format.name}")
            if not container.streams.video:
                raise UnreadableVideo("no video stream")
            stream = container.streams.video[0]
            context = stream.codec_context
            codec = context.codec.canonical_name if context is not None else "?"  # libdav1d → av1
            if codec not in caps.codecs:
                raise UnreadableVideo(f"unsupported codec {codec}")
            # The video's own duration first: the container's is its longest stream's, so a moment of
            # picture under seconds of sound read as seconds. A WebM often gives only the container's.
            duration = float(stream.duration * stream.time_base) if stream.duration and stream.time_base else 0.0
            if not duration and container.duration:
                duration = float(container.duration / av.time_base)
            frames = int(stream.frames or 0)
            if not duration:
                duration, frames = _packet_length(container, stream, caps)
            width = max(context.width, getattr(context, "coded_width", 0) or 0)
            height = max(context.height, getattr(context, "coded_height", 0) or 0)
            if not width or not height:
                # FFmpeg zeroes the size when opening the decoder refused it (over max_pixels).
                raise VideoOverCap("a size over the pixel cap, or none")
            if not frames and duration and stream.average_rate:
                frames = math.ceil(duration * float(stream.average_rate))
            return Header(container=kind, codec=codec, duration_s=duration, width=width, height=height, frames=frames)
    except UnreadableVideo:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise UnreadableVideo(str(exc)) from exc


def _check_frame(frame: av.VideoFrame, decoded: int, deadline: float, caps: Caps) -> None:
    if max(frame.width, frame.height) > caps.max_side:
        raise VideoOverCap(f"a frame of {frame.width}×{frame.height} (at most {caps.max_side} on its long side)")
    if decoded > caps.max_frames:
        raise VideoOverCap(f"more than {caps.max_frames} frames")
    if time.monotonic() > deadline:
        raise VideoOverCap(f"not decoded within {caps.decode_seconds:g} s", code="video_too_slow")


def _decode_error(exc: Exception) -> UnreadableVideo:
    # EINVAL from the decoder (avcodec_open2 / avcodec_send_packet): a frame over max_pixels. A
    # corrupt stream gives AVERROR_INVALIDDATA instead.
    if isinstance(exc, av.error.ArgumentError):
        return VideoOverCap(f"a frame over the pixel cap: {exc}")
    return UnreadableVideo(str(exc))


def probe(path: str | Path, *, caps: Caps | None = None, decode_frames: int = 3) -> Probe:
    """What the file really is: its headers (read_header), then its first frames decoded under the
    caps (a header alone proves nothing). The caller checks the header before calling this."""
    caps = caps or Caps()
    header = read_header(path, caps=caps)
    deadline = time.monotonic() + caps.decode_seconds
    decoded, width, height = 0, header.width, header.height
    try:
        with _open(path, caps) as container:
            stream = container.streams.video[0]
            stream.codec_context.options = caps.options()
            for frame in container.decode(stream):
                decoded += 1
                _check_frame(frame, decoded, deadline, caps)
                width, height = (
                    (frame.height, frame.width) if _rotation(frame) in (90, 270) else (frame.width, frame.height)
                )
                if decoded >= decode_frames:
                    break
    except UnreadableVideo:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise _decode_error(exc) from exc
    if decoded == 0:
        raise UnreadableVideo("no frame could be decoded")
    return Probe(
        container=header.container, duration_s=header.duration_s, width=width, height=height, frames_decoded=decoded
    )


@dataclass(frozen=True)
class Cuts:
    """Where the picture changes at once (a cut), the frames on either side of it are sampled too:
    the first frame of the new shot, and the last of the one before. A shot shorter than the
    sampling interval (a face flashed for five frames at 24 fps between two shots, 0.2 s, under the
    output scan's 0.25 s) then has its first and last frames looked at; before, it fell between two
    samples. Each decoded frame is compared as a 32×32 grey thumbnail with the one before (a cell
    changed: by more than `changed` grey levels; a cut: at least `share` of the cells changed, however
    the picture is moved by up to `shift` cells, or even so once moved back where the picture was
    still the two frames before; a steady clip's faces, backdrop and watermark moving change none,
    and a camera pan is one cut where it starts). A part of the picture changed at once (at least
    `local_share` of the cells, under `share`) in cells that were calm the two frames before is a cut
    too: a face popping in or out of a still shot, as large as a third of its width (a face 106 px
    wide at 320 changes 20 cells of 1,024; a tenth is 103), was no cut and went unseen between two
    samples, as it did beside a small part that kept changing (a flickering screen in a corner);
    motion going on there (a dancer's limbs) costs one where it starts. At most `max_per_s` frames are
    added in a second of video; past that (a montage, noise) the rest of that second is sampled at
    `past_cap_fps` (the ordinary samples among them) instead of at its cuts: never fewer frames than
    the ordinary samples, and never unbounded (at most about fps + max_per_s + past_cap_fps a second)."""

    changed: int = 32
    share: float = 0.1
    local_share: float = 0.015
    max_per_s: int = 8
    past_cap_fps: float = 8.0
    shift: int = 2  # cells: a picture moved this far at most (a pan, a shake) is the same shot

    def change(self, before: np.ndarray, after: np.ndarray) -> str:
        """ "same" (under `local_share` of the cells changed), "part" (under `share`), "moved" (as
        much changed, but not once the picture is moved back by up to `shift` cells: a camera pan of
        up to 40 px a frame at 640, a shake), else "cut". A move or a part is a cut too unless the
        picture was moving or changing just before (_Shots.look): a camera that pans on costs one cut,
        where a flash jumps from a still shot."""
        share = self._share(before, after)
        if share < self.local_share:
            return "same"  # the common case: one comparison
        if share < self.share:
            return "part"
        height, width = before.shape
        for dy in range(-self.shift, self.shift + 1):
            for dx in range(-self.shift, self.shift + 1):
                if (dx or dy) and not self._changed(
                    before[max(0, dy) : height + min(0, dy), max(0, dx) : width + min(0, dx)],
                    after[max(0, -dy) : height + min(0, -dy), max(0, -dx) : width + min(0, -dx)],
                ):
                    return "moved"
        return "cut"

    def _changed(self, before: np.ndarray, after: np.ndarray) -> bool:
        return self._share(before, after) >= self.share

    def _share(self, before: np.ndarray, after: np.ndarray) -> float:
        """The share of the cells changed by more than `changed` grey levels."""
        return float(np.count_nonzero(self.cells(before, after))) / before.size

    def cells(self, before: np.ndarray, after: np.ndarray) -> np.ndarray:
        """Which cells changed by more than `changed` grey levels."""
        return np.abs(after.astype(np.int16) - before.astype(np.int16)) > self.changed


_THUMB = 32
# Formats whose first plane is the 8-bit luma: the thumbnail is read off it, nothing converted.
_LUMA_FIRST = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21", "gray"})


def _thumbnail(frame: av.VideoFrame) -> np.ndarray:
    """A 32×32 grey thumbnail of `frame` (about 0.15 ms for a 576×1024 frame off its luma plane)."""
    if frame.format.name in _LUMA_FIRST:
        plane = frame.planes[0]
        luma = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        return cv2.resize(luma, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA)
    return frame.to_ndarray(format="gray", width=_THUMB, height=_THUMB, interpolation="AREA")  # type: ignore[return-value]


def _image(frame: av.VideoFrame, max_side: int) -> np.ndarray:
    scale = min(1.0, max_side / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    image: np.ndarray = frame.to_ndarray(format="bgr24", width=width, height=height)  # type: ignore[assignment]
    rotation = _rotation(frame)
    if rotation:
        image = np.ascontiguousarray(np.rot90(image, k=rotation // 90))
    return image


class _Shots:
    """Cuts through one decode: the frame before (its thumbnail, and whether it was kept), the frames
    added in this second of video, and, past the cap, until when and from when frames are sampled at
    `past_cap_fps`."""

    def __init__(self, cuts: Cuts) -> None:
        self.cuts = cuts
        self.before: tuple[av.VideoFrame, float, bool] | None = None
        self.thumb: np.ndarray | None = None
        self.second, self.extra, self.dense_until, self.dense_next = -1, 0, 0.0, 0.0
        self.still = 2  # frame pairs since the picture last moved (a pan: 0, 1 on its way)
        # The cells changed in each of the last two frame pairs (None: none): a part changed where it
        # was calm is new; motion going on there (a dancer's limbs, a flickering screen) is not.
        self.changing: tuple[np.ndarray | None, np.ndarray | None] = (None, None)

    def look(self, frame: av.VideoFrame, t: float, *, on_time: bool) -> tuple[bool, tuple[av.VideoFrame, float] | None]:
        """Whether to keep `frame` (an ordinary sample if `on_time`), and the frame before it to keep
        first (the last of a shot, where `frame` begins the next one), if any."""
        cuts, thumb = self.cuts, _thumbnail(frame)
        if int(t) != self.second:
            self.second, self.extra = int(t), 0
        kept, last = on_time, None
        change = cuts.change(self.thumb, thumb) if self.thumb is not None else "same"
        # A move goes on from a moving picture (a pan: no cut), else it is one: a face flashed in a
        # backdrop that jumps a cell or two changed few cells once moved back, and went unseen.
        # So is a part changed in a calm part of the picture (a face popping in or out), once: motion
        # going on is none, but it keeps no other part from being calm (a flicker in a corner hid a face).
        cells = cuts.cells(self.thumb, thumb) if change != "same" and self.thumb is not None else None
        is_cut = change == "cut" or (change == "moved" and self.still >= 2) or (change == "part" and self._new(cells))
        self.still = 0 if change == "moved" else self.still + 1
        self.changing = (self.changing[1], cells)
        if is_cut and self.before is not None:
            wanted = (not on_time) + (not self.before[2])
            if self.extra + wanted <= cuts.max_per_s:
                self.extra += wanted
                kept = True
                if not self.before[2]:
                    last = (self.before[0], self.before[1])
            elif t >= self.dense_until:  # past the cap: the rest of this second at past_cap_fps
                self.dense_until, self.dense_next = self.second + 1.0, t
        if t < self.dense_until:  # every frame kept counts towards past_cap_fps
            kept = kept or t + 1e-6 >= self.dense_next
            if kept:
                self.dense_next = t + 1.0 / cuts.past_cap_fps
        self.thumb, self.before = thumb, (frame, t, kept)
        return kept, last

    def _new(self, cells: np.ndarray | None) -> bool:
        """Whether at least Cuts.local_share of the cells changed where none did in the last two pairs."""
        if cells is None:
            return False
        for before in self.changing:
            if before is not None:
                cells = cells & ~before
        return bool(np.count_nonzero(cells) >= self.cuts.local_share * cells.size)


def sample_frames(
    path: str | Path, *, fps: float = 8.0, max_side: int = 640, caps: Caps | None = None, cuts: Cuts | None = None
) -> list[Frame]:
    """Frames at about `fps` per second, scaled so their long side is at most `max_side`; with
    `cuts`, also the frames on either side of each cut (Cuts: the output scan's, so that a flash
    shorter than the interval is looked at too; marked `Frame.extra`), in time order. Every frame is
    decoded (that is cheap), but only the kept ones are scaled and converted. With `caps` (an
    uploaded video), the decoder may not allocate a frame over the pixel cap, and the decode stops
    with VideoOverCap at the first frame over the long-side cap, past the frame cap, past the video's
    length or past the wall-clock deadline."""
    frames: list[Frame] = []
    next_t = 0.0
    deadline = time.monotonic() + (caps.decode_seconds if caps else math.inf)
    keep = math.ceil(caps.max_seconds * fps) + 1 if caps else math.inf
    decoded = regular = 0
    shots = _Shots(cuts) if cuts is not None else None
    try:
        with av.open(str(path), metadata_errors="ignore", options=caps.options() if caps else {}) as container:
            stream = container.streams.video[0]
            if caps is not None:
                stream.codec_context.options = caps.options()
            stream.thread_type = "AUTO"
            base = stream.time_base or 1
            start = stream.start_time * base if stream.start_time is not None else 0
            for frame in container.decode(stream):
                decoded += 1
                if caps is not None:
                    _check_frame(frame, decoded, deadline, caps)
                if frame.pts is None:
                    continue
                t = float(frame.pts * base - start)
                on_time = t + 1e-6 >= next_t
                kept, last = shots.look(frame, t, on_time=on_time) if shots else (on_time, None)
                if last is not None:  # the last frame of the shot before a cut, not sampled yet
                    frames.append(Frame(t=last[1], image=_image(last[0], max_side), extra=True))
                if not kept:
                    continue
                if on_time:
                    regular += 1
                    if regular > keep:
                        raise VideoOverCap(f"longer than {caps.max_seconds:g} s", code="video_too_long")  # type: ignore[union-attr]
                    next_t = t + 1.0 / fps
                frames.append(Frame(t=t, image=_image(frame, max_side), extra=not on_time))
    except UnreadableVideo:
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise (_decode_error(exc) if caps is not None else UnreadableVideo(str(exc))) from exc
    if not frames:
        raise UnreadableVideo("no frame could be decoded")
    return frames
