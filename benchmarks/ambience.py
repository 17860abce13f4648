"""Procedural ambience beds (generation/backends/composite/ambience.py): time to make one bed per setting.

    .venv/bin/python benchmarks/ambience.py [--seconds 5] [--runs 30] [--rate 48000]

Each setting is timed by day with nobody walking, plus a few layered cases (night crickets, rain,
snow, bubbles, footsteps), `--runs` times with a different seed each run (after one warm-up). Prints
wall-clock p50 and p99 per case, in ms, the real-time factor of the median (seconds of sound per
second) and the median CPU time of the process (what the bed costs when the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from _common import p50_p99  # also puts the project root on sys.path

from generation.backends.composite.ambience import RATE, bed
from generation.backends.composite.common import Scene

SETTINGS = [
    "park", "beach", "city", "forest", "mountains", "snow", "space",
    "desert", "underwater", "club", "office", "kitchen", "stadium", "image",
]  # fmt: skip
LAYERED = {
    "park, night": Scene("park", "night", "pan", "idle", "none", 1),
    "city, rain": Scene("city", "overcast", "pan", "idle", "rain", 1),
    "snow, snowing, walk": Scene("snow", "overcast", "pan", "walk", "snow", 1),
    "underwater, bubbles": Scene("underwater", "underwater", "pan", "idle", "bubbles", 1),
    "beach, run": Scene("beach", "day", "pan", "run", "none", 1),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rate", type=int, default=RATE)
    args = parser.parse_args()
    cases = {s: Scene(s, "day", "pan", "idle", "none", 1) for s in SETTINGS} | LAYERED
    print(f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores; {args.seconds:g} s beds at {args.rate} Hz")
    everything: list[float] = []
    for name, scene in cases.items():
        bed(scene, args.seconds, 0, args.rate)  # warm-up: imports, filter designs
        ms, cpu = [], []
        for seed in range(1, args.runs + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            bed(scene, args.seconds, seed, args.rate)
            ms.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        everything += ms
        median = statistics.median(ms)
        rtf = args.seconds * 1000 / median
        print(f"  {name:22s} {p50_p99(ms)}  ({rtf:.0f}x real time; CPU p50 {statistics.median(cpu):.1f} ms)")
    print(f"  {'all':22s} {p50_p99(everything)}")


if __name__ == "__main__":
    main()
