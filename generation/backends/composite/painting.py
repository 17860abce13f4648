"""Painting layers: the painter, gradients and ridge lines every scene is drawn with, and the lighting
grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from generation.backends.composite.common import BGR, HORIZON, Light, Scene, hex_bgr


def _grade(image: np.ndarray, light: Light) -> np.ndarray:
    """The painted colours as this light shows them: saturation towards grey, then a per-channel gain
    (one 3×3 colour matrix)."""
    r, g, b = light.grade
    mix = light.saturation * np.eye(3) + (1 - light.saturation) / 3 * np.ones((3, 3))
    return cv2.transform(image, np.diag([b, g, r]) @ mix)


@dataclass
class Layer:
    """A painted canvas (BGRA) and how far away it is (0 far: barely moves, 1 near: moves most)."""

    bgra: np.ndarray
    depth: float
    scale: float = 1.0  # frame pixels per canvas pixel at zoom 1
    box: tuple[int, int, int, int] = (0, 0, 0, 0)  # x0, y0, x1, y1 of what is painted
    full_from: int = 0  # first canvas row from which every row below is fully opaque

    def __post_init__(self) -> None:
        alpha = self.bgra[:, :, 3]
        rows, cols = np.flatnonzero(alpha.max(axis=1)), np.flatnonzero(alpha.max(axis=0))
        if rows.size == 0:
            self.box, self.full_from = (0, 0, 0, 0), alpha.shape[0]
            return
        self.box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
        opaque = alpha.min(axis=1) == 255
        not_opaque = np.flatnonzero(~opaque)
        self.full_from = int(not_opaque[-1]) + 1 if not_opaque.size else 0

    @cached_property
    def bgr(self) -> np.ndarray:
        """The colours alone, contiguous: opaque rows are warped straight into the frame."""
        return np.ascontiguousarray(self.bgra[:, :, :3])


class Painter:
    """Paints one layer: shapes in colours or gradients, and what they cover (the layer's alpha).
    Shapes drawn with `glow=True` are light sources: the scene's lighting grade leaves them bright."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.image = np.zeros((height, width, 3), np.uint8)
        self.alpha = np.zeros((height, width), np.uint8)
        self.emit = np.zeros((height, width, 3), np.uint8)
        self.emit_mask = np.zeros((height, width), np.uint8)

    def _targets(self, glow: bool) -> tuple[np.ndarray, np.ndarray]:
        return (self.emit, self.emit_mask) if glow else (self.image, self.alpha)

    def fill(self, mask: np.ndarray, colour: BGR | np.ndarray, *, glow: bool = False) -> None:
        """Paint where `mask` (uint8) is set with a colour or an image (broadcast to the canvas)."""
        image, alpha = self._targets(glow)
        where = mask > 0
        if isinstance(colour, np.ndarray):
            np.copyto(image, np.broadcast_to(colour, image.shape), where=where[:, :, None])
        else:
            image[where] = colour
        np.maximum(alpha, mask, out=alpha)

    def poly(self, points: np.ndarray, colour: BGR, *, glow: bool = False) -> None:
        image, alpha = self._targets(glow)
        pts = [np.round(points).astype(np.int32)]
        cv2.fillPoly(image, pts, colour, cv2.LINE_AA)
        cv2.fillPoly(alpha, pts, 255, cv2.LINE_AA)

    def rect(self, x0: float, y0: float, x1: float, y1: float, colour: BGR, *, glow: bool = False) -> None:
        image, alpha = self._targets(glow)
        p0, p1 = (round(x0), round(y0)), (round(x1) - 1, round(y1) - 1)
        cv2.rectangle(image, p0, p1, colour, -1)
        cv2.rectangle(alpha, p0, p1, 255, -1)

    def ellipse(
        self, cx: float, cy: float, ax: float, ay: float, colour: BGR, *, angle: float = 0, glow: bool = False
    ) -> None:
        image, alpha = self._targets(glow)
        centre, axes = (round(cx), round(cy)), (max(1, round(ax)), max(1, round(ay)))
        cv2.ellipse(image, centre, axes, angle, 0, 360, colour, -1, cv2.LINE_AA)
        cv2.ellipse(alpha, centre, axes, angle, 0, 360, 255, -1, cv2.LINE_AA)

    def line(self, points: np.ndarray, colour: BGR, thickness: float, *, glow: bool = False) -> None:
        image, alpha = self._targets(glow)
        pts = [np.round(points).astype(np.int32)]
        width = max(1, round(thickness))
        cv2.polylines(image, pts, False, colour, width, cv2.LINE_AA)
        cv2.polylines(alpha, pts, False, 255, width, cv2.LINE_AA)

    def speckle(self, rng: np.random.Generator, strength: float) -> None:
        """Fine noise over what is painted (sand, grass, carpet)."""
        noise = rng.standard_normal((self.height, self.width, 1), dtype=np.float32) * strength
        noisy = np.clip(self.image.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        np.copyto(self.image, noisy, where=(self.alpha > 0)[:, :, None])

    def layer(self, depth: float, light: Light, *, graded: bool = True) -> Layer:
        image = _grade(self.image, light) if graded else self.image
        alpha = self.alpha
        if self.emit_mask.any():
            image = _over(image, self.emit, self.emit_mask)
            alpha = np.maximum(alpha, self.emit_mask)
        return Layer(np.dstack([image, alpha]), depth)


def _over(base: np.ndarray, top: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    a = alpha.astype(np.float32)[:, :, None] / 255.0
    return (top.astype(np.float32) * a + base.astype(np.float32) * (1 - a)).astype(np.uint8)


def _gradient(height: int, top: BGR, bottom: BGR, y0: float = 0, y1: float | None = None) -> np.ndarray:
    """A vertical gradient, (height, 1, 3) uint8: `top` at row y0, `bottom` at row y1 (clamped)."""
    y1 = height if y1 is None else y1
    t = np.clip((np.arange(height, dtype=np.float32) - y0) / max(1.0, y1 - y0), 0, 1)[:, None, None]
    colours = np.array(top, np.float32) * (1 - t) + np.array(bottom, np.float32) * t
    return colours.astype(np.uint8)


def _below(height: int, ys: np.ndarray) -> np.ndarray:
    """uint8 mask of the canvas rows below a ridge line (one row value per column), anti-aliased."""
    rows = np.arange(height, dtype=np.float32)[:, None]
    return (np.clip(rows - ys[None, :].astype(np.float32) + 0.5, 0, 1) * 255).astype(np.uint8)


def _smooth_ridge(rng: np.random.Generator, width: int, base: float, amp: float, waves: float = 1.5) -> np.ndarray:
    """A rolling ridge line: a few sines of random phase, `amp` pixels either side of `base`."""
    x = np.arange(width, dtype=np.float32) / width
    y = np.zeros(width, np.float32)
    for k in range(1, 5):
        y += rng.uniform(0.4, 1.0) / k * np.sin(2 * np.pi * (x * waves * k * rng.uniform(0.7, 1.3) + rng.random()))
    return base + y / max(float(np.abs(y).max()), 1e-6) * amp


def _peak_ridge(rng: np.random.Generator, width: int, base: float, amp: float, peaks: int) -> np.ndarray:
    """A jagged mountain line: straight slopes between random peaks and saddles, plus fine jitter."""
    xs = np.sort(np.concatenate([[0.0, 1.0], rng.uniform(0, 1, peaks * 2 - 1)])) * (width - 1)
    heights = np.where(np.arange(xs.size) % 2 == 0, rng.uniform(0.45, 1.0, xs.size), rng.uniform(0.0, 0.4, xs.size))
    line = np.interp(np.arange(width), xs, base - heights * amp)
    jitter = np.cumsum(rng.normal(0, amp * 0.01, width))
    return (line + jitter - np.linspace(0, jitter[-1], width)).astype(np.float32)


@dataclass
class Ctx:
    """What every scene painter needs: the canvas size, the random stream, the light, the palette jitter."""

    width: int
    height: int
    rng: np.random.Generator
    light: Light
    scene: Scene
    jitter: np.ndarray  # per-channel multipliers, BGR, for a seed-dependent palette

    @property
    def horizon(self) -> float:
        return self.height * HORIZON

    def tone(self, code: str, scale: float = 1.0) -> BGR:
        b, g, r = hex_bgr(code)
        values = np.clip(np.array([b, g, r], np.float32) * self.jitter * scale, 0, 255)
        return (int(values[0]), int(values[1]), int(values[2]))

    def painter(self) -> Painter:
        return Painter(self.width, self.height)
