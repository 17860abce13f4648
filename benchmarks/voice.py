"""The voice step of enrollment (figures in BENCHMARKS.md § Sound: the voice step in enrollment).

    .venv/bin/python benchmarks/voice.py                # everything, about 10 minutes on 2 cores
    .venv/bin/python benchmarks/voice.py --strings 20   # fewer digit strings per voice

Speech comes from piper's joe voice (a pinned package) and from espeak-ng voices (a Debian package:
`apt-get install espeak-ng`), each also pitch-shifted by ±2 and ±4 semitones (librosa). A shift of
±2 counts as the same voice, a shift of ±4 or more as a different one. Measured:
- voice templates (cameos.likeness.voice.voice_template): same-voice and different-voice cosine
  scores, and the false-accept / false-reject rates at thresholds around the chosen one;
- digits (digits_heard + digits_match + the digit-share check, as cameos.services does): right
  digits accepted (and with one digit said twice), wrong digits and non-digit sentences rejected,
  over random digit strings × voices;
- time: the voice part alone (read the sound track, digits, template) and a whole verification
  (frames, head poses, voice) of a test enrollment video with the digits muxed in; and on the
  request path, the upload check and the sound check the voice step adds, side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import platform
import secrets
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import pct, setup_django

os.environ.setdefault("DJANGO_DEBUG", "1")

ESPEAK = ["en-us", "en-gb", "en-gb-scotland", "en-us+m3", "en-us+f2", "en-gb-x-rp+f4"]
SHIFTS = [0, 2, -2, 4, -4]
SENTENCES = [
    "this water is freezing today",
    "let us go to the beach tomorrow",
    "my name is not important",
    "the quick brown fox jumps over the lazy dog",
    "can you hear me now",
    "I would like a cup of coffee",
    "the weather is lovely in spring",
    "please turn off the lights",
    "we are recording a video",
    "good morning everyone",
]


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError, StopIteration):
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return f"{platform.node()} {platform.machine()} {model}, {os.cpu_count()} cores"


def speaker(voice: str):  # a function: text -> 16 kHz samples
    import soxr

    from cameos.likeness.voice import RATE
    from tests import enroll

    if voice == "joe":

        def say(text: str) -> np.ndarray:
            samples, rate = enroll.speak(text)
            return soxr.resample(samples, rate, RATE).astype(np.float32)

        return say

    def say_espeak(text: str) -> np.ndarray:
        import soundfile

        with tempfile.NamedTemporaryFile(suffix=".wav") as out:
            subprocess.run(["espeak-ng", "-v", voice, "-w", out.name, text], check=True)
            samples, rate = soundfile.read(out.name, dtype="float32")
        return soxr.resample(samples, rate, RATE).astype(np.float32)

    return say_espeak


def shifted(samples: np.ndarray, steps: int) -> np.ndarray:
    if steps == 0:
        return samples
    import librosa

    from cameos.likeness.voice import RATE

    return librosa.effects.pitch_shift(samples, sr=RATE, n_steps=steps).astype(np.float32)


def padded(samples: np.ndarray) -> np.ndarray:
    """As in a recording: half a second of quiet room before and after the speech."""
    rng = np.random.default_rng(0)
    quiet = (rng.normal(size=8000) * 1e-4).astype(np.float32)
    return np.concatenate([quiet, samples, quiet])


def random_digits(rng: secrets.SystemRandom) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(rng.choice((4, 5, 6))))


def accepted(samples: np.ndarray, expected: str, rules, heard=None) -> tuple[bool, str]:
    """The services' decision on the digits (cameos.services.enrollment._check_voice's order)."""
    from cameos.likeness.voice import digits_heard, digits_match

    heard = heard or digits_heard(samples)
    if heard.speech_s < rules.voice_min_speech_seconds or not heard.digits:
        return False, "digits_missing"
    if heard.digit_share < rules.voice_min_digit_share:
        return False, "digits_missing"
    if not digits_match(heard.digits, expected):
        return False, "digits_wrong"
    return True, "accepted"


def scores(voices: list[str], utterances: int) -> None:
    from cameos.conf import conf
    from cameos.likeness.voice import similarity, voice_template
    from tests import enroll

    rng = secrets.SystemRandom()
    templates: dict[tuple[str, int], list[np.ndarray]] = {}
    for voice in voices:
        say = speaker(voice)
        texts = [enroll.spoken_digits(random_digits(rng)) for _ in range(utterances)]
        spoken = [say(t) for t in texts]
        for steps in SHIFTS:
            templates[(voice, steps)] = [voice_template(padded(shifted(s, steps))) for s in spoken]
    same, different, unshifted = [], [], []
    keys = list(templates)
    for a, b in itertools.combinations_with_replacement(keys, 2):
        for i, ta in enumerate(templates[a]):
            for j, tb in enumerate(templates[b]):
                if a == b and j <= i:
                    continue
                if a[0] == b[0] and abs(a[1] - b[1]) < 4:  # the same voice, or shifted by 2 semitones
                    same.append(similarity(ta, tb))
                    if a == b:
                        unshifted.append(similarity(ta, tb))
                else:
                    different.append(similarity(ta, tb))
    groups = (("same voice (±2 semitones)", same), ("same voice, same pitch", unshifted), ("different", different))
    for name, values in groups:
        print(
            f"{name}: {len(values)} pairs, min {min(values):.3f}, p01 {pct(values, 0.01):.3f}, "
            f"median {statistics.median(values):.3f}, p99 {pct(values, 0.99):.3f}, max {max(values):.3f}"
        )
    chosen = conf().voice_same_threshold
    for threshold in sorted({0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, chosen}):
        fa = sum(v >= threshold for v in different) / len(different)
        fr = sum(v < threshold for v in same) / len(same)
        mark = " (VOICE_SAME_THRESHOLD)" if threshold == chosen else ""
        print(f"  threshold {threshold:.2f}{mark}: false accept {fa:.2%}, false reject {fr:.2%}")


def digits(voices: list[str], strings: int) -> None:
    from cameos.conf import conf
    from cameos.likeness.voice import digits_heard
    from tests import enroll

    rules, rng = conf(), secrets.SystemRandom()
    right = wrong = sentences = stutters = 0
    right_n = wrong_n = sentence_n = stutter_n = 0
    misses: list[str] = []
    for voice in voices:
        say = speaker(voice)
        for _ in range(strings):
            expected = random_digits(rng)
            samples = padded(say(enroll.spoken_digits(expected)))
            heard = digits_heard(samples)
            ok, code = accepted(samples, expected, rules, heard)
            right += ok
            right_n += 1
            if not ok:
                misses.append(f"{voice} {expected}: {code}")
            other = random_digits(rng)
            while other == expected:
                other = random_digits(rng)
            wrong += not accepted(samples, other, rules, heard)[0]
            wrong_n += 1
            k = rng.randrange(len(expected))  # one digit said twice in a row: forgiven
            stutters += accepted(
                padded(say(enroll.spoken_digits(expected[:k] + expected[k] + expected[k:]))), expected, rules
            )[0]
            stutter_n += 1
        for sentence in SENTENCES:
            sentences += not accepted(padded(say(sentence)), random_digits(rng), rules)[0]
            sentence_n += 1
        print(
            f"  {voice}: right accepted {right}/{right_n}, said twice accepted {stutters}/{stutter_n}, "
            f"sentences rejected {sentences}/{sentence_n}",
            flush=True,
        )
    print(f"right digits accepted: {right}/{right_n} ({right / right_n:.1%})")
    print(f"wrong digits rejected: {wrong}/{wrong_n} ({wrong / wrong_n:.1%})")
    print(f"one digit said twice, accepted: {stutters}/{stutter_n} ({stutters / stutter_n:.1%})")
    print(f"non-digit sentences rejected: {sentences}/{sentence_n} ({sentences / sentence_n:.1%})")
    print("right digits refused:", "; ".join(misses[:20]) or "none")


def timing(runs: int) -> None:
    from cameos.conf import conf
    from cameos.likeness.enrollment import Rules, verify
    from cameos.likeness.faces import engine
    from cameos.likeness.video import sample_frames
    from cameos.likeness.voice import read_audio, voice_template
    from cameos.services.enrollment import upload_caps
    from tests import enroll
    from tests.cameos import videos

    samples, rate = enroll.speak(enroll.spoken_digits("48213"))
    data = enroll.with_audio(videos.video(), samples, rate)
    rules = conf()
    voice_s, whole_s = [], []
    with tempfile.NamedTemporaryFile(suffix=".mp4") as file:
        file.write(data)
        file.flush()
        for _ in range(runs):
            start = time.perf_counter()
            frames = sample_frames(file.name, fps=rules.sample_fps, caps=upload_caps())
            verdict = verify(frames, list(videos.STEPS), engine=engine(), rules=Rules(**rules.rules))
            middle = time.perf_counter()
            sound = read_audio(file.name, max_seconds=rules.max_seconds)
            ok, _ = accepted(sound, "48213", rules)
            voice_template(sound)
            end = time.perf_counter()
            if not (verdict.accepted and ok):
                raise SystemExit("the test recording was not accepted")
            voice_s.append((end - middle) * 1000)
            whole_s.append((end - start) * 1000)
    for name, values in (
        ("voice part (read sound, digits, template)", voice_s),
        ("whole, with the voice step", whole_s),
    ):
        print(f"{name}: median {statistics.median(values):.0f} ms, p99 {pct(values, 0.99):.0f} ms")
    upload_timing(data, runs)


def upload_timing(data: bytes, runs: int) -> None:
    """The request path of an enrollment upload with the voice step, side by side in one loop: the
    upload check every upload has (check_upload: headers, 3 frames under caps) and the sound check
    the voice step adds (check_sound: the sound track read under the same caps, silence refused)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cameos.services.enrollment import check_sound, check_upload

    upload = SimpleUploadedFile("selfie.mp4", data, content_type="video/mp4")
    check_upload(upload)  # warm: codecs and imports
    check_sound(upload)
    checks, sounds = [], []
    for _ in range(runs):
        start = time.perf_counter()
        check_upload(upload)
        middle = time.perf_counter()
        check_sound(upload)
        end = time.perf_counter()
        checks.append((middle - start) * 1000)
        sounds.append((end - middle) * 1000)
    for name, values in (("upload check (check_upload)", checks), ("sound check added (check_sound)", sounds)):
        print(f"request, {name}: median {statistics.median(values):.1f} ms, p99 {pct(values, 0.99):.1f} ms")
    ratio = statistics.median(sounds) / statistics.median(checks)
    print(f"request: the sound check adds {ratio:.2f}x the upload check")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--strings", type=int, default=50, help="digit strings per voice")
    parser.add_argument("--utterances", type=int, default=6, help="utterances per voice for the scores")
    parser.add_argument("--runs", type=int, default=30, help="timed verifications")
    parser.add_argument("--only", choices=["scores", "digits", "timing"])
    args = parser.parse_args()
    setup_django()
    voices = ["joe", *ESPEAK]
    print(machine())
    print("voices:", ", ".join(voices), "; shifts:", SHIFTS)
    from cameos.likeness.voice import _decoders, _encoder

    start = time.perf_counter()
    _decoders()
    _encoder()
    print(f"models loaded once per process: {time.perf_counter() - start:.1f} s")
    if args.only in (None, "timing"):
        timing(args.runs)
    if args.only in (None, "scores"):
        scores(voices, args.utterances)
    if args.only in (None, "digits"):
        digits(voices, args.strings)


if __name__ == "__main__":
    main()
