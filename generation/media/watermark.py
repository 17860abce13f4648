"""The visible watermark every generated video carries: "castfeed" and the author's @handle.

Semi-transparent white text with a dark outline (readable on dark and bright frames), about 5% of the
frame height, gliding along a Lissajous path over the whole frame as time passes, so no fixed crop
removes it. The text patch is rendered once per (handle, size) and each frame only alpha-blends the
small region under it.
"""

from __future__ import annotations

import math
from functools import cache

import cv2
import numpy as np

MARK = "castfeed"
HEIGHT_FRACTION = 0.05  # patch height (both lines and the outline) / frame height
MAX_WIDTH_FRACTION = 0.6  # a long handle is scaled down to keep the patch this narrow
FILL_OPACITY = 0.7  # the white text
OUTLINE_OPACITY = 0.55  # the dark outline around it
# Periods (seconds) of the horizontal and vertical motion: unequal, so the path sweeps the frame.
PERIOD_X_S = 7.0
PERIOD_Y_S = 11.0

_FONT = cv2.FONT_HERSHEY_DUPLEX
_SUPERSAMPLE = 4  # text is drawn this much larger, then scaled down, for smooth edges


def watermark(frame: np.ndarray, index: int, fps: int, handle: str) -> np.ndarray:
    """Return a copy of BGR uint8 `frame` (frame number `index` of a clip at `fps`) with the watermark
    ("castfeed" over "@handle") blended in at its position for that time."""
    height, width = frame.shape[:2]
    size = max(12, round(height * HEIGHT_FRACTION))
    alpha, premultiplied = _patch(handle.lstrip("@"), size, max(16, int(width * MAX_WIDTH_FRACTION)))
    x, y = position(index / fps, width, height, alpha.shape[1], alpha.shape[0])

    out = frame.copy()
    ph, pw = min(alpha.shape[0], height - y), min(alpha.shape[1], width - x)
    region = out[y : y + ph, x : x + pw]
    blended = region * (1.0 - alpha[:ph, :pw]) + premultiplied[:ph, :pw]
    np.clip(blended, 0, 255, out=blended)
    region[...] = (blended + 0.5).astype(np.uint8)
    return out


def position(t: float, width: int, height: int, patch_width: int, patch_height: int) -> tuple[int, int]:
    """Top-left corner of the patch at time `t` seconds: a smooth Lissajous path that keeps the patch
    inside the frame and, over a few seconds, passes near every edge and corner."""
    free_x, free_y = max(0, width - patch_width), max(0, height - patch_height)
    u = 0.5 + 0.5 * math.sin(2 * math.pi * t / PERIOD_X_S + 0.6)
    v = 0.5 + 0.5 * math.sin(2 * math.pi * t / PERIOD_Y_S - 1.1)
    return round(free_x * u), round(free_y * v)


@cache
def _patch(handle: str, size: int, max_width: int) -> tuple[np.ndarray, np.ndarray]:
    """The watermark as (alpha, premultiplied BGR), float32 arrays of the patch's size (alpha H×W×1,
    colour H×W×3), `size` pixels tall (scaled down further if wider than `max_width`)."""
    lines = [(MARK, 1.0)] + ([(f"@{_ascii(handle)}", 0.8)] if handle else [])
    line_px = size * _SUPERSAMPLE / (len(lines) + 0.6)  # room for the gap and the outline
    masks = [_text_mask(text, line_px * rel) for text, rel in lines]
    gap = round(line_px * 0.15)
    pad = max(2, round(line_px * 0.12))  # room for the outline
    canvas_w = max(m.shape[1] for m in masks) + 2 * pad
    canvas_h = sum(m.shape[0] for m in masks) + gap * (len(masks) - 1) + 2 * pad
    fill = np.zeros((canvas_h, canvas_w), np.uint8)
    top = pad
    for mask in masks:
        left = (canvas_w - mask.shape[1]) // 2
        fill[top : top + mask.shape[0], left : left + mask.shape[1]] = mask
        top += mask.shape[0] + gap
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * pad - 1, 2 * pad - 1))
    outline = cv2.dilate(fill, kernel)

    scale = min(size / canvas_h, max_width / canvas_w)
    target = (max(1, round(canvas_w * scale)), max(1, round(canvas_h * scale)))
    f = cv2.resize(fill, target, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    o = cv2.resize(outline, target, interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    alpha = FILL_OPACITY * f + OUTLINE_OPACITY * o * (1 - f)
    premultiplied = np.repeat((255 * FILL_OPACITY * f)[:, :, None], 3, axis=2)
    return alpha[:, :, None], premultiplied


def _text_mask(text: str, cap_height: float) -> np.ndarray:
    """White-on-black uint8 mask of `text` with capitals about `cap_height` pixels tall, cropped to
    the text's box (descenders included)."""
    (w, h), _ = cv2.getTextSize(text, _FONT, 1.0, 1)
    scale = cap_height / h
    thickness = max(1, round(scale * 1.6))
    (w, h), baseline = cv2.getTextSize(text, _FONT, scale, thickness)
    margin = thickness
    mask = np.zeros((h + baseline + 2 * margin, w + 2 * margin), np.uint8)
    cv2.putText(mask, text, (margin, margin + h), _FONT, scale, 255, thickness, cv2.LINE_AA)
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def _ascii(text: str) -> str:
    """The Hershey fonts draw ASCII only: anything else becomes '?'."""
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)
