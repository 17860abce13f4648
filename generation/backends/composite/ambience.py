"""Procedural ambience and effects beds for a composite scene: no files, everything synthesised.

`bed(scene, seconds, seed)` gives a mono float32 bed: the setting's ambience (surf, wind, city hum, a
club beat, birds or crickets, room tones, a kitchen, a stadium crowd, a space drone, an underwater
rumble), the weather on top (rain, soft snow wind, bubbles) and footsteps at the figures' walking or
running cadence. Deterministic for a seed; peak 0.9; loudness is the caller's (the final mix is
normalised to -16 LUFS).

Cheap (a 10 s bed at 48 kHz in ~5-30 ms of one core): bands below ~1 kHz are made at rate/8 and interpolated up
once, envelopes at 200 Hz; short sounds (kicks, chirps, clicks, bubbles, steps) are made once as clips
and added where they fall: nothing loops over samples in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial

import numpy as np
from scipy.signal import butter, iirpeak, sosfilt, tf2sos

from generation.backends.composite.common import Scene, _rng
from generation.backends.composite.figures import ACTIONS

RATE = 48000
LOW = 8  # low bands are made at rate / LOW
CONTROL = 200.0  # envelopes are made at this rate (Hz)
PEAK = 0.9
FADE = 0.01  # seconds of fade in and out


@lru_cache(maxsize=256)
def _sos(kind: str, freqs: tuple[float, ...], rate: float) -> np.ndarray:
    """Second-order sections of an order-2 Butterworth filter (or a resonant peak), cut-offs under Nyquist."""
    top = 0.45 * rate
    if kind == "peak":
        b, a = iirpeak(min(freqs[0], top), freqs[1], fs=rate)
        return np.asarray(tf2sos(b, a))
    wn = [min(f, top * (0.9 if i == 0 and len(freqs) > 1 else 1.0)) for i, f in enumerate(freqs)]
    return np.asarray(butter(2, wn if len(wn) > 1 else wn[0], btype=kind, fs=rate, output="sos"))


def _filter(x: np.ndarray, kind: str, freqs: tuple[float, ...], rate: float) -> np.ndarray:
    return np.asarray(sosfilt(_sos(kind, freqs, rate), x), np.float32)


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """White noise in [-0.5, 0.5), float64 (what sosfilt works in)."""
    return rng.random(n) - 0.5


def _unit(x: np.ndarray) -> np.ndarray:
    """`x` scaled to unit RMS (zeros stay zeros)."""
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if len(x) else 0.0
    return (x / np.float32(rms)).astype(np.float32) if rms > 0 else x


def _up(x: np.ndarray, n: int) -> np.ndarray:
    """A signal made at rate/LOW (n // LOW + 2 samples), linearly interpolated up to n samples."""
    m = n // LOW + 1
    out = np.empty((m, LOW), np.float32)
    np.multiply((x[1 : m + 1] - x[:m])[:, None], np.arange(LOW, dtype=np.float32) / np.float32(LOW), out=out)
    out += x[:m, None]
    return out.ravel()[:n]


class _Mix:
    """A bed being made: `low` at rate/LOW holds the bands below ~1 kHz (interpolated up once, at the
    end), `full` at the full rate holds the rest."""

    def __init__(self, n: int, rate: int) -> None:
        self.n, self.rate, self.seconds = n, rate, n / rate
        self.low = np.zeros(n // LOW + 2, np.float32)
        self.full = np.zeros(n, np.float32)
        self.grid = np.arange(int(n * CONTROL / rate) + 2) / CONTROL  # the envelopes' times (s)

    def noise(self, rng: np.random.Generator, kind: str, freqs: tuple[float, ...]) -> np.ndarray:
        """Unit-RMS noise in a band, at rate/LOW (so below rate/LOW/2: ~3 kHz at 48 kHz)."""
        return _unit(_filter(_noise(rng, len(self.low)), kind, freqs, self.rate / LOW))

    def env(self, env: np.ndarray) -> np.ndarray:
        """An envelope on `grid`, at rate/LOW."""
        return np.interp(np.arange(len(self.low)) * (LOW / self.rate), self.grid, env).astype(np.float32)

    def swell(self, rng: np.random.Generator, every: float) -> np.ndarray:
        """A smooth random 0..1 curve on `grid`, a new value every `every` seconds."""
        u = self.grid / every + rng.random()
        knots, i = rng.random(int(u[-1]) + 2), u.astype(int)
        f = (u - i) ** 2 * (3 - 2 * (u - i))  # smoothstep between the knots
        return knots[i] * (1 - f) + knots[i + 1] * f

    def place(self, clip: np.ndarray, at: float, gain: float = 1.0) -> None:
        _place(self.full, clip, at, self.rate, gain)

    def out(self) -> np.ndarray:
        out = _up(self.low, self.n)
        out += self.full
        return out


def _times(rng: np.random.Generator, seconds: float, gap: float) -> np.ndarray:
    """Random event times (a Poisson process, mean `gap` apart) in [0, seconds)."""
    t = np.cumsum(rng.exponential(gap, int(seconds / gap * 3) + 10)) - rng.uniform(0, gap)
    return t[(t >= 0) & (t < seconds)]


def _place(out: np.ndarray, clip: np.ndarray, at: float, rate: int, gain: float = 1.0) -> None:
    """Add `clip` into `out` starting at `at` seconds (cut at the ends)."""
    i = round(at * rate)
    start, end = max(i, 0), min(len(out), i + len(clip))
    if start < end:
        out[start:end] += np.float32(gain) * clip[start - i : end - i]


def _clip_t(seconds: float, rate: int) -> np.ndarray:
    return np.arange(max(int(seconds * rate), 1), dtype=np.float32) / np.float32(rate)


def _sweep(freq: np.ndarray, rate: int) -> np.ndarray:
    """A sine following the per-sample frequency `freq` (Hz)."""
    return np.sin(2 * np.pi * np.cumsum(freq, dtype=np.float64) / rate).astype(np.float32)


def _burst(rng: np.random.Generator, seconds: float, tau: float, band: tuple[float, float], rate: int) -> np.ndarray:
    """A short band-passed noise burst with an exponential decay (a click, a hat, a step)."""
    t = _clip_t(seconds, rate)
    clip = _filter(_noise(rng, len(t)), "bandpass", band, rate) * np.exp(-t / tau)
    return clip / max(float(np.abs(clip).max()), 1e-9)


def _surf(rng: np.random.Generator, mix: _Mix) -> None:
    """Waves: low-passed noise swelling as a wave breaks (every 4-8 s) and washing out slowly."""
    env = np.full(len(mix.grid), 0.1)
    t = -rng.uniform(0, 6)
    while t < mix.seconds:
        rise, fall, peak = rng.uniform(0.7, 1.5), rng.uniform(1.5, 3.0), rng.uniform(0.6, 1.0)
        u = mix.grid - t
        env += peak * np.where(u < rise, np.sin(np.clip(u, 0, None) / rise * np.pi / 2) ** 2, np.exp((rise - u) / fall))
        t += rng.uniform(4, 8)
    mix.low += 0.3 * mix.noise(rng, "lowpass", (450.0,)) * mix.env(env)
    mix.low += 0.08 * mix.noise(rng, "bandpass", (500.0, 1400.0)) * mix.env(env**2)  # the foam


WINDS = {  # band low, band high, whistle (Hz), gustiness 0..1
    "mountains": (180.0, 800.0, 720.0, 0.95),
    "desert": (350.0, 1300.0, 1050.0, 0.9),
    "snow": (90.0, 420.0, 380.0, 0.92),
}


def _wind(rng: np.random.Generator, mix: _Mix, kind: str, level: float = 1.0) -> None:
    """Band-passed noise in slow gusts, with a whistling resonance that sings in the strong ones."""
    lo, hi, whistle, gusty = WINDS[kind]
    gust = (1 - gusty) + gusty * mix.swell(rng, 1.3) * (0.3 + 0.7 * mix.swell(rng, 4.5))
    mix.low += 0.25 * level * mix.noise(rng, "bandpass", (lo, hi)) * mix.env(gust)
    mix.low += 0.12 * level * mix.noise(rng, "peak", (whistle, 30.0)) * mix.env(gust**3)


def _horn(rng: np.random.Generator, rate: int) -> np.ndarray:
    """A distant car horn: two square-ish tones, muffled by distance."""
    t = _clip_t(rng.uniform(0.25, 0.7), rate)
    low = rng.choice([349.0, 392.0, 415.0])
    tone = sum(np.sin(2 * np.pi * f * k * t) / k for f in (low, low * 1.26) for k in (1, 3, 5))
    gate = np.clip(np.minimum(t, t[-1] - t) / 0.03, 0, 1)
    return _filter(tone * gate, "lowpass", (1400.0,), rate) / 3


def _city(rng: np.random.Generator, mix: _Mix) -> None:
    """City hum: a low electrical/engine hum, traffic swelling past and now and then a distant horn."""
    t = np.arange(len(mix.low), dtype=np.float32) * np.float32(LOW / mix.rate)
    f0 = rng.uniform(50, 62)
    mix.low += 0.08 * _unit(sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3)))
    traffic = np.full(len(mix.grid), 0.25)
    for car in _times(rng, mix.seconds + 2, 1.8) - 1:
        traffic += rng.uniform(0.4, 1.0) * np.exp(-(((mix.grid - car) / rng.uniform(0.8, 1.8)) ** 2))
    mix.low += 0.06 * mix.noise(rng, "bandpass", (40.0, 350.0))
    mix.low += 0.12 * mix.noise(rng, "bandpass", (300.0, 1500.0)) * mix.env(traffic)  # tyres
    for at in _times(rng, mix.seconds, 9.0):
        mix.place(_horn(rng, mix.rate), at, rng.uniform(0.25, 0.5))


