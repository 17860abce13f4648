"""The poster image of a video: one frame as a progressive JPEG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def poster_jpeg(frame: np.ndarray, *, max_side: int = 1024, quality: int = 85) -> bytes:
    """Encode a BGR uint8 frame as a progressive RGB JPEG, scaled down (never up) so its longer side
    is at most `max_side` pixels, keeping the aspect ratio."""
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 BGR frame, got shape {frame.shape}")
    image = Image.fromarray(np.ascontiguousarray(frame[:, :, ::-1]), mode="RGB")
    longest = max(image.size)
    if longest > max_side:
        scale = max_side / longest
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, progressive=True, optimize=True)
    return out.getvalue()
