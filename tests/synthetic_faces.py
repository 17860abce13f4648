"""Enrollment videos made from real face photos that ship with installed packages.

A still photo is turned into a person who turns and tilts their head: the face is treated as a
surface with depth (a rounded head and a protruding nose) and re-projected for each yaw and pitch
with cv2.remap, so the landmarks YuNet finds move the way a real head's do. Used by the tests and by
benchmarks/likeness.py.
"""

from __future__ import annotations

import io
import itertools
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import av
import cv2
import numpy as np

from cameos.likeness.faces import Face, engine

PORTRAIT = (720, 1280)  # width, height of a phone selfie video


def _bgr(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(rgb[:, :, ::-1]) if rgb.ndim == 3 else cv2.cvtColor(rgb, cv2.COLOR_GRAY2BGR)


@cache
def photo(name: str) -> np.ndarray:
    """A real face photo (BGR): 'astronaut' and 'camera' from scikit-image, 'hopper' from matplotlib."""
    if name == "astronaut":
        from skimage import data

        return _bgr(data.astronaut())
    if name == "camera":
        from skimage import data

        return _bgr(data.camera())
    if name == "hopper":
        import matplotlib

        path = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data" / "grace_hopper.jpg"
        return cv2.imread(str(path))
    if name == "scene":  # a photo with no face in it
        from skimage import data

        return _bgr(data.coffee())
    raise ValueError(name)


PEOPLE = ("astronaut", "hopper", "camera")


@dataclass(frozen=True)
class Portrait:
    image: np.ndarray  # BGR, PORTRAIT size
    face: Face  # as detected in `image`


@cache
def portrait(name: str, size: tuple[int, int] = PORTRAIT) -> Portrait:
    """The photo cropped and scaled like a selfie: the face about a third of the frame's width."""
    image = photo(name)
    face = engine().detect(image)[0]
    x, y, w, h = face.box
    cx, cy = x + w / 2, y + h / 2
    crop_w = w * 3.0
    crop_h = crop_w * size[1] / size[0]
    left, top = cx - crop_w / 2, cy - crop_h * 0.42
    matrix = np.array(
        [[size[0] / crop_w, 0, -left * size[0] / crop_w], [0, size[1] / crop_h, -top * size[1] / crop_h]],
        dtype=np.float32,
    )
    framed = cv2.warpAffine(image, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)
    return Portrait(framed, engine().detect(framed)[0])


# The head as a smooth surface (in eye distances): a broad dome and a nose in front of it.
HEAD_DEPTH, HEAD_SPREAD, NOSE_HEIGHT, NOSE_SIGMA = 0.8, 0.8, 1.0, 0.45


def turned(person: Portrait, yaw: float, pitch: float) -> np.ndarray:
    """The portrait with the head turned by `yaw` degrees (positive: to the person's own left, so
    the nose moves toward the image's right) and tilted by `pitch` degrees (positive: up)."""
    if abs(yaw) < 1e-3 and abs(pitch) < 1e-3:
        return person.image.copy()
    height, width = person.image.shape[:2]
    right_eye, left_eye, nose, right_mouth, left_mouth = person.face.landmarks
    e = float(np.linalg.norm(left_eye - right_eye))
    cx, cy = float(nose[0]), float((right_eye[1] + left_eye[1] + right_mouth[1] + left_mouth[1]) / 4)
    nx, ny = float(nose[0]), float(nose[1])

    def depth(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        dome = (
            HEAD_DEPTH
            * e
            * np.exp(-(((x - cx) / (HEAD_SPREAD * e)) ** 2 + ((y - cy) / (1.4 * HEAD_SPREAD * e)) ** 2) / 2)
        )
        bump = NOSE_HEIGHT * e * np.exp(-((x - nx) ** 2 + (y - ny) ** 2) / (2 * (NOSE_SIGMA * e) ** 2))
        return dome + bump

    # Solve the inverse projection on a coarse grid (smooth), then scale the maps up.
    step = 4
    ys, xs = np.mgrid[0:height:step, 0:width:step].astype(np.float32)
    theta, phi = math.radians(yaw), math.radians(pitch)
    sx, sy = xs.copy(), ys.copy()
    for _ in range(12):  # damped fixed point: converges while the surface's slope × tan(angle) < 1
        z = depth(sx, sy)
        tx = cx + (xs - cx - z * math.sin(theta)) / math.cos(theta)
        ty = cy + (ys - cy + z * math.sin(phi)) / math.cos(phi)
        sx, sy = 0.4 * sx + 0.6 * tx, 0.4 * sy + 0.6 * ty
    map_x = cv2.resize(sx, (width, height), interpolation=cv2.INTER_LINEAR)
    map_y = cv2.resize(sy, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.remap(person.image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


POSES = {
    "center": (0.0, 0.0),
    "turn_left": (32.0, 0.0),
    "turn_right": (-32.0, 0.0),
    "look_up": (0.0, 24.0),
    "look_down": (0.0, -24.0),
}


def choreography(steps: list[str], *, hold: float = 0.9, move: float = 0.35) -> list[tuple[float, str]]:
    """(seconds, pose) keyframes: each step held `hold` s, `move` s to get from one to the next, and
    through `center` between two turned poses, as people do (this head model's face changes too much
    between two sampled frames in a swing straight from looking up to looking down)."""
    keys: list[tuple[float, str]] = []
    t = 0.0
    for i, step in enumerate(steps):
        if i and "center" not in (steps[i - 1], step):
            keys.append((t, "center"))
            t += move
        keys += [(t, step), (t + hold, step)]
        t += hold + move
    return keys


def pose_at(keys: list[tuple[float, str]], t: float) -> tuple[float, float]:
    for (t0, a), (t1, b) in itertools.pairwise(keys):
        if t0 <= t <= t1:
            k = 0 if t1 == t0 else (t - t0) / (t1 - t0)
            k = k * k * (3 - 2 * k)  # ease in and out
            (y0, p0), (y1, p1) = POSES[a], POSES[b]
            return y0 + (y1 - y0) * k, p0 + (p1 - p0) * k
    return POSES[keys[-1][1]]


def write_video(frames: list[np.ndarray], fps: int, *, fmt: str = "mp4") -> bytes:
    buffer = io.BytesIO()
    codec = "libx264" if fmt == "mp4" else "libvpx"
    with av.open(buffer, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=fps)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "23"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def enrollment_video(
    steps: list[str],
    *,
    person: str = "astronaut",
    fps: int = 15,
    hold: float = 0.9,
    size: tuple[int, int] = PORTRAIT,
    switch_to: str | None = None,
    companion: str | None = None,
    static: bool = False,
    brightness: float = 1.0,
    blur: int = 0,
    extra_s: float = 0.3,
    fmt: str = "mp4",
) -> bytes:
    """A selfie video of `person` acting out `steps`. Variants: `switch_to` another person halfway,
    a `companion` face beside them, a `static` photo that never moves, darkened or blurred."""
    keys = choreography(steps, hold=hold)
    duration = keys[-1][0] + extra_s
    base, other = portrait(person, size), portrait(switch_to, size) if switch_to else None
    small = cv2.resize(portrait(companion, size).image, (size[0] // 3, size[1] // 3)) if companion else None
    frames = []
    for i in range(int(duration * fps)):
        t = i / fps
        yaw, pitch = (0.0, 0.0) if static else pose_at(keys, t)
        who = other if other is not None and t > duration / 2 else base
        image = turned(who, yaw, pitch)
        if small is not None:
            image[-small.shape[0] :, -small.shape[1] :] = small
        if brightness != 1.0:
            image = np.clip(image.astype(np.float32) * brightness, 0, 255).astype(np.uint8)
        if blur:
            image = cv2.GaussianBlur(image, (0, 0), blur)
        frames.append(image)
    return write_video(frames, fps, fmt=fmt)


def scene_video(seconds: float = 3.0, fps: int = 15, size: tuple[int, int] = PORTRAIT) -> bytes:
    """A video with no face in it."""
    image = cv2.resize(photo("scene"), size)
    return write_video([np.roll(image, i * 4, axis=1) for i in range(int(seconds * fps))], fps)


@cache
def template(name: str) -> np.ndarray:
    """The real SFace template of the largest face in photo `name` (what enrollment would store)."""
    found = engine()
    image = photo(name)
    face = found.detect(image)[0]
    return found.embed([found.align(image, face)])[0]


@cache
def face_patch(name: str, width: int) -> np.ndarray:
    """The face of photo `name` with some margin, scaled to `width` pixels wide."""
    image = photo(name)
    x, y, w, h = engine().detect(image)[0].box
    cx, cy, side = x + w / 2, y + h / 2, max(w, h) * 1.5
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    crop = image[y0 : int(y0 + side), x0 : int(x0 + side)]
    return cv2.resize(crop, (width, round(width * crop.shape[0] / crop.shape[1])), interpolation=cv2.INTER_AREA)


def tilted(patch: np.ndarray, degrees: float) -> np.ndarray:
    """A square face image turned `degrees` counter-clockwise about its centre (as cv2 turns), its
    corners filled with its edges mirrored (put_disc keeps the disc inside them)."""
    side = patch.shape[0]
    turn = cv2.getRotationMatrix2D((side / 2, side / 2), degrees, 1.0)
    return cv2.warpAffine(patch, turn, (side, side), borderMode=cv2.BORDER_REFLECT)


def put_disc(frame: np.ndarray, patch: np.ndarray, left: int, top: int) -> None:
    """Draw the disc of a square `patch` into `frame` at (left, top), in place, hard-edged (a model's
    pixels, not blended: seamlessClone washes out dark faces)."""
    side = patch.shape[0]
    disc = cv2.circle(np.zeros((side, side), np.uint8), (side // 2, side // 2), side // 2, 1, -1) > 0
    region = frame[top : top + side, left : left + side]
    region[disc] = patch[disc]


def paste_faces(background: np.ndarray, faces: list[tuple[str, int, int]], width: int) -> np.ndarray:
    """Blend real faces into `background` at (name, centre x, centre y), with cv2.seamlessClone."""
    out = background.copy()
    for name, cx, cy in faces:
        patch = face_patch(name, width)
        mask = np.zeros(patch.shape[:2], np.uint8)
        cv2.ellipse(
            mask,
            (patch.shape[1] // 2, patch.shape[0] // 2),
            (int(patch.shape[1] * 0.42), int(patch.shape[0] * 0.47)),
            0,
            0,
            360,
            255,
            -1,
        )
        out = cv2.seamlessClone(patch, out, mask, (cx, cy), cv2.NORMAL_CLONE)
    return out


def scene(size: tuple[int, int]) -> np.ndarray:
    """A real photo with no face in it, as a backdrop of `size` (width, height)."""
    return cv2.resize(photo("scene"), size, interpolation=cv2.INTER_AREA)


def group_photo(names: list[str], size: tuple[int, int] = (1920, 1080)) -> np.ndarray:
    """An image of `size` with the faces of `names` side by side in a real scene (e.g. a 1080p upload)."""
    width, height = size
    step = width // (len(names) + 1)
    face_w = min(step - 20, height // 3)
    return paste_faces(scene(size), [(n, step * (i + 1), height // 2) for i, n in enumerate(names)], face_w)


def cameo_video(names: list[str], *, seconds: float = 2.0, fps: int = 24, size: tuple[int, int] = (576, 1024)) -> bytes:
    """A generated-looking clip: the faces of `names` drifting across a real backdrop."""
    width, height = size
    backdrop = scene(size)
    face_w = width // 4
    frames = []
    total = int(seconds * fps)
    for i in range(total):
        drift = int((i / max(1, total - 1) - 0.5) * width * 0.1)
        spots = [
            (n, width * (k + 1) // (len(names) + 1) + drift, height // 2 + (k % 2) * height // 6)
            for k, n in enumerate(names)
        ]
        frames.append(paste_faces(np.roll(backdrop, i * 2, axis=1), spots, face_w))
    return write_video(frames, fps)
