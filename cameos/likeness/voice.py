"""The voice step of an enrollment: read the upload's sound track, hear which digits were spoken,
and make a voice template. Pure (no ORM): storing and the status change are cameos.services'.

Digits are read by pocketsphinx twice (docs/liveness.md § Voice step): a JSGF grammar of digit words
gives the digits, but forces any speech into digits ("this water is freezing today" → "2 4 8 3 0 2 2
8"); a second pass with the general en-US language model says whether the speech was digits at all
(it reads spoken digits as digit words or their homophones). The decoders and the speaker encoder
(resemblyzer, CPU) are built once per process: a worker's pool process builds them when it starts
(`load`, core.warmup), not on its first enrollment.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np

RATE = 16000  # what the recogniser and the speaker encoder take
DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
# What the general language model writes for a spoken digit.
HOMOPHONES = {"for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8", "o": "0", "owe": "0"}
_FILLERS = {"<s>", "</s>", "<sil>", "[noise]", "<unk>", "uh", "um", "ah", "a", "the", "and"}
_GRAMMAR = (
    "#JSGF V1.0;\ngrammar digits;\n"
    "public <digits> = ( zero | oh | one | two | three | four | five | six | seven | eight | nine )+ ;\n"
)


class NoAudio(ValueError):
    """The file has no sound track we can read."""


class UnreadableAudio(ValueError):
    """The sound track decodes to samples that are not numbers (NaN or infinite, from a float track):
    nothing can be heard in it, and no level or voice can be measured."""


@dataclass(frozen=True)
class Heard:
    """What the recogniser heard: the digits (grammar pass) and whether the speech was digits at all."""

    digits: str  # "" when nothing was heard
    words: tuple[str, ...]  # the general language model's reading
    digit_share: float  # the share of those words that are digits (or their homophones)
    speech_s: float  # seconds of speech (energy above the floor)


class OtherCodec(ValueError):
    """The sound track is in a codec the caller did not ask to decode (read_audio's `codecs`)."""


def read_audio(
    path: str | Path,
    *,
    max_seconds: float = 15.0,
    decode_seconds: float = 30.0,
    codecs: tuple[str, ...] | None = None,
) -> np.ndarray:
    """The first audio stream of a video (WebM/Opus, MP4/AAC, MOV), mono float32 at 16 kHz, at most
    `max_seconds` of it, decoded within `decode_seconds`; NoAudio if there is none or it cannot be
    decoded, UnreadableAudio if it decodes to samples that are not finite numbers, OtherCodec if
    `codecs` is given and the stream's codec is not one of them (nothing decoded)."""
    deadline = time.monotonic() + decode_seconds
    chunks: list[np.ndarray] = []
    kept = 0
    limit = int(max_seconds * RATE)
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise NoAudio("no audio stream")
            if codecs is not None and container.streams.audio[0].codec_context.name not in codecs:
                raise OtherCodec(container.streams.audio[0].codec_context.name)
            resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
            for frame in container.decode(container.streams.audio[0]):
                chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(frame))
                kept += frame.samples * RATE // (frame.sample_rate or RATE)
                if kept >= limit or time.monotonic() > deadline:
                    break
            chunks.extend(out.to_ndarray().reshape(-1) for out in resampler.resample(None))
    except (NoAudio, OtherCodec):
        raise
    except (av.FFmpegError, ValueError, IndexError, OSError) as exc:
        raise NoAudio(str(exc)) from exc
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    samples = np.concatenate(chunks).astype(np.float32)[:limit]
    if not np.isfinite(samples).all():
        raise UnreadableAudio("the sound track has samples that are not finite numbers")
    return np.clip(samples, -1.0, 1.0)


def speech_seconds(samples: np.ndarray, *, floor_db: float = -45.0) -> float:
    """Seconds of 30 ms frames whose level is above `floor_db` dBFS and within 30 dB of the
    loudest frame: a simple energy detector (silence and a faint hiss count as none)."""
    size = int(0.03 * RATE)
    n = samples.size // size
    if n == 0:
        return 0.0
    frames = samples[: n * size].reshape(n, size).astype(np.float64)
    level = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    voiced = (level > floor_db) & (level > level.max() - 30.0)
    return float(voiced.sum() * size / RATE)


