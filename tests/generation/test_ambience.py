"""The composite backend's procedural ambience beds (generation/backends/composite/ambience.py): exact
length, determinism, peak bounds, and that each setting, weather and action sounds like what it is, by
measures a listener would notice (where the energy sits in the spectrum, how it moves in time).
No database.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from generation.backends.composite.ambience import RATE, bed
from generation.backends.composite.common import Scene
from generation.backends.composite.figures import ACTIONS

SETTINGS = [
    "park", "beach", "city", "forest", "mountains", "snow", "space",
    "desert", "underwater", "club", "office", "kitchen", "stadium", "image",
]  # fmt: skip
OCTAVES = [0, 125, 250, 500, 1000, 2000, 4000, 8000, RATE // 2]
HOP = 0.01  # seconds per onset frame


def scene(setting: str, *, lighting: str = "day", action: str = "idle", weather: str = "none") -> Scene:
    return Scene(setting, lighting, "pan", action, weather, 1)


def spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.fft.rfftfreq(len(x), 1 / RATE), np.abs(np.fft.rfft(x.astype(np.float64))) ** 2


def share(x: np.ndarray, lo: float, hi: float) -> float:
    """The share of the signal's energy between lo and hi Hz."""
    f, power = spectrum(x)
    return float(power[(f >= lo) & (f < hi)].sum() / power.sum())


def profile(x: np.ndarray) -> np.ndarray:
    """log10 of the energy share per octave band."""
    f, power = spectrum(x)
    bands = np.array([power[(f >= a) & (f < b)].sum() for a, b in itertools.pairwise(OCTAVES)])
    return np.log10(bands / bands.sum() + 1e-6)


