"""What an uploaded video can cost a web process and a worker under the caps (cameos.conf:
MAX_SIDE, MAX_FRAMES, MAX_SECONDS, DECODE_SECONDS; docs/liveness.md § Upload caps), and how fast the
old hostile files are refused.

Each case runs in its own child process, so its peak memory (ru_maxrss) is its own:
- request: the upload check (cameos.services.check_upload: headers, then 3 frames decoded under caps);
- worker: the verification's decode (sample_frames under caps) and the liveness check on its frames;
- *-uncapped: the same file read the old way (no pixel cap, no per-frame check), for comparison.

Files: the worst accepted upload (MAX_SIDE×MAX_SIDE H.264, MAX_FRAMES frames in MAX_SECONDS, under
MAX_BYTES, busy content), a 16000×16000 H.264 MOV (3 frames, ~0.75 MB; making it takes ~20 s and
~2.6 GB once) and a WebM whose frames grow to 4096×4096 after 2.5 s. They are cached under var/bench/.

    .venv/bin/python benchmarks/upload_caps.py [--skip-huge]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

from _common import ROOT, setup_django

CACHE = ROOT / "var" / "bench"


def _django() -> None:
    os.environ.setdefault("DJANGO_DEBUG", "1")
    setup_django()


# --- files -----------------------------------------------------------------------------------------


def worst_accepted(side: int, frames: int, seconds: float, max_bytes: int) -> Path:
    import av
    import numpy as np

    path = CACHE / f"worst_{side}_{frames}.mp4"
    if path.exists():
        return path
    rate = Fraction(frames, int(seconds)) if seconds == int(seconds) else Fraction(frames / seconds)
    rng = np.random.default_rng(1)
    blocks = rng.integers(0, 255, (side // 32 + 1, side // 32 + 1, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        # Busy frames (blocks that move every frame), as much bitrate as MAX_BYTES allows.
        kbps = int(max_bytes * 8 / seconds / 1000 * 0.9)
        stream.options = {"preset": "ultrafast", "x264-params": f"vbv-maxrate={kbps}:vbv-bufsize={kbps}", "crf": "30"}
        for i in range(frames):
            image = np.kron(np.roll(blocks, i, axis=1), np.ones((32, 32, 1), np.uint8))[:side, :side]
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def huge(side: int = 16000) -> Path:
    import av
    import numpy as np

    path = CACHE / f"huge_{side}.mov"
    if path.exists():
        return path
    with av.open(str(path), "w", format="mov") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "tune": "zerolatency", "threads": "1"}
        frame = av.VideoFrame.from_ndarray(np.full((side * 3 // 2, side), 128, np.uint8), format="yuv420p")
        for i in range(25):  # 2.5 s: passes the duration check
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def growing(side: int = 4096) -> Path:
    from tests.cameos.test_upload_caps import encode

    path = CACHE / f"growing_{side}.webm"
    if not path.exists():
        path.write_bytes(encode("libvpx", "webm", [(320, 240, 25), (side, side, 5)]))
    return path


# --- cases (in a child process) --------------------------------------------------------------------


def run_case(case: str, path: str) -> dict[str, object]:
    _django()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cameos.conf import conf
    from cameos.likeness.video import UnreadableVideo, sample_frames
    from cameos.services import enrollment as services

    started = time.perf_counter()
    outcome = "accepted"
    try:
        if case == "request":
            upload = SimpleUploadedFile("upload", Path(path).read_bytes())
            services.check_upload(upload)
        elif case == "request-uncapped":  # the old check: decode 3 frames, then look at the size
            import av

            with av.open(path) as container:
                for n, _ in enumerate(container.decode(video=0)):
                    if n >= 2:
                        break
        elif case == "worker":
            from cameos.likeness.enrollment import Rules, verify
            from cameos.likeness.faces import engine

            frames = sample_frames(path, fps=conf().sample_fps, caps=services.upload_caps())
            verify(frames, ["center", "turn_left", "look_up"], engine=engine(), rules=Rules())
        elif case == "worker-uncapped":
            sample_frames(path, fps=conf().sample_fps)
    except services.InvalidUpload as exc:
        outcome = f"400: {str(exc)[:60]}"
    except UnreadableVideo as exc:
        outcome = f"rejected: {getattr(exc, 'code', 'video_unreadable')}"
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "outcome": outcome,
    }


def measure(case: str, path: Path) -> dict[str, object]:
    # The parent stays small (no Django, no PyAV): Linux carries a process's peak RSS across
    # fork and exec, so a child's ru_maxrss would start from the parent's.
    done = subprocess.run(
        [sys.executable, __file__, "--case", case, str(path)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"seconds": "-", "peak_mb": "-", "outcome": f"crashed ({done.returncode}) {done.stderr[-120:]!r}"}
    return json.loads(lines[-1])  # type: ignore[no-any-return]


def make_files(skip_huge: bool) -> dict[str, object]:
    """In a child process (it takes GBs to make the 16000×16000 file)."""
    _django()
    from cameos.conf import conf

    rules = conf()
    CACHE.mkdir(parents=True, exist_ok=True)
    side, frames, seconds = rules.max_side, rules.max_frames, rules.max_seconds
    files = [
        (
            f"worst accepted {side}×{side}, {frames} frames, {seconds:g} s",
            str(worst_accepted(side, frames, seconds, rules.max_bytes)),
        ),
        ("WebM growing to 4096×4096 after 2.5 s", str(growing())),
    ]
    if not skip_huge:
        files.append(("16000×16000 H.264 MOV, 25 frames", str(huge())))
    caps = f"MAX_SIDE {side}, MAX_FRAMES {frames}, MAX_SECONDS {seconds:g}, DECODE_SECONDS {rules.decode_seconds:g}"
    return {"files": files, "caps": caps}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("--make", action="store_true")
    parser.add_argument("path", nargs="?")
    parser.add_argument("--skip-huge", action="store_true", help="no 16000×16000 file (it takes ~2.6 GB to make)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.path)))
        return
    if args.make:
        print(json.dumps(make_files(args.skip_huge)))
        return
    made = subprocess.run(
        [sys.executable, __file__, "--make", *(["--skip-huge"] if args.skip_huge else [])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    plan = json.loads([line for line in made.stdout.splitlines() if line.startswith("{")][-1])
    print(f"caps: {plan['caps']}")
    print("| file | bytes | step | wall s | peak RSS MB | outcome |\n|---|---|---|---|---|---|")
    for label, name in plan["files"]:
        path = Path(name)
        for case in ("request", "request-uncapped", "worker", "worker-uncapped"):
            if case == "worker" and "growing" not in path.name and "worst" not in path.name:
                continue  # refused at the request: never reaches a worker
            if case == "request-uncapped" and "worst" in path.name:
                continue
            if case == "worker-uncapped" and "growing" not in path.name:
                continue
            result = measure(case, path)
            size = f"{path.stat().st_size / 1e6:.2f} MB"
            print(f"| {label} | {size} | {case} | {result['seconds']} | {result['peak_mb']} | {result['outcome']} |")


if __name__ == "__main__":
    main()