BASS_LINES = ((0, 0, 12, 0, 0, 7, 12, 10), (0, 12, 0, 12, 3, 15, 5, 17), (0, 0, 7, 0, 10, 0, 7, 12))


def _club(rng: np.random.Generator, mix: _Mix) -> None:
    """A club beat at 120-126 bpm: a kick on the beat, hi-hats off it and an eighth-note bass line."""
    beat, rate = 60 / rng.uniform(120, 126), mix.rate
    tk = _clip_t(0.35, rate)
    kick = _sweep(48 + 110 * np.exp(-tk / 0.025), rate) * np.exp(-tk / 0.12)
    hat = _burst(rng, 0.06, 0.012, (7000.0, 14000.0), rate)
    root = rng.choice([41.2, 43.65, 49.0, 55.0])
    line = BASS_LINES[int(rng.integers(len(BASS_LINES)))]
    tn = _clip_t(beat / 2, rate)
    shape = np.exp(-tn / 0.11) * (1 - np.exp(-tn / 0.004))
    pitch = {s: 2 * np.pi * root * 2 ** (s / 12) * tn for s in set(line)}
    notes = {s: (np.sin(phase) + 0.3 * np.sin(2 * phase)) * shape for s, phase in pitch.items()}
    mix.low += 0.02 * mix.noise(rng, "lowpass", (300.0,))
    for k in range(int(mix.seconds / beat) + 1):
        mix.place(kick, k * beat, 0.9)
        mix.place(hat, k * beat + beat / 2, 0.18)
        for half in (0, 1):
            mix.place(notes[line[(2 * k + half) % 8]], k * beat + half * beat / 2, 0.3)


