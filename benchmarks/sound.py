"""What sound adds to a clip (issue 17): speech for a quoted line, the ambience bed, the mix, the
loudness pass and the AAC mux, per 5 s clip at 576×1024, 24 fps, on this machine. Target: at most 1 s.

    .venv/bin/python benchmarks/sound.py                # 20 runs, a one-line and a two-line prompt
    .venv/bin/python benchmarks/sound.py --runs 50

Each run times the real functions the worker runs, warm (models loaded once per worker process; the
first load is printed apart): `speech.speak` (Piper TTS of the quoted lines, the mouth envelopes),
`ambience.bed`, `backend.mix`, `audio.soundtrack` (resample, fit, −16 LUFS) and `audio.mux_audio` (the
H.264 stream copied next to the AAC one, +faststart), on an H.264 file encoded before timing. Side by
side in the same run: the video-only encode of the same 120 frames, for scale.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

PROMPTS = {
    "one line": '@ana at the beach saying "this water is freezing"',
    "two lines": '@ana in a busy city street saying "where is the station?" and @bob saying "just around the corner"',
    "no line": "@ana dancing in a club at night",
}
SECONDS, FPS, WIDTH, HEIGHT = 5.0, 24, 576, 1024


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    from encoder import realistic_frames  # benchmarks/encoder.py

    from generation.backends.composite import ambience, plan_scene
    from generation.backends.composite.backend import mix
    from generation.backends.composite.speech import _voice, speak
    from generation.media.audio import mux_audio, soundtrack
    from generation.media.encode import encode_mp4

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; {args.runs} runs per prompt")
    t = time.perf_counter()
    _voice()
    print(f"first load of the Piper voice (once per worker process): {time.perf_counter() - t:.2f} s")

    frames = realistic_frames(WIDTH, HEIGHT, round(SECONDS * FPS), FPS)
    with tempfile.TemporaryDirectory() as folder:
        silent, out = Path(folder) / "frames.mp4", Path(folder) / "clip.mp4"
        encodes = []
        for _ in range(max(3, args.runs // 4)):
            t = time.perf_counter()
            encode_mp4(iter(frames), silent, fps=FPS)
            encodes.append(time.perf_counter() - t)
        print(f"for scale, the video-only H.264 encode of the same clip: median {np.median(encodes) * 1000:.0f} ms")
        print()
        print("| prompt | speech | ambience | mix + loudness | mux | added in all: median | p99 |")
        print("|---|---|---|---|---|---|---|")
        for name, prompt in PROMPTS.items():
            parts: dict[str, list[float]] = {"speech": [], "bed": [], "mix": [], "mux": [], "total": []}
            for run in range(args.runs):
                scene = plan_scene(prompt, run)
                t0 = time.perf_counter()
                spoken = speak(prompt, ["ana", "bob"], seconds=SECONDS, fps=FPS)
                t1 = time.perf_counter()
                bed = ambience.bed(scene, SECONDS, run)
                t2 = time.perf_counter()
                track = soundtrack(mix(bed, spoken), ambience.RATE, SECONDS)
                t3 = time.perf_counter()
                mux_audio(silent, track, out)
                t4 = time.perf_counter()
                for key, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0), strict=True):
                    parts[key].append(value * 1000)
            median = {k: float(np.median(v)) for k, v in parts.items()}
            print(
                f"| {name} | {median['speech']:.0f} ms | {median['bed']:.0f} ms | {median['mix']:.0f} ms "
                f"| {median['mux']:.0f} ms | {median['total']:.0f} ms | {pct(parts['total'], 99):.0f} ms |"
            )


if __name__ == "__main__":
    import django

    django.setup()
    main()
