"""What the output scan's own steps cost for one clip, in one process: the frames sampled as
`moderation.scan.scan_video` samples them, then faces detected, embedded and grouped into tracks
(`cameos.likeness.tracks.face_tracks`). The gallery match that follows (`consent.match_faces`) is left
out: it costs the same for a track whatever found it (its cost at 1M templates: § Consent gate). To
tell a code change from a slow phase of the host, run it from two checkouts, alternating:

    .venv/bin/python benchmarks/scan_cpu.py            # from each checkout's root, in turns

No database. The clip is the one benchmarks/consent.py scans (two real faces, 576×1024, 24 fps), made
once per run, `--seconds` long; `--runs` runs of `--scans` scans each, after one to warm up: p50 of
process CPU and wall a scan, the frames sampled (with the frames either side of each cut, as the
scan samples them: `Cuts`) and the tracks found. `--montage`: a cut every frame, past Cuts' cap.
`--crowd`: a crowd of faces too small to be checked
behind the two, as a concert scene shows them (YuNet finds about 230 in each sampled frame).
`--levers`: no scan; what one frame's detector and embedder calls cost, one way and batched (does a
call cost more than its pixels? does a batch of faces embed faster than one at a time?).
`--composite`: no scan; the frames the scan would sample, with and without `Cuts`, of clips the
composite backend renders from a few prompts with two cameos, in each of the three aspects: what the
cuts (and parts of a calm picture changed at once) add for this project's own backend's motion.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())  # the checkout it is run from, not the one the venv installed
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("DJANGO_DEBUG", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scans", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--crowd", action="store_true", help="a crowd of small faces behind the two")
    parser.add_argument("--montage", action="store_true", help="a cut every other frame (the cap's cost)")
    parser.add_argument("--composite", action="store_true", help="frames sampled of composite renders, no scan")
    parser.add_argument("--levers", action="store_true", help="the detector's and embedder's calls, no scan")
    args = parser.parse_args()
    import django

    django.setup()
    if args.composite:
        _composite_frames(args.seconds)
        return
    if args.levers:
        _levers()
        return
    from cameos.likeness.faces import engine
    from cameos.likeness.tracks import face_tracks
    from cameos.likeness.video import Cuts, sample_frames
    from moderation.conf import conf
    from tests import synthetic_faces as faces

    knobs = conf()
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(_clip(faces, args.seconds, args.crowd, args.montage))
        handle.flush()

        def scan() -> tuple[float, float, int, int]:
            cpu, wall = time.process_time(), time.perf_counter()
            frames = sample_frames(handle.name, fps=knobs.scan_fps, max_side=knobs.scan_max_side, cuts=Cuts())
            tracks = face_tracks(frames, engine=engine(), max_faces=knobs.scan_max_faces)
            return time.process_time() - cpu, time.perf_counter() - wall, len(tracks), len(frames)

        scan()  # warm: the models load
        for run in range(1, args.runs + 1):
            results = [scan() for _ in range(args.scans)]
            cpu = statistics.median(r[0] for r in results) * 1000
            wall = statistics.median(r[1] for r in results) * 1000
            clip = (
                f"{args.seconds:g} s clip" + (" with a crowd" if args.crowd else "") + (" cut" if args.montage else "")
            )
            print(
                f"{os.path.basename(os.getcwd())} run {run}: {clip}, "
                f"{results[0][3]} frames sampled, "
                f"{results[0][2]} tracks: CPU p50 {cpu:.0f} ms, wall p50 {wall:.0f} ms a scan"
            )


def _levers() -> None:
    """--levers: p50 of 200 calls each, on a frame of the scan's size (640×360) with a face in it."""
    import cv2
    import numpy as np

    from cameos.likeness.faces import TILTED_SCAN_SIDE, _shrunk, _tilted, engine, models_dir
    from tests import synthetic_faces as faces

    def p50(call, n: int = 200) -> float:  # type: ignore[no-untyped-def]
        call()
        times = []
        for _ in range(n):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    found = engine()
    frame = faces.paste_faces(faces.scene((640, 360)), [("hopper", 320, 180)], 120)
    turned = cv2.rotate(frame, cv2.ROTATE_90_CLOCKWISE)
    tilted = _tilted(_shrunk(frame, TILTED_SCAN_SIDE)[0])[0]
    two_up = np.vstack([frame, cv2.rotate(frame, cv2.ROTATE_180)])  # upright and upside down, one call
    four_up = np.zeros((720, 1280, 3), np.uint8)  # the four views in one mosaic's pixels

    def detect(image):  # type: ignore[no-untyped-def]
        found.detector.setInputSize((image.shape[1], image.shape[0]))
        return found.detector.detect(image)

    net = cv2.dnn.readNetFromONNX(str(models_dir() / "face_detection_yunet_2023mar_int8bq.onnx"), cv2.dnn.ENGINE_NEW)
    blob = cv2.dnn.blobFromImage(cv2.copyMakeBorder(frame, 0, 24, 0, 0, cv2.BORDER_CONSTANT))  # 640×384: ×32
    outputs = net.getUnconnectedOutLayersNames()

    def new_engine() -> None:
        net.setInput(blob)
        net.forward(outputs)

    crop = found.align(frame, found.detect(frame)[0])
    rows = [
        ("YuNet, one view 640×360", lambda: detect(frame)),
        ("YuNet, one view turned, 360×640", lambda: detect(turned)),
        ("YuNet, two views in one call, 640×720", lambda: detect(two_up)),
        ("YuNet, four views' pixels in one call, 1280×720", lambda: detect(four_up)),
        ("YuNet in cv2.dnn's new engine, 640×384, outputs not decoded", new_engine),
        (
            "a frame's views, upright and turned by quarters (detect_any_way_up_placed)",
            lambda: found.detect_any_way_up_placed(frame),
        ),
        (
            f"a frame's views as the scan looks at them, also tilted four ways at {TILTED_SCAN_SIDE} px",
            lambda: found.detect_any_way_up_placed(frame, tilted_side=TILTED_SCAN_SIDE),
        ),
        (
            f"YuNet, one view tilted at {TILTED_SCAN_SIDE} px, {tilted.shape[1]}×{tilted.shape[0]}",
            lambda: detect(tilted),
        ),
        ("SFace, one face", lambda: found.embed([crop])),
        ("SFace, two faces in one batch", lambda: found.embed([crop, crop])),
    ]
    for what, call in rows:
        print(f"{what}: {p50(call):.2f} ms")


