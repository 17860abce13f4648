"""What finding the faces of an uploaded image costs, view by view (BENCHMARKS.md, 2026-12-06 fourth
session): the part of the reference-image check that grows when the detector looks at more views.

    .venv/bin/python benchmarks/upload_faces.py [--runs 300]

No database. Three 1920×1080 images: a photo of a person (matplotlib's Grace Hopper, the face about
a third of the frame's height), the same photo with the face pixelated 8 blocks across (which only
the small copy finds), and a photo of nobody (scikit-image's coffee). For each, interleaved run by run:
  - `detect_any_way_up` as the request path calls it (upright, turned three ways, the denoised copy
    when noisy, the small upright copy, MOSAIC_SIDE): "all views";
  - as a worker's check calls it (`thorough`: also the equalised copy four ways, FLAT_SIDE, and the
    copy tilted an eighth four ways, TILTED_SIDE): "worker's views";
  - the small copy's pass alone (`small_copy_faces`: the DETECT_MAX_SIDE copy, which every view
    shares and is made once here, shrunk to MOSAIC_SIDE and looked at): what the pass adds;
and whether the face was found. Each run's time is the wall time of one call on one thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import cv2
import numpy as np
from _common import p50_p99, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")


def _frame(rgb: np.ndarray) -> np.ndarray:
    """The photo scaled onto a 1920×1080 grey frame (BGR), as a phone's landscape upload."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    scale = 1080 / bgr.shape[0]
    scaled = cv2.resize(bgr, (round(bgr.shape[1] * scale), 1080), interpolation=cv2.INTER_CUBIC)
    frame = np.full((1080, 1920, 3), 128, np.uint8)
    left = (1920 - scaled.shape[1]) // 2
    frame[:, left : left + scaled.shape[1]] = scaled
    return frame


def _pixelated(image: np.ndarray, box: tuple[int, int, int, int], blocks: int) -> np.ndarray:
    x, y, w, h = box
    cell = max(2, w // blocks)
    coarse = cv2.resize(image[y : y + h, x : x + w], (w // cell, h // cell), interpolation=cv2.INTER_AREA)
    out = image.copy()
    out[y : y + h, x : x + w] = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_NEAREST)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    setup_django()
    import matplotlib.cbook
    from skimage import data

    from cameos.likeness import faces

    found = faces.engine()
    hopper = cv2.imread(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    person = _frame(hopper[:, :, ::-1])
    (face,) = found.detect(person)
    box = tuple(int(v) for v in face.box)
    images = {
        "a person": person,
        "the face pixelated 8 across": _pixelated(person, box, 8),  # type: ignore[arg-type]
        "nobody": _frame(data.coffee()),
    }
    print(f"{platform.node()}, {os.cpu_count()} cores, {args.runs} runs, MOSAIC_SIDE {faces.MOSAIC_SIDE}")
    times: dict[tuple[str, str], list[float]] = {}
    shared = {name: faces._shrunk(image, faces.DETECT_MAX_SIDE) for name, image in images.items()}
    for name, image in images.items():
        plain, every_view = len(found.detect(image)), len(found.detect_any_way_up(image))
        print(f"{name}: plain detect finds {plain}, detect_any_way_up {every_view}")
    for _ in range(args.runs):
        for name, image in images.items():
            start = time.perf_counter()
            found.detect_any_way_up(image)
            middle = time.perf_counter()
            found.small_copy_faces(*shared[name])
            end = time.perf_counter()
            found.detect_any_way_up(image, thorough=True)
            last = time.perf_counter()
            times.setdefault((name, "all views"), []).append((middle - start) * 1000)
            times.setdefault((name, "small copy alone"), []).append((end - middle) * 1000)
            times.setdefault((name, "worker's views"), []).append((last - end) * 1000)
    for (name, part), samples in times.items():
        print(f"{name:32s} {part:18s} {p50_p99(samples, digits=2)}")


if __name__ == "__main__":
    main()
