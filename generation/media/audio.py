"""A clip's sound → the MP4's AAC stream (DESIGN.md §6).

`soundtrack` turns whatever a backend returned (any rate, mono or several channels, any length) into
the clip's track: 48 kHz mono float32, exactly as long as the video, with loudness normalised to the
feed's target (−16 LUFS integrated, measured with pyloudnorm, the ITU-R BS.1770 meter) and its peaks
kept under −1 dBFS. `mux_audio` copies the H.264 stream of a video-only MP4 (no re-encoding) into a new
MP4 next to the track encoded as AAC, interleaved, with the moov atom in front (`+faststart`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RATE = 48000  # the MP4's audio: 48 kHz mono AAC
TARGET_LUFS = -16.0
PEAK = 10 ** (-1.0 / 20)  # −1 dBFS
FADE_S = 0.01  # edges faded so a cut sample never clicks
_AAC_FRAME = 1024
LOUDNESS_TOLERANCE = 0.2  # LU: what a listener cannot tell apart
_PASSES = 4


def to_mono(samples: np.ndarray) -> np.ndarray:
    """float32 mono from (n,), (channels, n) or (n, channels) samples (the shorter axis is channels)."""
    data = np.asarray(samples, dtype=np.float32)
    if data.ndim == 2:
        data = data.mean(axis=0 if data.shape[0] <= data.shape[1] else 1)
    if data.ndim != 1:
        raise ValueError(f"expected mono or (channels, n) samples, got shape {data.shape}")
    return np.nan_to_num(data, nan=0.0, posinf=0.0, neginf=0.0)


def resample(samples: np.ndarray, rate: int, target: int = RATE) -> np.ndarray:
    """Mono samples from `rate` to `target` Hz (soxr, high quality)."""
    if rate <= 0:
        raise ValueError(f"sample rate must be positive, got {rate}")
    if rate == target or not len(samples):
        return samples.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(samples, rate, target).astype(np.float32, copy=False)


def fit(samples: np.ndarray, length: int) -> np.ndarray:
    """Exactly `length` samples: cut (with a short fade out) or padded with silence."""
    out = np.zeros(length, np.float32)
    n = min(length, len(samples))
    out[:n] = samples[:n]
    if len(samples) > length:
        fade = min(n, int(FADE_S * RATE))
        if fade:
            out[n - fade : n] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out


def normalise(samples: np.ndarray, rate: int = RATE, target_lufs: float = TARGET_LUFS) -> np.ndarray:
    """Gain to `target_lufs` integrated loudness with peaks limited to −1 dBFS. The limiter lowers the
    loudness of a peaky mix (up to ~2 LU for a shouted line over surf), so the loudness is measured
    again after it and the gain corrected, until within `LOUDNESS_TOLERANCE` (a few passes). Silence,
    or a clip too short for the meter (under 0.4 s), is only peak-limited."""
    import pyloudnorm

    source = samples.astype(np.float32, copy=False)
    out = limit(source)
    if len(out) < int(0.4 * rate) or not np.any(out):
        return out
    meter, gain = pyloudnorm.Meter(rate), 1.0
    for _ in range(_PASSES):
        loudness = meter.integrated_loudness(out.astype(np.float64))
        if not np.isfinite(loudness) or abs(loudness - target_lufs) <= LOUDNESS_TOLERANCE:
            break
        gain *= 10 ** ((target_lufs - loudness) / 20)
        out = limit(source * np.float32(gain))
    return out


def limit(samples: np.ndarray, ceiling: float = PEAK) -> np.ndarray:
    """Peaks above `ceiling` brought down by a soft knee (tanh), the rest untouched."""
    out = samples.astype(np.float32, copy=True)
    knee = 0.8 * ceiling
    over = np.abs(out) > knee
    if np.any(over):
        excess = (np.abs(out[over]) - knee) / (ceiling - knee)
        out[over] = np.sign(out[over]) * (knee + (ceiling - knee) * np.tanh(excess))
    return out


def soundtrack(samples: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """A backend's sound as the clip's track: mono, 48 kHz, `seconds` long, at −16 LUFS."""
    track = fit(resample(to_mono(samples), rate), round(seconds * RATE))
    fade = min(len(track) // 2, int(FADE_S * RATE))
    if fade:
        track[:fade] *= np.linspace(0.0, 1.0, fade, dtype=np.float32)
    return normalise(track)


def mux_audio(video: str | Path, track: np.ndarray, path: str | Path) -> None:
    """Write `path`: the H.264 stream of the MP4 `video`, copied, and `track` (48 kHz mono float32)
    encoded as AAC, packets interleaved by time, `+faststart`. Removes a half-written file on error."""
    path = Path(path)
    try:
        faststart = {"movflags": "+faststart"}
        with av.open(str(video)) as source, av.open(str(path), "w", format="mp4", options=faststart) as out:
            video_in = source.streams.video[0]
            video_out = out.add_stream_from_template(video_in)
            audio_out = out.add_stream("aac", rate=RATE, layout="mono")
            audio_out.time_base = Fraction(1, RATE)
            tagged: list[tuple[av.Packet, av.stream.Stream]] = [
                (p, video_out) for p in source.demux(video_in) if p.dts is not None
            ]
            tagged += [(p, audio_out) for p in _aac_packets(audio_out, track)]
            for packet, stream in sorted(tagged, key=lambda pair: _seconds(pair[0])):
                packet.stream = stream
                out.mux(packet)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _aac_packets(stream: av.AudioStream, track: np.ndarray) -> list[av.Packet]:
    packets: list[av.Packet] = []
    data = np.ascontiguousarray(track, dtype=np.float32)
    for start in range(0, len(data), _AAC_FRAME):
        chunk = data[start : start + _AAC_FRAME]
        frame = av.AudioFrame.from_ndarray(chunk[np.newaxis, :], format="fltp", layout="mono")
        frame.sample_rate = RATE
        frame.pts = start
        frame.time_base = Fraction(1, RATE)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return packets


def _seconds(packet: av.Packet) -> float:
    """A packet's decoding time in seconds (its order in the interleaved file)."""
    return float((packet.dts or 0) * packet.time_base) if packet.time_base else 0.0
