"""Cameo figures: a sprite per cameo with the reference face cloned in, moved, bobbed and swayed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from generation.backends.base import CameoRef
from generation.backends.composite.camera import Camera, _draw_sprite
from generation.backends.composite.common import BGR, FIGURE_DEPTH, HEAD_Y, hex_bgr
from generation.backends.composite.painting import Painter, _gradient
from generation.backends.composite.plan import CLOTHES, COLOUR_WORDS, _first, _words


@dataclass(frozen=True)
class Figure:
    """A cameo's sprite (BGRA) and where its face centre and hip pivot are on it."""

    sprite: np.ndarray
    face: tuple[float, float]
    pivot: tuple[float, float]
    mouth: tuple[float, float, float] = (0.0, 0.0, 0.0)  # centre x, y and half its width, on the sprite


def _square(crop: np.ndarray) -> np.ndarray:
    if crop.ndim == 2:
        crop = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
    h, w = crop.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    return np.ascontiguousarray(crop[y0 : y0 + side, x0 : x0 + side, :3])


def _shade(colour: BGR, factor: float) -> BGR:
    return (int(colour[0] * factor), int(colour[1] * factor), int(colour[2] * factor))


def _median(pixels: np.ndarray) -> BGR:
    value = np.median(pixels.reshape(-1, 3), axis=0)
    return (int(value[0]), int(value[1]), int(value[2]))


