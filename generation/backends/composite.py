"""The default video backend: a 2.5D scene chosen from the prompt, with the cameos' faces on animated figures.

Deterministic for a seed, CPU only, fast (about 1 s for 5 s of 576×1024 at 24 fps on two cores).

1. `plan_scene` reads the prompt through small keyword tables: the setting (beach, city, forest, space,
   club, kitchen, ...), the lighting (day, golden hour, night, overcast, neon, ...), the weather, the
   camera motion (pan, zoom in/out, orbit, shake for action, static) and what the people do (walk,
   run, dance, idle). Words it does not know leave the seed to choose the camera and the action.
2. The scene's layers (sky or back wall, far silhouettes, middle ground, near ground) are painted once
   with numpy/cv2 on canvases a little larger than the frame. Each frame only warps each layer by the
   camera (nearer layers move and zoom more: parallax) and composites it; rows a nearer layer covers
   completely are never drawn twice.
3. Each cameo becomes a sprite painted once: hair, neck, shoulders and torso in a colour from the seed
   (or from a colour word in the cameo's instructions), with the reference face blended in by
   cv2.seamlessClone (NORMAL_CLONE, elliptical mask), the face about 1/4–1/3 of the frame's shorter
   side so the output scan finds it. Per frame the sprite is only moved, bobbed and swayed.
4. With an uploaded image, that image is animated instead (cover-cropped, Ken Burns pan and zoom, a
   blurred copy behind a sharper centre for a little parallax), with the cameos in front if any.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from generation.backends.base import BackendError, CameoRef, Progress, RenderRequest

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


# ---------------------------------------------------------------------------------------------------
# The prompt → scene tables


@dataclass(frozen=True)
class Scene:
    """What the composite backend renders for a prompt."""

    setting: str  # one of SETTINGS
    lighting: str  # one of LIGHTS
    motion: str  # camera: pan, zoom_in, zoom_out, orbit, shake, static (ken_burns for images)
    action: str  # the people: walk, run, dance, idle
    weather: str  # none, snow, rain
    direction: int  # +1 or -1: the way the camera pans and the people walk


# Place words name the setting; activity words only hint at one when no place is named.
PLACE_WORDS = {
    "beach": "beach", "beaches": "beach", "ocean": "beach", "sea": "beach", "seaside": "beach",
    "shore": "beach", "coast": "beach", "island": "beach", "tropical": "beach", "waves": "beach",
    "city": "city", "street": "city", "streets": "city", "downtown": "city", "skyline": "city",
    "rooftop": "city", "urban": "city", "town": "city", "avenue": "city", "metropolis": "city",
    "forest": "forest", "woods": "forest", "jungle": "forest", "rainforest": "forest", "trees": "forest",
    "mountain": "mountains", "mountains": "mountains", "alps": "mountains", "peak": "mountains",
    "summit": "mountains", "valley": "mountains", "cliff": "mountains", "canyon": "desert",
    "snow": "snow", "snowy": "snow", "winter": "snow", "ice": "snow", "arctic": "snow", "igloo": "snow",
    "ski": "snow", "skiing": "snow", "blizzard": "snow", "snowman": "snow",
    "space": "space", "galaxy": "space", "planet": "space", "moon": "space", "mars": "space",
    "spaceship": "space", "orbit": "space", "cosmos": "space", "nebula": "space", "asteroid": "space",
    "desert": "desert", "dunes": "desert", "dune": "desert", "sahara": "desert", "cactus": "desert",
    "underwater": "underwater", "reef": "underwater", "coral": "underwater", "seabed": "underwater",
    "aquarium": "underwater", "submarine": "underwater",
    "club": "club", "nightclub": "club", "disco": "club", "rave": "club", "concert": "club", "stage": "club",
    "office": "office", "desk": "office", "workplace": "office", "cubicle": "office", "boardroom": "office",
    "kitchen": "kitchen", "restaurant": "kitchen", "bakery": "kitchen", "diner": "kitchen",
    "stadium": "stadium", "arena": "stadium", "pitch": "stadium", "court": "stadium",
    "park": "park", "meadow": "park", "garden": "park", "field": "park", "countryside": "park",
}  # fmt: skip
HINT_WORDS = {
    "surf": "beach", "surfing": "beach", "swimming": "beach", "sandcastle": "beach", "sunbathing": "beach",
    "party": "club", "dancing": "club", "dj": "club", "dance": "club",
    "hike": "mountains", "hiking": "mountains", "climbing": "mountains",
    "astronaut": "space", "astronauts": "space", "rocket": "space", "alien": "space", "aliens": "space",
    "diving": "underwater", "scuba": "underwater", "fish": "underwater", "mermaid": "underwater",
    "cooking": "kitchen", "cook": "kitchen", "baking": "kitchen", "chef": "kitchen", "recipe": "kitchen",
    "meeting": "office", "working": "office", "laptop": "office", "coworkers": "office",
    "football": "stadium", "soccer": "stadium", "match": "stadium", "basketball": "stadium", "goal": "stadium",
    "camping": "forest", "picnic": "park", "taxi": "city", "traffic": "city",
}  # fmt: skip
LIGHT_WORDS = {
    "sunset": "golden", "sunrise": "golden", "dusk": "golden", "dawn": "golden", "golden": "golden",
    "evening": "golden",
    "night": "night", "midnight": "night", "nighttime": "night", "moonlight": "night", "moonlit": "night",
    "starry": "night", "stars": "night", "dark": "night",
    "neon": "neon", "cyberpunk": "neon", "synthwave": "neon", "vaporwave": "neon",
    "overcast": "overcast", "cloudy": "overcast", "rain": "overcast", "rainy": "overcast",
    "storm": "overcast", "stormy": "overcast", "fog": "overcast", "foggy": "overcast", "gloomy": "overcast",
    "misty": "overcast", "grey": "overcast", "gray": "overcast",
    "sunny": "day", "noon": "day", "daylight": "day", "morning": "day", "bright": "day",
}  # fmt: skip
MOTION_WORDS = {
    "chase": "shake", "chasing": "shake", "action": "shake", "fight": "shake", "fighting": "shake",
    "explosion": "shake", "earthquake": "shake", "battle": "shake", "escape": "shake", "race": "shake",
    "racing": "shake", "handheld": "shake", "shaky": "shake",
    "closeup": "zoom_in", "approach": "zoom_in", "approaching": "zoom_in", "dramatic": "zoom_in",
    "reveal": "zoom_out", "aerial": "zoom_out", "drone": "zoom_out", "wide": "zoom_out", "panorama": "zoom_out",
    "pan": "pan", "panning": "pan", "tracking": "pan", "dolly": "pan",
    "orbiting": "orbit", "circling": "orbit", "around": "orbit", "360": "orbit",
    "static": "static", "still": "static", "tripod": "static", "calm": "static",
}  # fmt: skip
MOTION_PHRASES = {"zoom in": "zoom_in", "zoom out": "zoom_out", "close up": "zoom_in", "close-up": "zoom_in"}
ACTION_WORDS = {
    "walk": "walk", "walking": "walk", "walks": "walk", "stroll": "walk", "strolling": "walk",
    "wander": "walk", "wandering": "walk", "exploring": "walk", "hiking": "walk",
    "run": "run", "running": "run", "runs": "run", "jog": "run", "jogging": "run", "sprint": "run",
    "chase": "run", "chasing": "run", "race": "run", "racing": "run", "escape": "run",
    "dance": "dance", "dancing": "dance", "dances": "dance", "party": "dance", "celebrate": "dance",
    "celebrating": "dance", "jumping": "dance", "cheering": "dance",
    "sit": "idle", "sitting": "idle", "stand": "idle", "standing": "idle", "talk": "idle",
    "talking": "idle", "relax": "idle", "relaxing": "idle", "chill": "idle", "interview": "idle",
    "cooking": "idle", "meeting": "idle", "smiling": "idle", "posing": "idle", "waiting": "idle",
}  # fmt: skip
WEATHER_WORDS = {
    "snow": "snow", "snowing": "snow", "snowfall": "snow", "snowflakes": "snow", "blizzard": "snow",
    "rain": "rain", "rainy": "rain", "raining": "rain", "storm": "rain", "stormy": "rain",
    "underwater": "bubbles", "reef": "bubbles", "diving": "bubbles", "scuba": "bubbles", "aquarium": "bubbles",
}  # fmt: skip
COLOUR_WORDS = {
    "red": "#c8323c", "blue": "#2f5fc0", "navy": "#243a6b", "green": "#2f8a4a", "yellow": "#e8c23a",
    "orange": "#e07a2e", "purple": "#7a3fa0", "pink": "#e07aa8", "black": "#26262b", "white": "#e8e8e8",
    "grey": "#8a8d93", "gray": "#8a8d93", "brown": "#7a5234", "teal": "#238a8a", "gold": "#c9a03a",
}  # fmt: skip
CLOTHES = ["#c8323c", "#2f5fc0", "#2f8a4a", "#e07a2e", "#7a3fa0", "#238a8a", "#e8c23a", "#3b3f4a", "#b8476b"]
DEFAULT_MOTIONS = ("pan", "zoom_in", "zoom_out", "orbit")
DEFAULT_ACTIONS = ("walk", "idle", "walk", "dance")


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _first(words: list[str], table: dict[str, str]) -> str | None:
    return next((table[w] for w in words if w in table), None)


def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent random stream per purpose, so one choice never shifts another."""
    return np.random.default_rng([seed % 2**63, *stream])


