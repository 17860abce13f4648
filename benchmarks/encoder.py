"""Media pipeline benchmark: H.264 encoder throughput per x264 preset, watermark cost, C2PA signing.

    .venv/bin/python benchmarks/encoder.py                      # 576×1024, 24 fps, 120 frames, 3 runs
    .venv/bin/python benchmarks/encoder.py --presets veryfast medium --runs 5

Frames are made before timing (moving gradients, antialiased shapes, light grain: content the
encoder has to work on, not flat colour). Each run times the real `encode_mp4` (BGR → yuv420p
conversion, libx264, mp4 mux with +faststart). Signing uses a throwaway development chain.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("DJANGO_DEBUG", "1")

PRESETS = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]


def machine() -> str:
    return f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores"


def realistic_frames(width: int, height: int, count: int, fps: int, seed: int = 0) -> list[np.ndarray]:
    """`count` BGR frames of a moving scene: drifting colour waves, a few antialiased shapes gliding
    across at different speeds, a soft vignette and per-frame grain."""
    import cv2

    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    vignette = (1 - 0.35 * ((x - 0.5) ** 2 + (y - 0.5) ** 2) * 4)[..., None]
    grain = [rng.normal(0, 3, (height, width, 3)).astype(np.float32) for _ in range(8)]
    shapes = [
        (
            rng.uniform(0, 1, 2),
            rng.uniform(-0.3, 0.3, 2),
            int(rng.integers(20, 90)),
            tuple(int(c) for c in rng.integers(0, 256, 3)),
        )
        for _ in range(6)
    ]
    frames = []
    for i in range(count):
        t = i / fps
        base = np.empty((height, width, 3), np.float32)
        base[..., 0] = 110 + 70 * np.sin(6 * x + 3 * y + 1.3 * t)
        base[..., 1] = 100 + 60 * np.sin(4 * y - 2 * x - 0.9 * t) * np.cos(3 * x + 0.5 * t)
        base[..., 2] = 120 + 80 * np.cos(5 * (x + y) + 0.7 * t)
        frame = np.clip(base * vignette + grain[i % len(grain)], 0, 255).astype(np.uint8)
        for start, velocity, radius, colour in shapes:
            cx, cy = (start + velocity * t) % 1.0
            centre = (int(cx * width), int(cy * height))
            cv2.circle(frame, centre, radius, colour, -1, cv2.LINE_AA)
            cv2.rectangle(
                frame,
                (centre[0] - radius // 2, centre[1] + radius),
                (centre[0] + radius, centre[1] + 2 * radius),
                colour[::-1],
                -1,
                cv2.LINE_AA,
            )
        frames.append(frame)
    return frames


def bench_encoder(frames: list[np.ndarray], fps: int, presets: list[str], crf: int, runs: int) -> None:
    from generation.media.encode import encode_mp4

    height, width = frames[0].shape[:2]
    seconds = len(frames) / fps
    print(
        f"encoder: libx264 crf {crf}, {width}x{height}, {fps} fps, {len(frames)} frames ({seconds:.1f} s), {runs} runs"
    )
    results: dict[str, tuple[float, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for preset in presets:
            path = Path(tmp) / f"{preset}.mp4"
            speeds = []
            for _ in range(runs):
                t0 = time.perf_counter()
                encode_mp4(frames, path, fps=fps, preset=preset, crf=crf)
                speeds.append(len(frames) / (time.perf_counter() - t0))
            results[preset] = (statistics.median(speeds), path.stat().st_size)
    ref = "medium" if "medium" in results else presets[0]
    ref_fps, ref_size = results[ref]
    header = ["median fps", "x realtime", "size KB", "kbit/s", f"fps/{ref}", f"size/{ref}"]
    print(f"  {'preset':<10}" + "".join(f"{h:>13}" for h in header))
    for preset, (speed, size) in results.items():
        kbps = size * 8 / 1000 / seconds
        print(
            f"  {preset:<10}{speed:>13.1f}{speed / fps:>13.1f}{size / 1024:>13.0f}{kbps:>13.0f}"
            f"{speed / ref_fps:>13.2f}{size / ref_size:>13.2f}"
        )


def bench_watermark(frames: list[np.ndarray], fps: int, runs: int) -> None:
    from generation.media.watermark import watermark

    watermark(frames[0], 0, fps, "ana.maria")  # renders and caches the patch
    per_frame = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for i, frame in enumerate(frames):
            watermark(frame, i, fps, "ana.maria")
        per_frame.append((time.perf_counter() - t0) / len(frames))
    copy = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for frame in frames:
            frame.copy()
        copy.append((time.perf_counter() - t0) / len(frames))
    print(
        f"watermark: median {statistics.median(per_frame) * 1000:.3f} ms per frame "
        f"(of which the frame copy {statistics.median(copy) * 1000:.3f} ms), {runs} runs of {len(frames)} frames"
    )


def bench_c2pa(frames: list[np.ndarray], fps: int, runs: int) -> None:
    from django.conf import settings
    from django.test import override_settings

    from generation.media.encode import encode_mp4
    from generation.media.provenance import read_manifest, sign_mp4, signing_material

    with tempfile.TemporaryDirectory() as tmp:
        conf = {
            **settings.CASTFEED_GENERATION,
            "C2PA_CERT_CHAIN": "",
            "C2PA_PRIVATE_KEY": "",
            "C2PA_TRUST_ANCHORS": "",
            "C2PA_DEV_DIR": Path(tmp) / "c2pa",
        }
        with override_settings(CASTFEED_GENERATION=conf):
            t0 = time.perf_counter()
            signing_material()
            make_chain = time.perf_counter() - t0
            clip, signed = Path(tmp) / "clip.mp4", Path(tmp) / "signed.mp4"
            encode_mp4(frames, clip, fps=fps)
            signing, reading = [], []
            for _ in range(runs):
                t0 = time.perf_counter()
                sign_mp4(clip, signed, job_id="bench", model="composite", author="ana.maria")
                t1 = time.perf_counter()
                manifest = read_manifest(signed)
                reading.append(time.perf_counter() - t1)
                signing.append(t1 - t0)
                if not manifest.valid:
                    raise SystemExit(f"the signed clip does not validate: {manifest.validation_errors}")
            size, grown = clip.stat().st_size, signed.stat().st_size - clip.stat().st_size
    sign_ms = statistics.median(signing) * 1000
    print(
        f"c2pa: {len(frames) / fps:.1f} s clip ({size / 1024:.0f} KB): sign median {sign_ms:.0f} ms, "
        f"read + validate median {statistics.median(reading) * 1000:.0f} ms, manifest adds {grown / 1024:.1f} KB; "
        f"dev chain made in {make_chain * 1000:.0f} ms (once)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=576)
    parser.add_argument("--height", type=int, default=1024)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--crf", type=int, default=23)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--presets", nargs="+", default=PRESETS, choices=PRESETS)
    args = parser.parse_args()

    import av

    libavcodec = ".".join(map(str, av.library_versions["libavcodec"]))
    print(f"machine: {machine()}; PyAV {av.__version__}, libavcodec {libavcodec}")
    frames = realistic_frames(args.width, args.height, args.frames, args.fps)
    bench_encoder(frames, args.fps, args.presets, args.crf, args.runs)
    bench_watermark(frames, args.fps, args.runs)
    bench_c2pa(frames, args.fps, args.runs)


if __name__ == "__main__":
    main()