def _song(rng: np.random.Generator, rate: int) -> tuple[np.ndarray, int, float, float]:
    """One bird species: its note (an FM sine sweep), notes per phrase, the gap between notes, its level."""
    dur = rng.uniform(0.04, 0.16)
    t = _clip_t(dur, rate)
    f0, sweep = rng.uniform(2400, 5200), rng.uniform(-1500, 1800)
    trill, depth = rng.uniform(0, 45), rng.uniform(0, 350)
    freq = np.clip(f0 + sweep * t / dur + depth * np.sin(2 * np.pi * trill * t), 1800, 7000)
    note = _sweep(freq, rate) * np.sin(np.pi * t / dur) ** 2
    return note, int(rng.integers(1, 7)), rng.uniform(0.03, 0.14), rng.uniform(0.3, 1.0)


def _birds(rng: np.random.Generator, mix: _Mix, species: int, gap: float) -> None:
    """Chirps of a few species at random times, each species its own pitch, sweep and pattern."""
    for _ in range(species):
        note, count, pause, level = _song(rng, mix.rate)
        for at in _times(rng, mix.seconds, gap):
            for k in range(count):
                mix.place(note, at + k * (len(note) / mix.rate + pause), 0.25 * level * rng.uniform(0.7, 1.0))


def _crickets(rng: np.random.Generator, mix: _Mix) -> None:
    """A few crickets: 3-6 pulses of a 4-5 kHz tone per chirp, each cricket at its own chirp rate."""
    for _ in range(int(rng.integers(2, 5))):
        pulse_rate, pulses = rng.uniform(25, 45), int(rng.integers(3, 7))
        t = _clip_t(pulses / pulse_rate, mix.rate)
        chirp = np.sin(2 * np.pi * rng.uniform(3800, 5200) * t) * np.sin(np.pi * ((t * pulse_rate) % 1)) ** 2
        every, level = rng.uniform(0.3, 0.7), rng.uniform(0.3, 1.0)
        for at in np.arange(rng.uniform(0, every), mix.seconds, every):
            mix.place(chirp, at + rng.uniform(-0.01, 0.01), 0.12 * level)