def plan_scene(prompt: str, seed: int) -> Scene:
    """The scene for a prompt: keywords decide, the seed fills in what the words leave open."""
    words = _words(prompt)
    lowered = prompt.lower()
    choose = _rng(seed, 1)
    setting = _first(words, PLACE_WORDS) or _first(words, HINT_WORDS) or "park"
    lighting = _first(words, LIGHT_WORDS) or SETTINGS[setting].light
    if setting in {"space", "underwater"}:
        lighting = SETTINGS[setting].light  # their own light whatever the time of day
    elif SETTINGS[setting].indoor and lighting not in {"neon", "night"}:
        lighting = SETTINGS[setting].light
    phrase = next((m for p, m in MOTION_PHRASES.items() if p in lowered), None)
    default_motion = str(choose.choice(DEFAULT_MOTIONS))
    motion = phrase or _first(words, MOTION_WORDS) or default_motion
    default_action = str(choose.choice(DEFAULT_ACTIONS))
    action = _first(words, ACTION_WORDS) or ("dance" if setting == "club" else default_action)
    weather = _first(words, WEATHER_WORDS) or ("bubbles" if setting == "underwater" else "none")
    if setting == "snow" and weather == "none" and choose.random() < 0.6:
        weather = "snow"
    if SETTINGS[setting].indoor and weather in {"snow", "rain"}:
        weather = "none"
    direction = 1 if choose.random() < 0.5 else -1
    return Scene(setting, lighting, motion, action, weather, direction)


# ---------------------------------------------------------------------------------------------------
# Lighting


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


def _grade(image: np.ndarray, light: Light) -> np.ndarray:
    """The painted colours as this light shows them: saturation towards grey, then a per-channel gain
    (one 3×3 colour matrix)."""
    r, g, b = light.grade
    mix = light.saturation * np.eye(3) + (1 - light.saturation) / 3 * np.ones((3, 3))
    return cv2.transform(image, np.diag([b, g, r]) @ mix)


# ---------------------------------------------------------------------------------------------------
# Painting layers


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


def _sky(ctx: Ctx) -> Layer:
    """Sky gradient down to the horizon, sun or moon with a glow, stars, soft clouds (opaque)."""
    light, w, h, hy = ctx.light, ctx.width, ctx.height, ctx.horizon
    image = np.ascontiguousarray(
        np.broadcast_to(_gradient(h, hex_bgr(light.sky_top), hex_bgr(light.sky_horizon), 0, hy), (h, w, 3))
    )
    rng = ctx.rng
    if light.stars:
        count = int(w * h * 0.0012)
        xs, ys = rng.integers(0, w, count), (rng.random(count) ** 1.6 * hy).astype(int)
        levels = rng.uniform(90, 255, count)
        image[ys, xs] = np.clip(image[ys, xs].astype(np.float32) + levels[:, None], 0, 255).astype(np.uint8)
        for x, y in zip(xs[: count // 40], ys[: count // 40], strict=True):
            cv2.circle(image, (int(x), int(y)), 1, (255, 255, 255), -1, cv2.LINE_AA)
    if light.clouds:
        clouds = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(4, 8))):
            cx, cy = rng.uniform(0, w), rng.uniform(0.08, 0.5) * hy
            for _ in range(5):
                ax, ay = rng.uniform(0.05, 0.12) * w, rng.uniform(0.012, 0.03) * h
                ox, oy = rng.normal(0, ax * 0.8), rng.normal(0, ay * 0.5)
                cv2.ellipse(clouds, (int(cx + ox), int(cy + oy)), (int(ax), int(ay)), 0, 0, 360, 1.0, -1)
        clouds = cv2.GaussianBlur(clouds, (0, 0), w * 0.012) * (0.85 if light.clouds == "#9ba1aa" else 0.7)
        image = _over(image, np.full_like(image, hex_bgr(light.clouds)), (clouds * 255).astype(np.uint8))
    if light.body:
        cx, cy = w * rng.uniform(0.3, 0.7), hy * light.body_height
        radius = w * light.body_radius
        ys, xs = np.ogrid[:h, :w]
        distance = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2, dtype=np.float32) / radius
        glow = np.exp(-np.maximum(distance - 1, 0) / (2.5 if light.body == "sun" else 1.2)) * (distance >= 1)
        glow *= 0.8 if light.body == "sun" else 0.35
        disc = np.clip(1.5 - distance, 0, 1)  # anti-aliased edge
        colour = np.array(hex_bgr(light.body_colour), np.float32)
        lit = image.astype(np.float32) + glow[:, :, None] * colour * 0.6
        lit = lit * (1 - disc[:, :, None]) + colour * disc[:, :, None]
        image = np.clip(lit, 0, 255).astype(np.uint8)
    return Layer(np.dstack([image, np.full((h, w), 255, np.uint8)]), 0.0)


