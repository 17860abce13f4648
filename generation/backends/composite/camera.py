"""The camera and compositing: the camera path, each layer's warp (parallax) and the blends."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from generation.backends.composite.painting import Layer


def _ease(t: float) -> float:
    return t * t * (3 - 2 * t)


@dataclass(frozen=True)
class Camera:
    """Where the camera is at one moment: zoom, horizontal/vertical offsets (fractions of the frame)
    for the nearest layer, and how the offsets fall off with distance."""

    zoom: float
    pan_x: float
    pan_y: float
    orbit: float  # parallax around a middle pivot: far layers move against near ones
    shake: tuple[float, float]  # pixels

    def transform(self, depth: float, width: int, height: int) -> tuple[float, float, float]:
        """(scale, x offset, y offset) of a layer at `depth` (0 far … 1 near) for a frame size."""
        scale = 1 + (self.zoom - 1) * (0.3 + 0.7 * depth)
        follow = 0.1 + 0.9 * depth
        dx = (self.pan_x * follow + self.orbit * (depth - 0.4) * 1.6) * width + self.shake[0] * (0.4 + 0.6 * depth)
        dy = self.pan_y * follow * height + self.shake[1] * (0.4 + 0.6 * depth)
        return scale, dx, dy


def _camera_path(motion: str, direction: int, frames: int, rng: np.random.Generator, width: int) -> list[Camera]:
    shakes = np.zeros((frames, 2))
    if motion == "shake":  # a smoothed random walk around the path, a few pixels at most
        raw = rng.normal(0, 1, (frames + 6, 2))
        kernel = np.ones(4) / 4
        smooth = np.stack([np.convolve(raw[:, k], kernel, mode="same")[3 : 3 + frames] for k in (0, 1)], 1)
        shakes = smooth / max(float(np.abs(smooth).max()), 1e-6) * width * 0.012
    cameras = []
    for i in range(frames):
        t = i / max(1, frames - 1)
        zoom, pan_x, pan_y, orbit = 1.0, 0.0, 0.0, 0.0
        if motion == "pan":
            pan_x = direction * 0.2 * (t - 0.5)
        elif motion == "zoom_in":
            zoom = 1 + 0.15 * _ease(t)
        elif motion == "zoom_out":
            zoom = 1.15 - 0.15 * _ease(t)
        elif motion == "orbit":
            zoom, orbit = 1.04, direction * 0.07 * math.sin(math.pi * (t - 0.5))
        elif motion == "shake":
            zoom, pan_x = 1.03, direction * 0.16 * (t - 0.5)
        elif motion == "ken_burns":
            zoom = 1.05 + 0.1 * _ease(t)
            pan_x, pan_y = direction * 0.04 * (t - 0.5), 0.02 * (t - 0.5)
        else:  # static: barely breathing
            zoom = 1 + 0.02 * t
        cameras.append(Camera(zoom, pan_x, pan_y, orbit, (float(shakes[i, 0]), float(shakes[i, 1]))))
    return cameras


def _layer_matrix(layer: Layer, camera: Camera, width: int, height: int) -> np.ndarray:
    scale, dx, dy = camera.transform(layer.depth, width, height)
    s = scale * layer.scale
    ch, cw = layer.bgra.shape[:2]
    return np.array(
        [[s, 0, width / 2 + dx - s * cw / 2], [0, s, height / 2 + dy - s * ch / 2]],
        dtype=np.float64,
    )


def _blend_into(frame: np.ndarray, patch: np.ndarray, x0: int, y0: int) -> None:
    """Alpha-composite a BGRA patch onto the frame at (x0, y0)."""
    ph, pw = patch.shape[:2]
    target = frame[y0 : y0 + ph, x0 : x0 + pw]
    weight = patch[:, :, 3].astype(np.float32)
    blended = cv2.blendLinear(cv2.cvtColor(patch, cv2.COLOR_BGRA2BGR), target, weight, 255.0 - weight)
    target[...] = blended


def _covered_from(layer: Layer, matrix: np.ndarray, height: int) -> int:
    """The first frame row from which `layer` (warped by `matrix`) covers the whole frame width."""
    ch, cw = layer.bgra.shape[:2]
    x0, _, x1, _ = layer.box
    if layer.full_from >= ch or x0 > 0 or x1 < cw:
        return height
    return min(height, max(0, math.ceil(matrix[1, 1] * layer.full_from + matrix[1, 2] + 1)))


def _draw_layer(frame: np.ndarray, layer: Layer, matrix: np.ndarray, stop_row: int) -> None:
    """Warp `layer` into the frame rows above `stop_row` (nearer layers cover the rest) and composite
    it: blended where it is partly transparent, copied where it is opaque."""
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = layer.box
    if x1 <= x0:
        return
    s, ty = matrix[1, 1], matrix[1, 2]
    top = max(0, math.floor(s * y0 + ty))
    bottom = min(stop_row, math.ceil(s * y1 + ty) + 1, height)
    if bottom <= top:
        return
    split = min(max(_covered_from(layer, matrix, height), top), bottom)
    if split > top:  # partly transparent rows: warp with alpha and blend
        shifted = matrix.copy()
        shifted[1, 2] -= top
        warped = cv2.warpAffine(
            layer.bgra, shifted, (width, split - top), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        _blend_into(frame, warped, 0, top)
    if bottom > split:  # opaque rows: warp the colours straight into the frame
        _warp_rows(frame, layer.bgr, matrix, split, bottom)


def _warp_rows(frame: np.ndarray, image: np.ndarray, matrix: np.ndarray, top: int, bottom: int) -> None:
    """Warp an opaque BGR image into frame rows [top, bottom) in place."""
    shifted = matrix.copy()
    shifted[1, 2] -= top
    cv2.warpAffine(
        image,
        shifted,
        (frame.shape[1], bottom - top),
        dst=frame[top:bottom],
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _draw_sprite(frame: np.ndarray, sprite: np.ndarray, matrix: np.ndarray) -> None:
    """Warp a BGRA sprite by an affine matrix into its bounding box in the frame and composite it."""
    height, width = frame.shape[:2]
    sh, sw = sprite.shape[:2]
    corners = np.array([[0, 0, 1], [sw, 0, 1], [0, sh, 1], [sw, sh, 1]], np.float64) @ matrix.T
    x0, y0 = max(0, math.floor(corners[:, 0].min())), max(0, math.floor(corners[:, 1].min()))
    x1, y1 = min(width, math.ceil(corners[:, 0].max())), min(height, math.ceil(corners[:, 1].max()))
    if x1 <= x0 or y1 <= y0:
        return
    shifted = matrix.copy()
    shifted[0, 2] -= x0
    shifted[1, 2] -= y0
    warped = cv2.warpAffine(sprite, shifted, (x1 - x0, y1 - y0), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
    _blend_into(frame, warped, x0, y0)