def band(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return sosfilt(butter(4, [lo, hi], "bandpass", fs=RATE, output="sos"), x.astype(np.float64))


def envelope(x: np.ndarray, hop: float) -> np.ndarray:
    """RMS per frame of `hop` seconds."""
    size = int(hop * RATE)
    frames = x[: len(x) // size * size].astype(np.float64).reshape(-1, size)
    return np.sqrt(np.mean(frames**2, axis=1))


def onset_correlation(x: np.ndarray) -> np.ndarray:
    """Autocorrelation (1 at lag 0) of the onset envelope (rises in 10 ms RMS), one value per 10 ms lag."""
    onset = np.maximum(np.diff(envelope(x, HOP)), 0)
    onset -= onset.mean()
    corr = np.correlate(onset, onset, "full")[len(onset) - 1 :]
    return corr / corr[0]


def beat_period(x: np.ndarray, lo: float, hi: float) -> tuple[float, float]:
    """The lag (s) in [lo, hi] where the onsets' autocorrelation peaks, and that peak (1 = perfectly
    periodic)."""
    corr = onset_correlation(x)
    lags = np.arange(round(lo / HOP), round(hi / HOP))
    best = lags[np.argmax(corr[lags])]
    return best * HOP, float(corr[best])


def correlation_at(x: np.ndarray, lag: float) -> float:
    """The onsets' autocorrelation at `lag` seconds (the best within one frame of it)."""
    k = round(lag / HOP)
    return float(onset_correlation(x)[k - 1 : k + 2].max())


def pitch_count(x: np.ndarray) -> int:
    """How many 50 Hz-wide pitches between 2 and 6 kHz the loudest 20 ms frames' peaks fall on (80% of
    them): a few steady tones give 1-3, swept chirps many."""
    size = int(0.02 * RATE)
    frames = x[: len(x) // size * size].reshape(-1, size) * np.hanning(size)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    f = np.fft.rfftfreq(size, 1 / RATE)
    part = power[:, (f >= 2000) & (f < 6000)]
    loud = part.sum(axis=1) > 0.1 * part.sum(axis=1).max()
    _, counts = np.unique(part[loud].argmax(axis=1), return_counts=True)
    counts = np.sort(counts)[::-1]
    return int(np.searchsorted(np.cumsum(counts) / counts.sum(), 0.8) + 1)


@pytest.mark.parametrize("seconds", [0.0, 1 / RATE, 0.001, 0.5, 1.0, 2.345, 5.0, 7.123456, -1.0])
@pytest.mark.parametrize("rate", [RATE, 44100, 22050, 16000])
def test_exact_length(seconds: float, rate: int) -> None:
    for s in (scene("park", action="walk", weather="rain"), scene("club"), scene("underwater", weather="bubbles")):
        x = bed(s, seconds, seed=3, rate=rate)
        assert x.dtype == np.float32 and x.ndim == 1
        assert len(x) == max(round(seconds * rate), 0)


def test_deterministic_for_a_seed_different_for_another() -> None:
    for s in (scene("beach", action="run"), scene("club"), scene("forest", weather="rain")):
        a, b, c = bed(s, 3, seed=11), bed(s, 3, seed=11), bed(s, 3, seed=12)
        assert np.array_equal(a, b)
        assert np.abs(a - c).mean() > 0.01


@pytest.mark.parametrize("setting", SETTINGS)
def test_peak_bounded_finite_and_audible(setting: str) -> None:
    for lighting, action, weather in (("day", "idle", "none"), ("night", "walk", "rain"), ("golden", "run", "snow"),
                                      ("day", "dance", "bubbles")):  # fmt: skip
        x = bed(scene(setting, lighting=lighting, action=action, weather=weather), 4, seed=5)
        assert np.isfinite(x).all()
        assert np.abs(x).max() <= 0.9
        assert np.sqrt(np.mean(x.astype(np.float64) ** 2)) > 0.02  # not silence


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_setting_sounds_different(seed: int) -> None:
    """Each pair of settings differs in where its energy sits: on average by more than a factor 1.6 per
    octave band."""
    profiles = {s: profile(bed(scene(s), 6, seed=seed)) for s in SETTINGS}
    for a, b in itertools.combinations(SETTINGS, 2):
        assert np.abs(profiles[a] - profiles[b]).mean() > 0.2, (a, b)


@pytest.mark.parametrize("setting", ["beach", "mountains", "snow", "desert"])
def test_surf_and_wind_are_low_and_swell_slowly(setting: str) -> None:
    x = bed(scene(setting), 20, seed=4)
    assert share(x, 0, 1000) > 0.6
    assert share(x, 2000, 6000) < 0.05
    env = envelope(x, 0.1)
    assert np.percentile(env, 90) / np.percentile(env, 10) > 1.8  # swells / gusts you hear come and go
    f = np.fft.rfftfreq(len(env), 0.1)
    swing = np.abs(np.fft.rfft(env - env.mean())) ** 2
    assert swing[f < 1].sum() / swing.sum() > 0.7  # ... slowly: over seconds, not a flutter


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_club_has_a_beat_at_120_to_126_bpm(seed: int) -> None:
    period, strength = beat_period(bed(scene("club"), 10, seed=seed), 0.3, 0.8)  # not half or double
    assert 60 / 126 - 0.011 <= period <= 60 / 120 + 0.011
    assert strength > 0.5
    _, calm = beat_period(bed(scene("beach"), 10, seed=seed), 0.3, 0.8)
    assert calm < strength / 2


@pytest.mark.parametrize("setting", ["park", "forest"])
def test_birds_chirp_in_short_bursts_between_2_and_6_khz(setting: str) -> None:
    for seed in (1, 2, 6):
        x = bed(scene(setting), 10, seed=seed)
        assert share(x, 2000, 6000) > 0.02 > share(bed(scene("beach"), 10, seed=seed), 2000, 6000)
        chirps = envelope(band(x, 2000, 6000), 0.02)
        assert np.percentile(chirps, 98) / np.median(chirps) > 5  # bursts over a quiet floor
        assert pitch_count(x) >= 5  # several species, swept notes


@pytest.mark.parametrize("setting", ["park", "forest"])
def test_crickets_instead_of_birds_at_night(setting: str) -> None:
    """At night the 2-6 kHz energy is a few steady cricket tones chirping on and on, not swept chirps."""
    for seed in (1, 2, 3):
        night = bed(scene(setting, lighting="night"), 8, seed=seed)
        assert share(night, 2000, 6000) > 0.1
        assert pitch_count(night) <= 4
        chorus = envelope(band(night, 2000, 6000), 0.5)
        assert np.percentile(chorus, 10) / np.median(chorus) > 0.4  # never falls silent for long


def test_rain_is_broadband_and_dense() -> None:
    dry, wet = bed(scene("mountains"), 8, seed=2), bed(scene("mountains", weather="rain"), 8, seed=2)
    assert share(wet, 2000, RATE / 2) > 0.3 > share(dry, 2000, RATE / 2)
    for lo, hi in ((1000, 2000), (2000, 4000), (4000, 8000)):
        assert share(wet, lo, hi) > 0.05  # broadband: every octave above 1 kHz carries some of it
    hiss = envelope(band(wet, 2000, 10000), 0.01)
    assert np.percentile(hiss, 5) / np.median(hiss) > 0.45  # dense: no gaps between the drops


@pytest.mark.parametrize("action", ["walk", "run"])
@pytest.mark.parametrize("setting", ["image", "park", "beach", "city", "office"])
def test_footsteps_follow_the_cadence(action: str, setting: str) -> None:
    every = 1 / ACTIONS[action].steps
    x = band(bed(scene(setting, action=action), 10, seed=8), 200, 12000)  # above the city's hum
    period, _ = beat_period(x, 0.2, 0.9)
    assert min(abs(period - every), abs(period - 2 * every)) <= 0.02  # a step, or a left-right pair
    steps = correlation_at(x, every)
    assert steps > 0.15
    assert correlation_at(band(bed(scene(setting, action="idle"), 10, seed=8), 200, 12000), every) < 0.7 * steps