def _outdoors(rng: np.random.Generator, mix: _Mix, night: bool, forest: bool) -> None:
    """Park or forest: a breeze; birds by day (a forest has more species and leaves rustling), crickets by night."""
    breeze = mix.noise(rng, "lowpass", (350.0,)) * mix.env(0.4 + 0.6 * mix.swell(rng, 2.5))
    mix.low += (0.05 if night else 0.08) * breeze
    if forest:
        mix.low += 0.025 * mix.noise(rng, "bandpass", (700.0, 2400.0)) * mix.env(mix.swell(rng, 1.5))
    if night:
        _crickets(rng, mix)
    else:
        _birds(rng, mix, *((4, 3.0) if forest else (3, 3.0)))


def _room(rng: np.random.Generator, mix: _Mix, level: float = 1.0) -> None:
    """Room tone: soft low air with a little hiss."""
    mix.low += 0.05 * level * mix.noise(rng, "lowpass", (300.0,))
    mix.low += 0.008 * level * mix.noise(rng, "bandpass", (900.0, 2600.0))


def _office(rng: np.random.Generator, mix: _Mix) -> None:
    """Room tone and spells of typing."""
    _room(rng, mix)
    keys = []
    for _ in range(6):
        tk = _clip_t(0.03, mix.rate)
        thock = np.sin(2 * np.pi * rng.uniform(180, 350) * tk) * np.exp(-tk / 0.01)
        keys.append(_burst(rng, 0.03, 0.004, (1500.0, 6000.0), mix.rate) + 0.4 * thock)
    t = rng.uniform(0, 2)
    while t < mix.seconds:
        spell = t + rng.uniform(1, 4)
        while t < spell:
            mix.place(keys[int(rng.integers(len(keys)))], t, rng.uniform(0.08, 0.2))
            t += rng.uniform(0.08, 0.22)
        t += rng.uniform(1.5, 4.5)


def _kitchen(rng: np.random.Generator, mix: _Mix) -> None:
    """A pan sizzling (noise and crackle, high-passed) and the clink of cutlery and glass."""
    crackle = 0.25 * _noise(rng, mix.n)
    pops = rng.integers(0, mix.n, int(90 * mix.seconds))
    heat = 0.4 + 0.6 * mix.swell(rng, 0.7)[(pops * (CONTROL / mix.rate)).astype(int)]  # the crackle comes and goes
    crackle[pops] += rng.uniform(-1, 1, len(pops)) ** 3 * 1.5 * heat
    mix.full += 0.05 * _unit(_filter(crackle, "bandpass", (2500.0, 9000.0), mix.rate))
    _room(rng, mix, 0.3)
    for at in _times(rng, mix.seconds, 2.5):
        t = _clip_t(0.6, mix.rate)
        f0, decay = rng.uniform(1800, 3200), rng.uniform(0.7, 1.4)
        partials = ((1, 0.3), (2.32, 0.15), (4.25, 0.08))  # a glass's inharmonic partials, decay (s)
        clink = sum(np.sin(2 * np.pi * f0 * p * t) * np.exp(-t / (tau * decay)) for p, tau in partials)
        mix.place(clink * (1 - np.exp(-t / 0.001)), at, rng.uniform(0.1, 0.25))


