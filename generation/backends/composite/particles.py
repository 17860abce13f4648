"""Particles: snow, rain, bubbles (an additive frame-sized image scrolled every frame)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


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