def make_figure(crop: np.ndarray, face_px: int, clothes: BGR, tint: np.ndarray, reach: float) -> Figure:
    """Paint a head-and-shoulders figure and blend the reference face (`crop`, BGR, square, face
    centred with a margin) into its head with cv2.seamlessClone. `face_px`: the crop's size on the
    figure; `reach`: how far the torso extends below the face centre, in pixels."""
    f = face_px
    face = cv2.resize(_square(crop), (f, f), interpolation=cv2.INTER_AREA if crop.shape[0] > f else cv2.INTER_CUBIC)
    skin = _median(np.concatenate([face[int(0.62 * f) : int(0.74 * f), int(0.3 * f) : int(0.4 * f)],
                                   face[int(0.62 * f) : int(0.74 * f), int(0.6 * f) : int(0.7 * f)]]))  # fmt: skip
    hair = _median(face[int(0.02 * f) : int(0.12 * f), int(0.3 * f) : int(0.7 * f)])
    shoulder = 0.95 * f
    width = int(2 * shoulder + 0.1 * f)
    pad = int(0.08 * f)
    cx = width / 2
    face_cy = pad + 0.53 * f
    height = int(face_cy + reach)
    p = Painter(width, height)
    p.ellipse(cx, pad + 0.46 * f, 0.5 * f, 0.53 * f, hair)
    p.rect(cx - 0.16 * f, pad + 0.75 * f, cx + 0.16 * f, pad + 1.25 * f, _shade(skin, 0.85))
    top = pad + 1.12 * f
    body = _gradient(height, clothes, _shade(clothes, 0.7), top, height)
    torso = np.zeros((height, width), np.uint8)
    cv2.ellipse(
        torso, (int(cx), int(top + 0.32 * f)), (int(shoulder), int(0.36 * f)), 0, 180, 360, 255, -1, cv2.LINE_AA
    )
    cv2.rectangle(torso, (int(cx - shoulder), int(top + 0.32 * f)), (int(cx + shoulder), height), 255, -1)
    p.fill(torso, body)
    p.ellipse(cx, top - 0.02 * f, 0.19 * f, 0.14 * f, skin)  # the neckline
    seam = _shade(clothes, 0.6)
    for side in (-1, 1):
        x = cx + side * shoulder * 0.74
        p.line(np.array([[x, top + 0.35 * f], [x + side * 0.04 * f, height]]), seam, 0.03 * f)
    # The face: an elliptical mask around eyes, nose, mouth, forehead and chin, cloned into the head.
    mask = np.zeros((f, f), np.uint8)
    cv2.ellipse(mask, (f // 2, int(0.53 * f)), (int(0.41 * f), int(0.46 * f)), 0, 0, 360, 255, -1)
    mx, my, mw, mh = cv2.boundingRect(mask)
    x0 = int(cx - f / 2)
    target = (x0 + mx + mw // 2, pad + my + mh // 2)  # where the mask's bounding box centre goes
    placed = np.zeros((height, width), np.uint8)
    placed[pad : pad + f, x0 : x0 + f] = mask
    image = cv2.seamlessClone(face, p.image, mask.copy(), target, cv2.NORMAL_CLONE)  # it may change the mask
    alpha = np.maximum(p.alpha, placed)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.8)
    image = np.clip(image.astype(np.float32) * tint, 0, 255).astype(np.uint8)
    # The mouth of the aligned reference crop (cameos.likeness: SFace's landmark layout scaled by 0.8
    # around the centre) puts the corners at 39.7% and 60.5% of its width, 76% of its height.
    mouth = (x0 + 0.501 * f, pad + 0.76 * f, 0.104 * f)
    return Figure(np.dstack([image, alpha]), (cx, face_cy), (cx, face_cy + reach * 0.55), mouth)


def _clothes(cameo: CameoRef, rng: np.random.Generator) -> BGR:
    named = _first(_words(cameo.instructions), COLOUR_WORDS)
    return hex_bgr(named or str(rng.choice(CLOTHES)))


@dataclass(frozen=True)
class Motion:
    drift: float  # horizontal travel over the clip, fraction of the frame width
    bob: float  # vertical bounce, fraction of the frame height
    steps: float  # bounces per second
    sway: float  # degrees of sway about the hips
    sway_hz: float
    travels: bool  # moves across the frame over the clip (else drifts side to side and back)


ACTIONS = {
    "walk": Motion(0.1, 0.012, 2.0, 1.2, 1.0, travels=True),
    "run": Motion(0.16, 0.02, 3.0, 2.0, 1.5, travels=True),
    "dance": Motion(0.03, 0.016, 2.0, 3.0, 1.0, travels=False),
    "idle": Motion(0.015, 0.004, 0.3, 1.2, 0.25, travels=False),
}


def _figure_matrix(figure: Figure, x: float, y: float, sway: float) -> np.ndarray:
    """3×3 sprite → frame transform: the face centre at (x, y), then swayed by `sway` radians about the hips."""
    fx, fy = figure.face
    px, py = figure.pivot
    cos, sin = math.cos(sway), math.sin(sway)
    to_pivot = np.array([[1, 0, -px], [0, 1, -py], [0, 0, 1]], np.float64)
    rotate = np.array([[cos, -sin, 0], [sin, cos, 0], [0, 0, 1]], np.float64)
    place = np.array([[1, 0, x + px - fx], [0, 1, y + py - fy], [0, 0, 1]], np.float64)
    return place @ rotate @ to_pivot


def _draw_figures(
    frame: np.ndarray,
    figures: list[Figure],
    camera: Camera,
    *,
    motion: Motion,
    direction: int,
    seconds: float,
    t: float,
    openings: np.ndarray | None = None,
) -> None:
    """The cameos side by side, walking, bobbing and swaying, seen through the camera (which follows
    them: they move with its zoom and shake but only partly with its pan). A figure that speaks
    (`openings[k]` > 0, its mouth opening in this frame) opens its mouth and nods with the speech."""
    height, width = frame.shape[:2]
    scale, dx, dy = camera.transform(FIGURE_DEPTH, width, height)
    cx, cy = width / 2, height / 2
    view = np.array([[scale, 0, cx + dx * 0.3 - scale * cx], [0, scale, cy + dy - scale * cy], [0, 0, 1]], np.float64)
    sway = math.radians(motion.sway * math.sin(2 * math.pi * motion.sway_hz * seconds))
    if motion.travels:
        drift = direction * motion.drift * (t - 0.5) * width
    else:
        drift = direction * motion.drift * width * math.sin(2 * math.pi * 0.25 * seconds)
    for k, figure in enumerate(figures):
        bob = -abs(math.sin(math.pi * motion.steps * (seconds + 0.13 * k))) * motion.bob * height
        opening = float(openings[k]) if openings is not None and k < len(openings) else 0.0
        nod = opening * SPEECH_NOD * height  # the head dips a little on loud syllables
        x = width * (k + 0.5) / len(figures) + drift
        matrix = view @ _figure_matrix(figure, x, height * HEAD_Y + bob + nod, sway)
        _draw_sprite(frame, figure.sprite, matrix[:2])
        if opening > 0.05:
            _draw_mouth(frame, figure, matrix, opening)


SPEECH_NOD = 0.006  # of the frame height, at the loudest
MOUTH = (38, 28, 52)  # BGR: the dark inside of an open mouth


def _draw_mouth(frame: np.ndarray, figure: Figure, matrix: np.ndarray, opening: float) -> None:
    """An open mouth on the figure's face: an ellipse between the lips whose height follows the
    speech (`opening`, 0–1), a jaw dropping by up to 7% of the face."""
    mx, my, half = figure.mouth
    x, y, _ = matrix @ np.array([mx, my, 1.0])
    scale = math.sqrt(abs(np.linalg.det(matrix[:2, :2])))
    face = half / 0.104  # the face crop's size on the sprite
    axes = (max(1, round(half * 0.75 * scale)), max(1, round(0.035 * face * opening * scale)))
    centre = (round(x), round(y + axes[1] * 0.4))
    cv2.ellipse(frame, centre, axes, 0, 0, 360, MOUTH, -1, cv2.LINE_AA)