def _stadium(rng: np.random.Generator, mix: _Mix) -> None:
    """A crowd's murmur and, every 5-10 s, a cheer swelling up and dying away."""
    cheer = np.zeros(len(mix.grid))
    t = rng.uniform(0.5, 4)
    while t < mix.seconds:
        rise, fall, peak = rng.uniform(0.6, 1.5), rng.uniform(1.0, 2.5), rng.uniform(1.5, 3.0)
        u = mix.grid - t
        cheer += peak * np.where(u < rise, np.clip(u / rise, 0, None) ** 2, np.exp(-(u - rise) / fall))
        t += rng.uniform(5, 10)
    mix.low += 0.1 * mix.noise(rng, "bandpass", (250.0, 1100.0)) * mix.env(0.8 + 0.2 * mix.swell(rng, 0.3))
    mix.low += 0.08 * mix.noise(rng, "bandpass", (400.0, 2600.0)) * mix.env(cheer)


def _space(rng: np.random.Generator, mix: _Mix) -> None:
    """A low drone: detuned low partials beating slowly, over a deep rumble."""
    t = np.arange(len(mix.low), dtype=np.float32) * np.float32(LOW / mix.rate)
    f0 = rng.uniform(38, 55)
    beating = [(f0 * r + d, 1 / (i + 1)) for i, r in enumerate((1, 1.5, 2)) for d in (0, rng.uniform(0.1, 0.4))]
    tone = sum(a * np.sin(2 * np.pi * f * t) for f, a in beating)
    mix.low += 0.12 * _unit(tone) * mix.env(0.7 + 0.3 * mix.swell(rng, 6))
    mix.low += 0.04 * mix.noise(rng, "lowpass", (120.0,))


def _bubbles(rng: np.random.Generator, mix: _Mix, per_second: float = 0.8) -> None:
    """Bubble blips: short sines rising in pitch, in clusters."""
    for cluster in _times(rng, mix.seconds, 1 / per_second):
        for _ in range(int(rng.integers(1, 8))):
            dur = rng.uniform(0.03, 0.09)
            t = _clip_t(dur, mix.rate)
            blip = _sweep(rng.uniform(350, 1400) * (1 + rng.uniform(0.2, 0.6) * t / dur), mix.rate)
            blip *= np.exp(-t / (dur / 3)) * (1 - np.exp(-t / 0.002))
            mix.place(blip, cluster + rng.uniform(0, 0.5), rng.uniform(0.05, 0.15))


def _underwater(rng: np.random.Generator, mix: _Mix) -> None:
    """A muffled rumble with slow swells, and a few bubbles."""
    mix.low += 0.15 * mix.noise(rng, "lowpass", (180.0,)) * mix.env(0.5 + 0.5 * mix.swell(rng, 3))
    _bubbles(rng, mix, 0.4)


def _rain(rng: np.random.Generator, mix: _Mix) -> None:
    """Rain: a dense crackle of drops (impulses with a hiss, band-passed wide) over a soft patter."""
    drops = 0.2 * _noise(rng, mix.n)
    hits = rng.integers(0, mix.n, int(1500 * mix.seconds))
    drops[hits] += rng.uniform(-1, 1, len(hits)) ** 3 * 3
    mix.full += 0.13 * _unit(_filter(drops, "bandpass", (1000.0, 11000.0), mix.rate))
    mix.low += 0.05 * mix.noise(rng, "bandpass", (300.0, 1500.0))


