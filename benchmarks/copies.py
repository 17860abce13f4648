"""Copies of removed videos (vPDQ): fingerprint cost, lookup cost at publish, and what is caught.

    .venv/bin/python benchmarks/copies.py                       # 20 clips, 10,000 removed, 10 runs
    .venv/bin/python benchmarks/copies.py --clips 10 --removed 100000

1. Fingerprint: `generation.media.fingerprint.fingerprint_mp4` on a 5 s 576×1024 24 fps clip made by
   the composite backend and the real encoder (median and p99 of --runs).
2. Lookup: `feed.selectors.removed_copy_of` (what `video_publish` runs) against --removed stored
   fingerprints of 4–20 frames (2–10 s clips): cold (the process loads the table) and warm (one
   aggregate query and the in-memory scan), and the scan alone.
3. Detection: --clips originals (varied prompts and seeds) are removed; each is re-encoded in the ways
   below, and each copy is looked up among them and the --removed others. --clips different clips
   (half the same prompt with another seed, half other prompts) must match nothing.

Works in a throwaway SQLite database unless DATABASE_URL is set; there, everything is rolled back.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from _common import pct, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

SIZE = (576, 1024)
FPS = 24
PROMPTS = [
    "surfing at sunset on the beach",
    "walking through a city at night",
    "hiking in a forest, overcast",
    "skiing in the snowy mountains",
    "floating in space among the stars",
    "dancing in a neon club",
    "cooking in a kitchen",
    "working late in an office",
    "running across a desert at golden hour",
    "swimming underwater with fish",
    "cheering in a stadium",
    "a picnic in the park on a sunny day",
    "a rainy evening in the city",
    "snowfall over a quiet forest",
]
Frame = np.ndarray


def render(path: Path, prompt: str, seed: int, seconds: float = 5.0) -> Path:
    from generation.backends.base import RenderRequest
    from generation.backends.composite import CompositeBackend
    from generation.media.encode import encode_mp4
    from generation.media.watermark import watermark

    request = RenderRequest(
        prompt=prompt, cameos=[], image=None, duration_s=seconds, width=SIZE[0], height=SIZE[1], fps=FPS, seed=seed
    )
    frames = CompositeBackend().render(request, lambda _: None)
    encode_mp4((watermark(f, i, FPS, "author") for i, f in enumerate(frames)), path, fps=FPS)
    return path


def transform(
    source: Path,
    path: Path,
    *,
    size: tuple[int, int],
    crf: int,
    fps: int = FPS,
    edit: Callable[[Frame], Frame] | None = None,
) -> Path:
    """Decode and encode again: another size, bitrate and frame rate, and an edit of each frame."""
    import av
    import cv2

    from generation.media.encode import encode_mp4

    with av.open(str(source)) as container:
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    frames = []
    for i in range(len(decoded) * fps // FPS):
        frame = decoded[i * FPS // fps]
        frame = edit(frame.copy()) if edit is not None else frame
        frames.append(np.ascontiguousarray(cv2.resize(frame, size, interpolation=cv2.INTER_AREA)))
    encode_mp4(frames, path, fps=fps, crf=crf)
    return path


def caption(frame: Frame) -> Frame:
    import cv2

    h, w = frame.shape[:2]
    for colour, thickness in (((0, 0, 0), 6), ((255, 255, 255), 2)):
        cv2.putText(frame, "@reuploader", (w // 20, h - h // 15), cv2.FONT_HERSHEY_SIMPLEX, w / 480, colour, thickness)
    return frame


def logo(frame: Frame) -> Frame:
    import cv2

    h, w = frame.shape[:2]
    cv2.rectangle(frame, (w - w // 8, h // 30), (w - w // 60, h // 14), (255, 255, 255), -1)  # ~10% × 4%
    return frame


def crop(frame: Frame) -> Frame:
    h, w = frame.shape[:2]
    return frame[h // 50 : h - h // 50, w // 50 : w - w // 50]  # 2% off each side


def mirror(frame: Frame) -> Frame:
    return np.ascontiguousarray(frame[:, ::-1])


# (name, arguments of transform, counted in the headline detection rate)
COPIES: list[tuple[str, dict, bool]] = [
    ("360×640, CRF 32", {"size": (360, 640), "crf": 32}, True),
    ("288×512, CRF 35, 30 fps", {"size": (288, 512), "crf": 35, "fps": 30}, True),
    ("576×1024, CRF 28, caption stamped", {"size": SIZE, "crf": 28, "edit": caption}, True),
    ("432×768, CRF 40", {"size": (432, 768), "crf": 40}, True),
    ("opaque logo (10% × 4% of the frame)", {"size": SIZE, "crf": 28, "edit": logo}, False),
    ("2% cropped off each side", {"size": SIZE, "crf": 28, "edit": crop}, False),
    ("mirrored", {"size": SIZE, "crf": 28, "edit": mirror}, False),
]


def random_fingerprints(n: int, seed: int = 0) -> list:  # type: ignore[type-arg]
    """Stand-ins for other removed videos: 4–20 frames (2–10 s) of random 256-bit hashes."""
    from feed.fingerprints import Fingerprint

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        frames = int(rng.integers(4, 21))
        out.append(Fingerprint(rng.integers(0, 256, (frames, 32), dtype=np.uint8), np.full(frames, 100, np.uint8)))
    return out


def database() -> None:
    """A throwaway SQLite database, migrated, unless DATABASE_URL names one."""
    if os.environ.get("DATABASE_URL"):
        setup_django()
        return
    folder = tempfile.mkdtemp(prefix="copies-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=20, help="removed originals, and as many different clips")
    parser.add_argument("--removed", type=int, default=10_000, help="other removed fingerprints in the table")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    database()

    from django.db import transaction

    from feed import selectors
    from feed.fingerprints import CopyIndex
    from feed.models import RemovedFingerprint
    from generation.media.fingerprint import fingerprint_mp4

    work = Path(tempfile.mkdtemp(prefix="copies-clips-"))
    rows: list[tuple[str, str]] = []

    # 1. Fingerprint cost.
    clip = render(work / "timed.mp4", PROMPTS[0], seed=1)
    fingerprint_mp4(clip)  # warm the decoder
    times = []
    for _ in range(args.runs):
        t = time.perf_counter()
        timed = fingerprint_mp4(clip)
        times.append((time.perf_counter() - t) * 1000)
    rows.append(
        ("fingerprint, 5 s 576×1024 24 fps", f"median {statistics.median(times):.0f} ms, p99 {pct(times, 0.99):.0f} ms")
    )
    rows.append(("stored size", f"{len(timed.to_bytes())} bytes ({len(timed)} frames)"))

    # 3. (made first: the lookup timings use the real clips as probes) Originals, copies, others.
    t = time.perf_counter()
    originals = [render(work / f"o{i}.mp4", PROMPTS[i % len(PROMPTS)], seed=100 + i) for i in range(args.clips)]
    different = [
        render(work / f"d{i}.mp4", PROMPTS[i % len(PROMPTS)], seed=500 + i)  # same prompt, another seed
        if i % 2 == 0
        else render(work / f"d{i}.mp4", PROMPTS[(i + 5) % len(PROMPTS)], seed=900 + i)
        for i in range(args.clips)
    ]
    copies = {
        name: [transform(o, work / f"c{k}_{i}.mp4", **kwargs) for i, o in enumerate(originals)]
        for k, (name, kwargs, _) in enumerate(COPIES)
    }
    made_s = time.perf_counter() - t
    removed = [fingerprint_mp4(o) for o in originals]

    with transaction.atomic():
        ids = list(range(10**12, 10**12 + args.clips))
        others = random_fingerprints(args.removed)
        RemovedFingerprint.objects.bulk_create(
            [
                *(
                    RemovedFingerprint(video_id=i, fingerprint=f.to_bytes(), reason="taken_down")
                    for i, f in zip(ids, removed, strict=True)
                ),
                *(
                    RemovedFingerprint(video_id=2 * 10**12 + i, fingerprint=f.to_bytes(), reason="taken_down")
                    for i, f in enumerate(others)
                ),
            ],
            batch_size=2000,
        )
        probe = timed.to_bytes()

        # 2. Lookup cost.
        cold = []
        for _ in range(max(3, args.runs // 3)):
            selectors._copy_index.clear()
            t = time.perf_counter()
            selectors.removed_copy_of(probe)
            cold.append((time.perf_counter() - t) * 1000)
        warm = []
        for _ in range(args.runs * 10):
            t = time.perf_counter()
            selectors.removed_copy_of(probe)
            warm.append((time.perf_counter() - t) * 1000)
        index = CopyIndex([(i, f.to_bytes()) for i, f in [*zip(ids, removed, strict=True), *enumerate(others)]])
        scan = []
        for _ in range(args.runs * 10):
            t = time.perf_counter()
            index.find(timed)
            scan.append((time.perf_counter() - t) * 1000)
        n = args.removed + args.clips
        rows.append(
            (f"lookup at publish, {n:,} removed: cold (loads the table)", f"median {statistics.median(cold):.0f} ms")
        )
        rows.append(
            (
                f"lookup at publish, {n:,} removed: warm",
                f"median {statistics.median(warm):.1f} ms, p99 {pct(warm, 0.99):.1f} ms",
            )
        )
        rows.append(
            (
                f"  of which the in-memory scan ({index.frames:,} frames)",
                f"median {statistics.median(scan):.1f} ms",
            )
        )

        # 3. Detection, through the same lookup.
        for name, _, counted in COPIES:
            found = sum(
                selectors.removed_copy_of(fingerprint_mp4(c).to_bytes()) == ids[i] for i, c in enumerate(copies[name])
            )
            label = "copies found" if counted else "copies found (outside what PDQ tolerates)"
            rows.append((f"{label}: {name}", f"{found} of {args.clips}"))
        false = sum(selectors.removed_copy_of(fingerprint_mp4(d).to_bytes()) is not None for d in different)
        rows.append(("different clips matched (false blocks)", f"{false} of {args.clips}"))
        transaction.set_rollback(True)

    print(f"\n{platform.node()} {platform.machine()}, {os.cpu_count()} cores; clips made in {made_s:.0f} s\n")
    print("| measure | result |\n|---|---|")
    for measure, result in rows:
        print(f"| {measure} | {result} |")


if __name__ == "__main__":
    main()
