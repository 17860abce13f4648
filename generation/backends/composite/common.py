"""What every part of the composite backend shares: the frame layout, colours, the scene record, the
lights and the random streams.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BGR = tuple[int, int, int]

MAX_CAMEOS = 4  # side by side; beyond this the faces get too small for the output scan
MARGIN_X, MARGIN_Y = 0.16, 0.06  # canvas margin around the frame, per side (fraction of the frame)
HORIZON = 0.56  # canvas row of the horizon (fraction of the canvas height)
FIGURE_DEPTH = 0.9
# The reference face's width as a share of the frame's shorter side, by number of cameos.
FACE_SHARE = {1: 0.34, 2: 0.30, 3: 0.26, 4: 0.21}
HEAD_Y = 0.43  # frame row of the faces' centres (fraction of the frame height)


def hex_bgr(code: str) -> BGR:
    """'#rrggbb' as an OpenCV BGR tuple."""
    value = int(code.lstrip("#"), 16)
    return (value & 0xFF, (value >> 8) & 0xFF, value >> 16)


@dataclass(frozen=True)
class Scene:
    """What the composite backend renders for a prompt."""

    setting: str  # one of SETTINGS
    lighting: str  # one of LIGHTS
    motion: str  # camera: pan, zoom_in, zoom_out, orbit, shake, static (ken_burns for images)
    action: str  # the people: walk, run, dance, idle
    weather: str  # none, snow, rain
    direction: int  # +1 or -1: the way the camera pans and the people walk


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent random stream per purpose, so one choice never shifts another."""
    return np.random.default_rng([seed % 2**63, *stream])


@dataclass(frozen=True)
class Light:
    sky_top: str
    sky_horizon: str
    grade: tuple[float, float, float]  # multipliers for the painted layers, R, G, B
    saturation: float = 1.0
    body: str | None = None  # "sun" or "moon"
    body_colour: str = "#fff6d8"
    body_height: float = 0.2  # canvas row of the sun or moon, as a fraction of the horizon row
    body_radius: float = 0.035  # of the canvas width
    stars: bool = False
    clouds: str | None = None  # colour of the clouds, None for none


LIGHTS = {
    "day": Light("#3f7fd0", "#b8d8f0", (1.0, 1.0, 1.0), body="sun", clouds="#ffffff"),
    "golden": Light("#2c3a7a", "#ffa860", (1.08, 0.9, 0.74), 1.05, "sun", "#ffd27a", 0.86, 0.06, clouds="#ffb08a"),
    "night": Light("#050818", "#1e2c55", (0.42, 0.5, 0.72), 0.8, "moon", "#e8ecf5", 0.3, 0.03, stars=True),
    "overcast": Light("#7d848e", "#c3c7cc", (0.88, 0.91, 0.95), 0.7, clouds="#9ba1aa"),
    "neon": Light("#12052a", "#5a1870", (0.72, 0.58, 0.95), 1.1, stars=True),
    "indoor": Light("#dfe3e8", "#c9cfd6", (1.02, 0.98, 0.92)),
    "underwater": Light("#3aa6c4", "#0a3a63", (0.55, 0.88, 1.0), 0.85),
    "space": Light("#000004", "#100a2a", (0.85, 0.85, 0.95), stars=True),
}