SOUNDS: dict[str, Callable[[np.random.Generator, _Mix], None]] = {
    "beach": _surf, "city": _city, "club": _club, "office": _office, "kitchen": _kitchen, "stadium": _stadium,
    "space": _space, "underwater": _underwater, "image": _room, **{kind: partial(_wind, kind=kind) for kind in WINDS},
}  # fmt: skip
WEATHER: dict[str, Callable[[np.random.Generator, _Mix], None]] = {
    "rain": _rain, "snow": partial(_wind, kind="snow", level=0.5), "bubbles": _bubbles,
}  # fmt: skip
SOFT_GROUND = {"beach", "desert", "snow"}
HARD_FLOOR = {"office", "kitchen", "club", "image", "city", "stadium"}


def _step(rng: np.random.Generator, setting: str, rate: int) -> np.ndarray:
    """One footstep: a crunch on sand or snow, a heel tap on a hard floor, a thud elsewhere."""
    if setting in SOFT_GROUND:
        t = _clip_t(0.12, rate)
        grain = _noise(rng, len(t)) * np.exp(-t / 0.04) * (np.abs(_noise(rng, len(t))) > 0.3)
        clip = _filter(grain, "bandpass", (400.0, 3000.0), rate)
    elif setting in HARD_FLOOR:
        t = _clip_t(0.06, rate)
        clip = _burst(rng, 0.06, 0.012, (1200.0, 5000.0), rate) + 0.6 * np.sin(2 * np.pi * 110 * t) * np.exp(-t / 0.025)
    else:
        t = _clip_t(0.1, rate)
        clip = _burst(rng, 0.1, 0.025, (80.0, 700.0), rate) + 0.5 * np.sin(2 * np.pi * 75 * t) * np.exp(-t / 0.03)
    head = clip[: int(0.05 * rate)]  # its first 50 ms at unit RMS: as loud as it sounds
    return clip / max(float(np.sqrt(np.mean(head**2))), 1e-9)


def _footsteps(rng: np.random.Generator, out: np.ndarray, rate: int, scene: Scene, level: float) -> None:
    """Steps at the figures' cadence (ACTIONS[action].steps a second), alternating feet, a little uneven."""
    every = 1 / ACTIONS[scene.action].steps
    clips = [_step(rng, scene.setting, rate) for _ in range(4)]
    for k, at in enumerate(np.arange(rng.uniform(0, every), len(out) / rate, every)):
        gain = level * (1.0 if k % 2 else 0.9) * rng.uniform(0.85, 1.0)
        _place(out, clips[int(rng.integers(len(clips)))], at + rng.uniform(-0.008, 0.008), rate, gain)


def bed(scene: Scene, seconds: float, seed: int, rate: int = RATE) -> np.ndarray:
    """float32 mono, exactly round(seconds * rate) samples, peak <= 0.9, not loudness-normalised
    (the lead normalises the final mix to -16 LUFS with pyloudnorm)."""
    n = max(round(seconds * rate), 0)
    if n == 0:
        return np.zeros(0, np.float32)
    mix = _Mix(n, rate)
    if scene.setting in {"park", "forest"}:
        _outdoors(_rng(seed, 17, 0), mix, scene.lighting == "night", scene.setting == "forest")
    else:
        SOUNDS.get(scene.setting, _room)(_rng(seed, 17, 0), mix)
    if scene.weather in WEATHER:
        WEATHER[scene.weather](_rng(seed, 17, 1), mix)
    out = mix.out()
    if scene.action in {"walk", "run"}:  # loud enough to hear over the ambience (in its 50 ms)
        level = min(max(2.5 * float(np.sqrt(np.mean(np.square(out, dtype=np.float64)))), 0.05), 1.0)
        _footsteps(_rng(seed, 17, 2), out, rate, scene, level * (1.2 if scene.action == "run" else 1.0))
    fade = min(int(FADE * rate), n // 2)
    if fade:
        ramp = np.linspace(0, 1, fade, dtype=np.float32)
        out[:fade] *= ramp
        out[n - fade :] *= ramp[::-1]
    peak = float(np.abs(out).max())
    if peak > 0:
        out *= np.float32(PEAK / peak)
    return np.clip(out, -PEAK, PEAK, out=out)