_PROMPTS = (
    "@a and @b dancing at the beach",
    "@a running through a city street at night",
    "@a cooking in a kitchen",
    "a crowd at a stadium cheering, @a waves",
    "@a skiing in the mountains in snow",
)


def _composite_frames(seconds: float) -> None:
    """--composite: per clip, the frames sampled without and with Cuts."""
    import cv2

    from cameos.likeness.video import Cuts, sample_frames
    from generation.backends import get_backend
    from generation.backends.base import CameoRef, RenderRequest
    from generation.conf import conf as generation_conf
    from moderation.conf import conf
    from tests import synthetic_faces as faces

    knobs, backend = conf(), get_backend("composite")
    crops = [cv2.resize(faces.face_patch(name, 224), (224, 224)) for name in ("hopper", "astronaut")]
    totals = [0, 0]
    for aspect, (width, height) in generation_conf().sizes.items():
        for prompt in _PROMPTS:
            cameos = [CameoRef("a", "", [crops[0]]), CameoRef("b", "", [crops[1]])]
            request = RenderRequest(prompt, cameos, None, seconds, width, height, 24, 7)
            rendering = backend.render(request, lambda fraction: None)
            with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
                handle.write(faces.write_video(list(rendering), 24))
                handle.flush()
                counts = [
                    len(sample_frames(handle.name, fps=knobs.scan_fps, max_side=knobs.scan_max_side, cuts=cuts))
                    for cuts in (None, Cuts())
                ]
            totals = [totals[0] + counts[0], totals[1] + counts[1]]
            print(f"{aspect:>5} {prompt}: {counts[0]} frames sampled, {counts[1]} with cuts")
    print(f"all: {totals[0]} frames sampled, {totals[1]} with cuts ({totals[1] / totals[0]:.3f}×)")


def _clip(faces, seconds: float, crowd: bool, montage: bool = False) -> bytes:  # type: ignore[no-untyped-def]
    """benchmarks/consent.py's clip; with `crowd`, its backdrop tiled with a face 48 px wide (17 px,
    too small to check, in the frames the scan samples: YuNet finds about 230 of them in each); with
    `montage`, every other frame of it mirrored (a cut every frame: past Cuts' cap, what a montage or
    noise costs the scan at most)."""
    import cv2
    import numpy as np

    size = (576, 1024)
    if montage:
        with tempfile.NamedTemporaryFile(suffix=".mp4") as plain:
            plain.write(_clip(faces, seconds, crowd))
            plain.flush()
            import av

            with av.open(plain.name) as container:
                images = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
        return faces.write_video([cv2.flip(im, 1) if i % 2 else im for i, im in enumerate(images)], 24)
    if not crowd:
        return faces.cameo_video(["astronaut", "hopper"], seconds=seconds, fps=24, size=size)
    patch = faces.face_patch("hopper", 48)
    backdrop = np.full((size[1], size[0], 3), 128, np.uint8)
    for y in range(0, size[1] - patch.shape[0], patch.shape[0]):
        for x in range(0, size[0] - 48, 48):
            backdrop[y : y + patch.shape[0], x : x + 48] = patch
    total, frames = int(seconds * 24), []
    for i in range(total):
        drift = int((i / max(1, total - 1) - 0.5) * size[0] * 0.1)
        two = [
            ("astronaut", size[0] // 3 + drift, size[1] // 3),
            ("hopper", size[0] * 2 // 3 + drift, size[1] * 2 // 3),
        ]
        frames.append(faces.paste_faces(backdrop, two, size[0] // 4))
    return faces.write_video(frames, 24)


if __name__ == "__main__":
    main()