def _conifer(p: Painter, x: float, base: float, height: float, colour: BGR, *, snow: BGR | None = None) -> None:
    half = height * 0.28
    for k in range(3):  # three stacked tiers
        top, bottom = base - height * (1 - k * 0.25), base - height * (0.45 - k * 0.2) + height * 0.05
        spread = half * (0.6 + 0.25 * k)
        p.poly(np.array([[x, top], [x - spread, bottom], [x + spread, bottom]]), colour)
        if snow is not None:
            cap = (bottom - top) * 0.3
            p.poly(np.array([[x, top], [x - spread * 0.3, top + cap], [x + spread * 0.3, top + cap]]), snow)
    p.rect(x - height * 0.025, base - height * 0.12, x + height * 0.025, base, hex_bgr("#3b2a1e"))


def _ground(ctx: Ctx, base: float, amp: float, top: str, bottom: str, *, speckle: float = 6.0) -> Painter:
    p = ctx.painter()
    ridge = _smooth_ridge(ctx.rng, ctx.width, base, amp)
    p.fill(_below(ctx.height, ridge), _gradient(ctx.height, ctx.tone(top), ctx.tone(bottom), base, ctx.height))
    if speckle:
        p.speckle(ctx.rng, speckle)
    return p


def _park(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng = ctx.width, ctx.height, ctx.horizon, ctx.rng
    far = ctx.painter()
    ridge = _smooth_ridge(rng, w, hy - 0.03 * h, 0.035 * h)
    far.fill(_below(h, ridge), _gradient(h, ctx.tone("#8fb896"), ctx.tone("#6d9a72"), hy - 0.06 * h, hy))
    mid = ctx.painter()
    ground = _smooth_ridge(rng, w, hy + 0.025 * h, 0.008 * h)
    mid.fill(_below(h, ground), ctx.tone("#5f9a4c"))
    x = rng.uniform(0, 0.05) * w
    while x < w:
        base, size = float(np.interp(x, np.arange(w), ground)), rng.uniform(0.035, 0.06) * w
        mid.rect(x - size * 0.1, base - size * 1.6, x + size * 0.1, base + 2, ctx.tone("#4a3526"))
        green = ctx.tone(str(rng.choice(["#2f6b34", "#3a7a3a", "#2b5e30"])))
        for dx, dy, r in ((0, -2.2, 1.0), (-0.55, -1.8, 0.75), (0.55, -1.8, 0.75)):
            mid.ellipse(x + dx * size, base + dy * size, r * size, r * size * 0.9, green)
        x += rng.uniform(0.06, 0.16) * w
    near = _ground(ctx, hy + 0.09 * h, 0.02 * h, "#6fb24f", "#3f7f2f", speckle=7)
    return [_sky(ctx), far.layer(0.15, ctx.light), mid.layer(0.45, ctx.light), near.layer(1.0, ctx.light)]


def _beach(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    sea = ctx.painter()
    sea.fill(_below(h, np.full(w, hy)), _gradient(h, ctx.tone("#5aa0c8"), ctx.tone("#1b5f8f"), hy, hy + 0.2 * h))
    for _ in range(int(w * 0.25)):  # glints on the water, denser under the sun
        x, y = rng.normal(0.5, 0.25) * w, hy + rng.random() ** 2 * 0.2 * h
        length = rng.uniform(0.005, 0.02) * w
        sea.line(np.array([[x - length, y], [x + length, y]]), ctx.tone("#bfe0f0"), 1)
    waves = ctx.painter()
    for k in range(5):
        y = hy + (0.04 + 0.028 * k) * h
        xs = np.arange(0, w + 8, 8, dtype=np.float32)
        ys = y + np.sin(xs / w * np.pi * rng.uniform(4, 9) + rng.random() * 6) * 0.004 * h
        waves.line(np.stack([xs, ys], 1), (245, 245, 240), 2 + k * 0.8)
    sand = _ground(ctx, hy + 0.17 * h, 0.012 * h, "#e9d3a0", "#d2b47a", speckle=8)
    palm_x = w * (0.16 if ctx.scene.direction > 0 else 0.84)
    base = hy + 0.2 * h
    trunk = np.array([[palm_x + math.sin(t * 1.4) * 0.05 * w, base - t * 0.3 * h] for t in np.linspace(0, 1, 12)])
    sand.line(trunk, ctx.tone("#6b4a2b"), 0.018 * w)
    top = trunk[-1]
    for angle in np.linspace(-160, -20, 6):
        a = math.radians(angle)
        tip = top + np.array([math.cos(a), -math.sin(a) * 0.5 + 0.35]) * 0.12 * w
        mid = (top + tip) / 2 + np.array([0, -0.02 * w])
        sand.line(np.array([top, mid, tip]), ctx.tone("#2e6b2e"), 0.012 * w)
    layers = [_sky(ctx), sea.layer(0.1, light), waves.layer(0.45, light), sand.layer(1.0, light)]
    return layers


def _city(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    lit = ctx.scene.lighting in {"night", "neon", "golden"}
    far = ctx.painter()
    x = 0.0
    while x < w:
        bw, bh = rng.uniform(0.04, 0.09) * w, rng.uniform(0.08, 0.24) * h
        far.rect(x, hy + 0.02 * h - bh, x + bw, hy + 0.1 * h, ctx.tone("#8a98ad"))
        x += bw + rng.uniform(0, 0.01) * w
    near = ctx.painter()
    x = -0.02 * w
    facades = ["#5b6475", "#6e6a72", "#4c5566", "#76706a", "#5a5f6e"]
    while x < w:
        bw, bh = rng.uniform(0.08, 0.16) * w, rng.uniform(0.16, 0.36) * h
        top, bottom = hy + 0.1 * h - bh, hy + 0.16 * h
        near.rect(x, top, x + bw, bottom, ctx.tone(str(rng.choice(facades))))
        step_x, step_y = bw / int(rng.integers(3, 6)), rng.uniform(0.025, 0.035) * h
        for wy in np.arange(top + step_y * 0.6, bottom - step_y, step_y):
            for wx in np.arange(x + step_x * 0.25, x + bw - step_x * 0.5, step_x):
                on = lit and rng.random() < 0.55
                colour = hex_bgr(str(rng.choice(["#ffd98a", "#ffe9b0", "#ffc870"]))) if on else ctx.tone("#9fb4c8")
                near.rect(wx, wy, wx + step_x * 0.5, wy + step_y * 0.55, colour, glow=on)
        if ctx.scene.lighting == "neon" and rng.random() < 0.6:
            sign = hex_bgr(str(rng.choice(["#ff3ea5", "#27e0ff", "#b04dff", "#3dff9e"])))
            sy = top + rng.uniform(0.1, 0.5) * bh
            near.rect(x + bw * 0.15, sy, x + bw * 0.85, sy + 0.012 * h, sign, glow=True)
        x += bw + rng.uniform(0.005, 0.03) * w
    street = ctx.painter()
    street.rect(0, hy + 0.14 * h, w, hy + 0.17 * h, ctx.tone("#a3a3a3"))
    street.rect(0, hy + 0.17 * h, w, h, ctx.tone("#3b3d42"))
    for x in np.arange(0, w, 0.12 * w):
        street.rect(x, hy + 0.27 * h, x + 0.06 * w, hy + 0.28 * h, ctx.tone("#e8e8e8"))
    street.speckle(rng, 5)
    return [_sky(ctx), far.layer(0.2, light), near.layer(0.5, light), street.layer(1.0, light)]


def _forest(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    far = ctx.painter()
    far.fill(_below(h, np.full(w, hy - 0.02 * h)), ctx.tone("#5f8a7a"))
    for x in np.arange(0, w, 0.018 * w):
        _conifer(far, x + rng.uniform(-4, 4), hy - 0.01 * h, rng.uniform(0.08, 0.15) * h, ctx.tone("#5f8a7a"))
    mid = ctx.painter()
    mid.fill(_below(h, _smooth_ridge(rng, w, hy + 0.04 * h, 0.006 * h)), ctx.tone("#3f5a30"))
    x = rng.uniform(0, 0.04) * w
    while x < w:
        green = ctx.tone(str(rng.choice(["#2d5a3d", "#264d35", "#33603a"])))
        _conifer(mid, x, hy + 0.05 * h, rng.uniform(0.2, 0.34) * h, green)
        x += rng.uniform(0.05, 0.11) * w
    near = _ground(ctx, hy + 0.1 * h, 0.012 * h, "#4f6b34", "#3a4f25", speckle=9)
    for x in (rng.uniform(0.0, 0.08) * w, rng.uniform(0.92, 1.0) * w):
        near.rect(x - 0.025 * w, 0, x + 0.025 * w, h, ctx.tone("#3b2a1e"))
    return [_sky(ctx), far.layer(0.15, light), mid.layer(0.45, light), near.layer(1.0, light)]


def _mountains(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    far = ctx.painter()
    ridge = _peak_ridge(rng, w, hy - 0.02 * h, 0.24 * h, 4)
    far.fill(_below(h, ridge), _gradient(h, ctx.tone("#9aadc6"), ctx.tone("#7c8fa8"), hy - 0.26 * h, hy))
    snow_line = float(ridge.min()) + 0.07 * h
    caps = _below(h, ridge) & (np.arange(h)[:, None] < snow_line + 0.01 * h * np.sin(np.arange(w) / 9.0))
    far.fill(caps.astype(np.uint8) * 255, ctx.tone("#f1f4f8"))
    mid = ctx.painter()
    mid.fill(_below(h, _peak_ridge(rng, w, hy + 0.04 * h, 0.11 * h, 3)), ctx.tone("#4e6a5e"))
    near = _ground(ctx, hy + 0.11 * h, 0.015 * h, "#7fae5a", "#4d7d36", speckle=8)
    for _ in range(4):
        near.ellipse(rng.uniform(0, w), hy + rng.uniform(0.16, 0.4) * h, 0.03 * w, 0.012 * h, ctx.tone("#8a8a86"))
    return [_sky(ctx), far.layer(0.1, light), mid.layer(0.35, light), near.layer(1.0, light)]


def _snow(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    far = ctx.painter()
    far.fill(_below(h, _smooth_ridge(rng, w, hy - 0.02 * h, 0.04 * h)), ctx.tone("#dfe8f2"))
    mid = ctx.painter()
    mid.fill(_below(h, _smooth_ridge(rng, w, hy + 0.04 * h, 0.01 * h)), ctx.tone("#e8eef6"))
    x = rng.uniform(0, 0.05) * w
    while x < w:
        _conifer(mid, x, hy + 0.05 * h, rng.uniform(0.14, 0.28) * h, ctx.tone("#24463a"), snow=(250, 250, 250))
        x += rng.uniform(0.06, 0.14) * w
    near = _ground(ctx, hy + 0.11 * h, 0.015 * h, "#f7f9fc", "#d5dfeb", speckle=4)
    return [_sky(ctx), far.layer(0.15, light), mid.layer(0.45, light), near.layer(1.0, light)]


def _space(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    sky = _sky(ctx)
    nebula = np.zeros((h, w, 3), np.float32)
    for code in ("#6a2c91", "#1f5fa8", "#b03a6b"):
        blob = np.zeros((h, w), np.float32)
        cv2.ellipse(
            blob,
            (int(rng.uniform(0, w)), int(rng.uniform(0.1, 0.5) * h)),
            (int(rng.uniform(0.15, 0.3) * w), int(rng.uniform(0.05, 0.12) * h)),
            float(rng.uniform(0, 180)), 0, 360, 1.0, -1,
        )  # fmt: skip
        nebula += cv2.GaussianBlur(blob, (0, 0), w * 0.06)[:, :, None] * np.array(hex_bgr(code), np.float32) * 0.45
    sky.bgra[:, :, :3] = np.clip(sky.bgra[:, :, :3] + nebula, 0, 255).astype(np.uint8)
    planet = ctx.painter()
    px, py, radius = rng.uniform(0.2, 0.8) * w, rng.uniform(0.12, 0.22) * h, rng.uniform(0.12, 0.2) * w
    ys, xs = np.ogrid[:h, :w]
    inside = ((xs - px) ** 2 + (ys - py) ** 2 <= radius**2).astype(np.uint8) * 255
    bands = (np.sin((ys - py) / radius * rng.uniform(6, 11)) * 0.5 + 0.5).astype(np.float32)
    shade = np.clip(1.1 - ((xs - px + radius * 0.5) ** 2 + (ys - py + radius * 0.4) ** 2) / (2.2 * radius**2), 0.15, 1)
    base_a, base_b = np.array(ctx.tone("#d08850"), np.float32), np.array(ctx.tone("#8a4f35"), np.float32)
    surface = (base_a * bands[:, :, None] + base_b * (1 - bands[:, :, None])) * shade[:, :, None]
    planet.fill(inside, np.clip(surface, 0, 255).astype(np.uint8))
    cv2.ellipse(planet.image, (int(px), int(py)), (int(radius * 1.7), int(radius * 0.35)), -12, 200, 340,
                ctx.tone("#d8c8a8"), max(2, int(radius * 0.06)), cv2.LINE_AA)  # fmt: skip
    cv2.ellipse(planet.alpha, (int(px), int(py)), (int(radius * 1.7), int(radius * 0.35)), -12, 200, 340,
                200, max(2, int(radius * 0.06)), cv2.LINE_AA)  # fmt: skip
    ground = _ground(ctx, hy + 0.1 * h, 0.02 * h, "#8d8d93", "#55555c", speckle=10)
    for _ in range(9):
        cx, cy = rng.uniform(0, w), hy + rng.uniform(0.14, 0.42) * h
        size = rng.uniform(0.02, 0.06) * w
        ground.ellipse(cx, cy, size, size * 0.3, ctx.tone("#6a6a70"))
        ground.ellipse(cx, cy + size * 0.05, size * 0.8, size * 0.22, ctx.tone("#4a4a50"))
    return [sky, planet.layer(0.08, light), ground.layer(1.0, light)]


def _desert(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    far = ctx.painter()
    mesa = np.full(w, hy + 0.01 * h, np.float32)
    for _ in range(3):
        x0, width, height = rng.uniform(0, w), rng.uniform(0.12, 0.3) * w, rng.uniform(0.06, 0.14) * h
        xs = np.arange(w)
        profile = np.clip(np.minimum(xs - x0, x0 + width - xs) / (0.03 * w), 0, 1)
        mesa = np.minimum(mesa, hy + 0.01 * h - profile * height)
    far.fill(_below(h, mesa), ctx.tone("#b8735a"))
    mid = ctx.painter()
    mid.fill(_below(h, _smooth_ridge(rng, w, hy + 0.03 * h, 0.04 * h, 1.0)), _gradient(h, ctx.tone("#e8b46e"),
             ctx.tone("#c98b4b"), hy - 0.01 * h, hy + 0.12 * h))  # fmt: skip
    near = _ground(ctx, hy + 0.13 * h, 0.03 * h, "#eec083", "#d39a58", speckle=7)
    cx, base = w * (0.12 if ctx.scene.direction < 0 else 0.88), hy + 0.2 * h
    green = ctx.tone("#3f6b3a")
    near.line(np.array([[cx, base], [cx, base - 0.2 * h]]), green, 0.035 * w)
    for side, level in ((-1, 0.09), (1, 0.13)):
        arm = np.array([[cx, base - level * h], [cx + side * 0.05 * w, base - level * h],
                        [cx + side * 0.05 * w, base - (level + 0.06) * h]])  # fmt: skip
        near.line(arm, green, 0.025 * w)
    return [_sky(ctx), far.layer(0.12, light), mid.layer(0.4, light), near.layer(1.0, light)]


def _underwater(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    water = np.ascontiguousarray(
        np.broadcast_to(_gradient(h, hex_bgr(light.sky_top), hex_bgr(light.sky_horizon)), (h, w, 3))
    ).astype(np.float32)
    rays = np.zeros((h, w), np.float32)
    for _ in range(6):
        x = rng.uniform(0, w)
        spread, tilt = rng.uniform(0.02, 0.05) * w, rng.uniform(-0.2, 0.2) * w
        cv2.fillPoly(rays, [np.array([[x - spread * 0.3, 0], [x + spread * 0.3, 0], [x + tilt + spread, h * 0.8],
                                      [x + tilt - spread, h * 0.8]], np.int32)], 1.0)  # fmt: skip
    rays = cv2.GaussianBlur(rays, (0, 0), w * 0.02) * np.linspace(0.35, 0, h, dtype=np.float32)[:, None]
    water += rays[:, :, None] * np.array(hex_bgr("#d8fbff"), np.float32)
    sky = Layer(np.dstack([np.clip(water, 0, 255).astype(np.uint8), np.full((h, w), 255, np.uint8)]), 0.0)
    rocks = ctx.painter()
    rocks.fill(_below(h, _peak_ridge(rng, w, hy + 0.06 * h, 0.14 * h, 4)), ctx.tone("#1d4f66"))
    weeds = ctx.painter()
    for _ in range(14):
        x, height = rng.uniform(0, w), rng.uniform(0.1, 0.26) * h
        ys = np.linspace(hy + 0.14 * h, hy + 0.14 * h - height, 10)
        xs = x + np.sin(np.linspace(0, rng.uniform(2, 5), 10)) * 0.015 * w
        weeds.line(np.stack([xs, ys], 1), ctx.tone(str(rng.choice(["#2f7d4f", "#3f8f3a", "#5a9a3a"]))), 0.012 * w)
    for _ in range(6):
        weeds.ellipse(rng.uniform(0, w), hy + 0.13 * h, rng.uniform(0.02, 0.05) * w, 0.025 * h,
                      ctx.tone(str(rng.choice(["#e0705a", "#f0a060", "#d05a8a"]))))  # fmt: skip
    seabed = _ground(ctx, hy + 0.13 * h, 0.015 * h, "#c8b78a", "#9c8c66", speckle=8)
    return [sky, rocks.layer(0.15, light), weeds.layer(0.45, light), seabed.layer(1.0, light)]


def _club(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng = ctx.width, ctx.height, ctx.horizon, ctx.rng
    wall = np.broadcast_to(_gradient(h, ctx.tone("#2a0f45"), ctx.tone("#07030f"), 0, hy), (h, w, 3)).astype(np.float32)
    beams = np.zeros((h, w, 3), np.float32)
    for _ in range(6):
        x0, x1 = rng.uniform(0.1, 0.9) * w, rng.uniform(-0.2, 1.2) * w
        cone = np.zeros((h, w), np.float32)
        cv2.fillPoly(cone, [np.array([[x0, 0], [x1 - 0.06 * w, hy + 0.2 * h], [x1 + 0.06 * w, hy + 0.2 * h]],
                                     np.int32)], 1.0)  # fmt: skip
        colour = np.array(hex_bgr(str(rng.choice(["#ff2fa0", "#2fe6ff", "#b04dff", "#3dff9e", "#ffd23d"]))))
        beams += cv2.GaussianBlur(cone, (0, 0), w * 0.01)[:, :, None] * colour.astype(np.float32) * 0.35
    for y, code in ((0.28, "#ff2fa0"), (0.34, "#2fe6ff")):
        strip = np.zeros((h, w), np.float32)
        cv2.line(strip, (0, int(y * hy)), (w, int(y * hy)), 1.0, max(2, int(0.004 * h)))
        beams += cv2.GaussianBlur(strip, (0, 0), 0.006 * h)[:, :, None] * np.array(hex_bgr(code), np.float32) * 2.5
    image = np.clip(wall + beams, 0, 255).astype(np.uint8)
    ball = (int(w * 0.5), int(0.1 * h))
    cv2.circle(image, ball, int(0.05 * w), (200, 200, 210), -1, cv2.LINE_AA)
    for k in range(-4, 5):
        off = int(k * 0.011 * w)
        cv2.line(
            image, (ball[0] + off, ball[1] - int(0.05 * w)), (ball[0] + off, ball[1] + int(0.05 * w)), (90, 90, 100), 1
        )
        cv2.line(
            image, (ball[0] - int(0.05 * w), ball[1] + off), (ball[0] + int(0.05 * w), ball[1] + off), (90, 90, 100), 1
        )
    backdrop = Layer(np.dstack([image, np.full((h, w), 255, np.uint8)]), 0.0)
    crowd = ctx.painter()
    for row in range(3):
        base, size = hy + (0.02 + row * 0.05) * h, (0.028 + row * 0.006) * w
        shade = ctx.tone("#0d0714", 1 + row * 0.3)
        for slot in np.arange(rng.uniform(0, size), w, size * 2.4):
            x = slot + rng.uniform(-0.3, 0.3) * size
            crowd.ellipse(x, base - size * 1.2, size * 0.5, size * 0.62, shade)
            crowd.ellipse(x, base + size * 0.2, size * 1.1, size * 0.9, shade)
    floor = ctx.painter()
    top = hy + 0.15 * h
    colours = [ctx.tone(c) for c in ("#3a1450", "#16365a", "#5a1440", "#1d4a3a")]
    tile = 0.08 * w
    floor.fill(_below(h, np.full(w, top)), (8, 4, 10))  # the gaps between the lit tiles
    for j, y in enumerate(np.arange(top, h, tile * 0.6)):
        for i, x in enumerate(np.arange(0, w, tile)):
            floor.rect(x + 1, y + 1, x + tile - 2, y + tile * 0.6 - 2, colours[(i + j) % len(colours)], glow=True)
    return [backdrop, crowd.layer(0.5, ctx.light, graded=False), floor.layer(1.0, ctx.light, graded=False)]


def _office(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    wall = ctx.painter()
    wall.fill(np.full((h, w), 255, np.uint8), _gradient(h, ctx.tone("#e4e7ec"), ctx.tone("#c5ccd4")))
    night = ctx.scene.lighting == "night"
    sky_top, sky_low = ("#0b1230", "#24345e") if night else ("#8cc0ec", "#d4e8f6")
    for x in np.arange(0.05 * w, w - 0.2 * w, 0.3 * w):
        x0, x1, y0, y1 = x, x + 0.24 * w, 0.12 * h, hy - 0.04 * h
        view = np.zeros((h, w), np.uint8)
        view[int(y0) : int(y1), int(x0) : int(x1)] = 255
        wall.fill(view, _gradient(h, hex_bgr(sky_top), hex_bgr(sky_low), y0, y1))
        bx = x0
        while bx < x1:
            bw, bh = rng.uniform(0.02, 0.05) * w, rng.uniform(0.05, 0.2) * h
            wall.rect(bx, y1 - bh, min(bx + bw, x1), y1, ctx.tone("#3c4658" if night else "#9aa6b6"))
            bx += bw
        for fx0, fx1 in ((x0 - 6, x0), (x1, x1 + 6), ((x0 + x1) / 2 - 3, (x0 + x1) / 2 + 3)):
            wall.rect(fx0, y0 - 6, fx1, y1 + 6, (245, 245, 245))
        wall.rect(x0 - 6, y0 - 6, x1 + 6, y0, (245, 245, 245))
        wall.rect(x0 - 6, y1, x1 + 6, y1 + 8, (245, 245, 245))
    for x in np.arange(0.1 * w, w, 0.3 * w):
        wall.rect(x, 0.02 * h, x + 0.16 * w, 0.03 * h, (250, 252, 255), glow=True)
    desks = ctx.painter()
    for x in np.arange(rng.uniform(0, 0.1) * w, w, 0.32 * w):
        top = hy + 0.05 * h
        desks.rect(x, top, x + 0.26 * w, top + 0.02 * h, ctx.tone("#b98d5f"))
        desks.rect(x + 0.01 * w, top + 0.02 * h, x + 0.03 * w, top + 0.1 * h, ctx.tone("#8a8f99"))
        desks.rect(x + 0.23 * w, top + 0.02 * h, x + 0.25 * w, top + 0.1 * h, ctx.tone("#8a8f99"))
        desks.rect(x + 0.06 * w, top - 0.07 * h, x + 0.18 * w, top - 0.005 * h, ctx.tone("#22262d"))
        desks.rect(x + 0.07 * w, top - 0.065 * h, x + 0.17 * w, top - 0.012 * h, hex_bgr("#4a90d9"), glow=True)
        desks.rect(x + 0.115 * w, top - 0.005 * h, x + 0.125 * w, top, ctx.tone("#22262d"))
    px = w * (0.9 if ctx.scene.direction > 0 else 0.1)
    desks.rect(px - 0.03 * w, hy + 0.08 * h, px + 0.03 * w, hy + 0.14 * h, ctx.tone("#a0522d"))
    for dx, dy in ((0, -0.1), (-0.03, -0.06), (0.03, -0.06), (0, -0.03)):
        desks.ellipse(px + dx * w, hy + (0.14 + dy) * h, 0.04 * w, 0.03 * h, ctx.tone("#3f8a3f"))
    floor = _ground(ctx, hy + 0.13 * h, 0.0, "#6d7480", "#585e69", speckle=5)
    return [wall.layer(0.0, light), desks.layer(0.5, light), floor.layer(1.0, light)]


def _kitchen(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    wall = ctx.painter()
    wall.fill(np.full((h, w), 255, np.uint8), ctx.tone("#efe6d6"))
    tile = int(0.04 * w)
    grout = ctx.tone("#d8ccb6")
    wall.image[::tile, :] = grout
    wall.image[:, ::tile] = grout
    wx = w * (0.7 if ctx.scene.direction > 0 else 0.1)
    wall.rect(wx, 0.16 * h, wx + 0.2 * w, 0.36 * h, (245, 245, 245))
    view = np.zeros((h, w), np.uint8)
    view[int(0.17 * h) : int(0.35 * h), int(wx + 6) : int(wx + 0.2 * w - 6)] = 255
    wall.fill(view, _gradient(h, hex_bgr("#8cc0ec"), hex_bgr("#d4e8f6"), 0.17 * h, 0.35 * h))
    wall.rect(wx + 0.1 * w - 3, 0.16 * h, wx + 0.1 * w + 3, 0.36 * h, (245, 245, 245))
    wood = ctx.tone("#a8774f")
    for x in np.arange(0, w, 0.2 * w):
        if not (wx - 0.2 * w < x < wx + 0.2 * w):
            wall.rect(x + 4, 0.02 * h, x + 0.2 * w - 4, 0.14 * h, wood)
            wall.rect(x + 0.1 * w - 2, 0.1 * h, x + 0.1 * w + 2, 0.13 * h, (200, 200, 205))
    shelf = ctx.painter()
    sx = w * (0.15 if ctx.scene.direction > 0 else 0.6)
    shelf.rect(sx, hy - 0.06 * h, sx + 0.25 * w, hy - 0.05 * h, wood)
    for k in range(5):
        colour = ctx.tone(str(rng.choice(["#d8a040", "#b0402a", "#e8e0d0", "#5a7a3a"])))
        shelf.rect(sx + (0.01 + k * 0.05) * w, hy - 0.1 * h, sx + (0.045 + k * 0.05) * w, hy - 0.06 * h, colour)
    counter = ctx.painter()
    top = hy + 0.08 * h
    counter.rect(0, top, w, top + 0.025 * h, ctx.tone("#3c3f44"))
    counter.rect(0, top + 0.025 * h, w, h, wood)
    for x in np.arange(0, w, 0.2 * w):
        counter.rect(x + 6, top + 0.05 * h, x + 0.2 * w - 6, h, ctx.tone("#a8774f", 0.9))
        counter.rect(x + 0.08 * w, top + 0.07 * h, x + 0.12 * w, top + 0.075 * h, (200, 200, 205))
    counter.rect(0.3 * w, top - 0.01 * h, 0.45 * w, top, ctx.tone("#c89a62"))
    for k, code in enumerate(("#d03a2a", "#f08a2a", "#6aa83a")):
        counter.ellipse((0.6 + k * 0.03) * w, top - 0.012 * h, 0.016 * w, 0.012 * h, ctx.tone(code))
    return [wall.layer(0.0, light), shelf.layer(0.4, light), counter.layer(1.0, light)]


def _stadium(ctx: Ctx) -> list[Layer]:
    w, h, hy, rng, light = ctx.width, ctx.height, ctx.horizon, ctx.rng, ctx.light
    stands = ctx.painter()
    top, bottom = hy - 0.2 * h, hy + 0.03 * h
    stands.rect(0, top, w, bottom, ctx.tone("#3d4450"))
    count = int(w * (bottom - top) * 0.05)
    xs, ys = rng.uniform(0, w, count).astype(int), rng.uniform(top + 4, bottom, count).astype(int)
    palette = np.array([ctx.tone(c) for c in ("#d8d8d8", "#c8323c", "#2f5fc0", "#e8c23a", "#6a6a6a", "#e07a2e")])
    stands.image[ys, xs] = palette[rng.integers(0, len(palette), count)]
    stands.rect(0, top - 0.02 * h, w, top, ctx.tone("#2a2e36"))
    for x in (0.15 * w, 0.85 * w):
        stands.rect(x - 3, top - 0.2 * h, x + 3, top, ctx.tone("#55595f"))
        for i in range(4):
            for j in range(2):
                lx, ly = x - 0.03 * w + i * 0.02 * w, top - 0.24 * h + j * 0.02 * h
                stands.rect(lx, ly, lx + 0.015 * w, ly + 0.015 * h, (250, 252, 255), glow=True)
    pitch = ctx.painter()
    pitch_top = hy + 0.03 * h
    for k, y in enumerate(np.arange(pitch_top, h, 0.05 * h)):
        pitch.rect(0, y, w, y + 0.05 * h, ctx.tone("#4f9a3f" if k % 2 == 0 else "#468c37"))
    pitch.rect(0, pitch_top + 0.02 * h, w, pitch_top + 0.024 * h, (235, 235, 235))
    cv2.ellipse(pitch.image, (w // 2, int(pitch_top + 0.2 * h)), (int(0.2 * w), int(0.06 * h)), 0, 0, 360,
                (235, 235, 235), 3, cv2.LINE_AA)  # fmt: skip
    return [_sky(ctx), stands.layer(0.2, light), pitch.layer(1.0, light)]


@dataclass(frozen=True)
class Setting:
    paint: Callable[[Ctx], list[Layer]]
    light: str  # its lighting when the prompt names none
    indoor: bool = False


SETTINGS = {
    "park": Setting(_park, "day"),
    "beach": Setting(_beach, "day"),
    "city": Setting(_city, "day"),
    "forest": Setting(_forest, "day"),
    "mountains": Setting(_mountains, "day"),
    "snow": Setting(_snow, "overcast"),
    "space": Setting(_space, "space"),
    "desert": Setting(_desert, "day"),
    "underwater": Setting(_underwater, "underwater"),
    "club": Setting(_club, "neon", indoor=True),
    "office": Setting(_office, "indoor", indoor=True),
    "kitchen": Setting(_kitchen, "indoor", indoor=True),
    "stadium": Setting(_stadium, "day"),
}


# ---------------------------------------------------------------------------------------------------
# Particles: snow, rain, bubbles (an additive frame-sized image scrolled every frame)


@dataclass(frozen=True)
class Particles:
    image: np.ndarray  # (height, width, 3) uint8, added to the frame
    velocity: tuple[float, float]  # pixels per second, x and y

    def add(self, frame: np.ndarray, seconds: float) -> None:
        dy = round(self.velocity[1] * seconds) % frame.shape[0]
        dx = round(self.velocity[0] * seconds) % frame.shape[1]
        cv2.add(frame, np.roll(self.image, (dy, dx), axis=(0, 1)), dst=frame)


def _particles(kind: str, width: int, height: int, rng: np.random.Generator) -> Particles | None:
    image = np.zeros((height, width, 3), np.uint8)
    if kind == "snow":
        for _ in range(int(width * height / 2500)):
            radius = rng.uniform(1, 3.2)
            level = int(rng.uniform(120, 230))
            cv2.circle(image, (int(rng.uniform(0, width)), int(rng.uniform(0, height))), int(radius),
                       (level, level, level), -1, cv2.LINE_AA)  # fmt: skip
        return Particles(image, (height * 0.02, height * 0.12))
    if kind == "rain":
        for _ in range(int(width * height / 3000)):
            x, y, length = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.015, 0.035) * height
            cv2.line(image, (int(x), int(y)), (int(x - length * 0.15), int(y + length)), (70, 70, 75), 1, cv2.LINE_AA)
        return Particles(image, (-height * 0.12, height * 0.8))
    if kind == "bubbles":
        for _ in range(int(width * height / 9000)):
            radius = int(rng.uniform(2, 7))
            cv2.circle(image, (int(rng.uniform(0, width)), int(rng.uniform(0, height))), radius,
                       (120, 110, 80), 1, cv2.LINE_AA)  # fmt: skip
        return Particles(image, (0.0, -height * 0.08))
    return None


# ---------------------------------------------------------------------------------------------------
# The camera and compositing


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


# ---------------------------------------------------------------------------------------------------
# Cameo figures


@dataclass(frozen=True)
class Figure:
    """A cameo's sprite (BGRA) and where its face centre and hip pivot are on it."""

    sprite: np.ndarray
    face: tuple[float, float]
    pivot: tuple[float, float]


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
    return Figure(np.dstack([image, alpha]), (cx, face_cy), (cx, face_cy + reach * 0.55))


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
) -> None:
    """The cameos side by side, walking, bobbing and swaying, seen through the camera (which follows
    them: they move with its zoom and shake but only partly with its pan)."""
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
        x = width * (k + 0.5) / len(figures) + drift
        matrix = view @ _figure_matrix(figure, x, height * HEAD_Y + bob, sway)
        _draw_sprite(frame, figure.sprite, matrix[:2])


# ---------------------------------------------------------------------------------------------------
# The backend


def _cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """`image` scaled to cover width × height and centre-cropped to exactly that size."""
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    image = image[:, :, :3]
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    size = (max(width, round(w * scale)), max(height, round(h * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    y0, x0 = (size[1] - height) // 2, (size[0] - width) // 2
    return np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])


def cover_crop(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Public helper: an image (any size and aspect, BGR) cover-cropped to width × height."""
    return _cover(image, width, height)


def _image_layers(image: np.ndarray, width: int, height: int) -> list[Layer]:
    """An uploaded image as two layers: a blurred copy behind, the sharper centre in front."""
    k = 1.15  # canvas resolution over the frame's, so the zoom stays sharp
    cw, ch = round(width * k), round(height * k)
    sharp = _cover(image, cw, ch)
    blurred = cv2.GaussianBlur(sharp, (0, 0), max(2.0, 0.012 * cw))
    back = Layer(np.dstack([blurred, np.full((ch, cw), 255, np.uint8)]), 0.3, scale=1.04 / k)
    mask = np.zeros((ch, cw), np.uint8)
    cv2.ellipse(mask, (cw // 2, ch // 2), (int(cw * 0.4), int(ch * 0.4)), 0, 0, 360, 255, -1)
    feather = cv2.GaussianBlur(mask, (0, 0), 0.08 * min(cw, ch))
    front = Layer(np.dstack([sharp, feather]), 1.0, scale=1.0 / k)
    return [back, front]


@dataclass(frozen=True)
class Shot:
    """Everything painted once for a request; frames are then only warps and composites of it."""

    scene: Scene
    layers: list[Layer]  # back to front; the first is opaque
    particles: Particles | None
    cameras: list[Camera]  # one per frame
    figures: list[Figure]


def _figures(request: RenderRequest, light: Light) -> list[Figure]:
    count = len(request.cameos)
    if not count:
        return []
    face_px = max(24, round(FACE_SHARE[count] * min(request.width, request.height)))
    tint = (np.array(light.grade, np.float32) * 0.5 + 0.5)[::-1].copy()  # half the scene's grade, BGR
    reach = request.height * (1.12 - HEAD_Y)  # below the frame's bottom edge, whatever the bob and zoom
    rng = _rng(request.seed, 7)
    return [make_figure(c.crops[0], face_px, _clothes(c, rng), tint, reach) for c in request.cameos]


def plan_shot(request: RenderRequest) -> Shot:
    """Paint the scene (or prepare the uploaded image), the figures and the camera path of a request."""
    width, height, seed = request.width, request.height, request.seed
    if request.image is not None:
        planned = plan_scene(request.full_prompt, seed)
        direction = 1 if _rng(seed, 2).random() < 0.5 else -1
        scene = Scene("image", "day", "ken_burns", planned.action, "none", direction)
        layers, light = _image_layers(request.image, width, height), LIGHTS["day"]
    else:
        scene = plan_scene(request.full_prompt, seed)
        light = LIGHTS[scene.lighting]
        canvas_w, canvas_h = round(width * (1 + 2 * MARGIN_X)), round(height * (1 + 2 * MARGIN_Y))
        jitter = _rng(seed, 3).uniform(0.92, 1.08, 3).astype(np.float32)
        layers = SETTINGS[scene.setting].paint(Ctx(canvas_w, canvas_h, _rng(seed, 4), light, scene, jitter))
    return Shot(
        scene=scene,
        layers=layers,
        particles=_particles(scene.weather, width, height, _rng(seed, 5)),
        cameras=_camera_path(scene.motion, scene.direction, request.frame_count, _rng(seed, 6), width),
        figures=_figures(request, light),
    )


def compose(shot: Shot, index: int, width: int, height: int, fps: int) -> np.ndarray:
    """Frame `index` of a shot: each layer warped by the camera (only the rows no nearer layer
    covers), the particles, then the figures."""
    camera, layers = shot.cameras[index], shot.layers
    matrices = [_layer_matrix(layer, camera, width, height) for layer in layers]
    stops = [height] * len(layers)  # stops[k]: the row from which a layer in front of layer k covers all
    for k in range(len(layers) - 2, -1, -1):
        stops[k] = min(stops[k + 1], _covered_from(layers[k + 1], matrices[k + 1], height))
    frame = np.empty((height, width, 3), np.uint8)
    if stops[0] > 0:
        _warp_rows(frame, layers[0].bgr, matrices[0], 0, stops[0])
    for k in range(1, len(layers)):
        _draw_layer(frame, layers[k], matrices[k], stops[k])
    seconds = index / fps
    if shot.particles is not None:
        shot.particles.add(frame, seconds)
    _draw_figures(
        frame,
        shot.figures,
        camera,
        motion=ACTIONS[shot.scene.action],
        direction=shot.scene.direction,
        seconds=seconds,
        t=index / max(1, len(shot.cameras) - 1),
    )
    return frame


class CompositeBackend:
    """Renders a prompt as an animated layered scene with the cameos' faces on moving figures."""

    name = "composite"

    def render(self, request: RenderRequest, progress: Progress) -> Iterator[np.ndarray]:
        """Yield exactly request.frame_count BGR uint8 frames of request.height × request.width."""
        width, height, fps, count = request.width, request.height, request.fps, request.frame_count
        if width < 16 or height < 16 or fps < 1:
            raise BackendError(f"Cannot render {width}×{height} at {fps} fps.")
        if len(request.cameos) > MAX_CAMEOS:
            raise BackendError(f"The composite backend places at most {MAX_CAMEOS} cameos in a video.")
        for cameo in request.cameos:
            if not cameo.crops:
                raise BackendError(f"Cameo @{cameo.handle} has no reference crop.")
        shot = plan_shot(request)
        for index in range(count):
            frame = compose(shot, index, width, height, fps)
            progress((index + 1) / count)
            yield frame
