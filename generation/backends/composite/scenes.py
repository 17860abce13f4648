"""The 13 settings, each painted once as a few layers (sky or back wall, far, middle and near ground)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from generation.backends.composite.common import BGR, hex_bgr
from generation.backends.composite.painting import (
    Ctx,
    Layer,
    Painter,
    _below,
    _gradient,
    _over,
    _peak_ridge,
    _smooth_ridge,
)


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