@cache
def _decoders() -> tuple[Any, Any]:
    from pocketsphinx import Decoder, get_model_path

    models = get_model_path()
    hmm, words = os.path.join(models, "en-us", "en-us"), os.path.join(models, "en-us", "cmudict-en-us.dict")
    with tempfile.NamedTemporaryFile("w", suffix=".gram", delete=False) as grammar:
        grammar.write(_GRAMMAR)
    try:
        digits = Decoder(hmm=hmm, dict=words, jsgf=grammar.name, loglevel="FATAL")
    finally:
        os.unlink(grammar.name)
    general = Decoder(hmm=hmm, dict=words, lm=os.path.join(models, "en-us", "en-us.lm.bin"), loglevel="FATAL")
    return digits, general


_lock = threading.Lock()  # a decoder is not thread-safe


def _decode(decoder: Any, pcm: bytes) -> list[str]:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    # No reading at all (a click in silence, for the digits grammar) gives None, not an empty list.
    return [seg.word.lower().split("(")[0] for seg in decoder.seg() or ()]


def digits_heard(samples: np.ndarray) -> Heard:
    """The digits spoken in `samples` (mono float32, 16 kHz), with the general model's reading to
    tell digits from other speech (Heard.digit_share)."""
    speech = speech_seconds(samples)
    if speech == 0.0:
        return Heard("", (), 0.0, 0.0)
    peak = float(np.max(np.abs(samples))) or 1.0
    pcm = (np.clip(samples / peak * 0.9, -1, 1) * 32767).astype(np.int16).tobytes()  # level the gain
    with _lock:
        digits_decoder, general_decoder = _decoders()
        digit_words = _decode(digits_decoder, pcm)
        general = [w for w in _decode(general_decoder, pcm) if w not in _FILLERS and not w.startswith("+")]
    digits = "".join(DIGIT_WORDS[w] for w in digit_words if w in DIGIT_WORDS)
    numeric = sum(1 for w in general if w in DIGIT_WORDS or w in HOMOPHONES)
    share = numeric / len(general) if general else 0.0
    return Heard(digits, tuple(general), share, speech)


def digits_match(heard: str, expected: str) -> bool:
    """The digits heard are the expected ones. Forgiven: a stray "oh" (0) the grammar hears in a
    breath before or after them, when the expected digits do not start or end with 0 themselves; and
    one digit heard twice in a row ("3883176" for 383176), a stutter or a glitching microphone that
    repeats a piece of the sound. Another digit, one left out, or a second repeat is not."""
    trimmed = heard
    if trimmed.startswith("0") and not expected.startswith("0"):
        trimmed = trimmed[1:]
    if trimmed.endswith("0") and not expected.endswith("0"):
        trimmed = trimmed[:-1]
    readings = {heard, trimmed}
    readings |= {r[:i] + r[i + 1 :] for r in readings for i in range(1, len(r)) if r[i] == r[i - 1]}
    return expected in readings


@cache
def _encoder() -> Any:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # webrtcvad's pkg_resources deprecation
        from resemblyzer import VoiceEncoder

    return VoiceEncoder("cpu", verbose=False)


def voice_template(samples: np.ndarray) -> np.ndarray:
    """resemblyzer's 256-number speaker embedding (L2-normalised, float32) of the speech in
    `samples` (mono float32, 16 kHz)."""
    with _encoding:
        encoder = _encoder()  # first: it imports resemblyzer with its import-time warning silenced
        from resemblyzer import preprocess_wav

        wav = preprocess_wav(samples.astype(np.float32), source_sr=RATE)
        if wav.size < RATE // 2:  # its voice detector trimmed nearly everything: use the whole
            wav = samples.astype(np.float32)
        embedding = np.asarray(encoder.embed_utterance(wav), dtype=np.float32)
    return embedding / (np.linalg.norm(embedding) or 1.0)


_encoding = threading.Lock()  # a job and the warm-up: one builds the encoder, the other waits for it


def load() -> None:
    """Build the decoders and the speaker encoder, and make one template (torch's first call): 2.8 s
    that a worker's first enrollment waited for (BENCHMARKS.md § End to end). A job that needs them
    meanwhile waits only for what is left (the two locks)."""
    with _lock:
        _decoders()
    voice_template(np.random.default_rng(0).normal(0.0, 0.1, RATE).astype(np.float32))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two voice templates."""
    return float(np.dot(a, b) / ((np.linalg.norm(a) * np.linalg.norm(b)) or 1.0))
