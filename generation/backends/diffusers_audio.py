"""Sound from the diffusers pipelines that make video and audio together (LTX-2, Kandinsky 6).

These models denoise the picture and the sound jointly, so the clip they make must last as long as
the request: the backend asks for the request's duration (plus a little) at the model's own frame
rate, takes the frames that cover the request and returns the model's waveform, at the rate its
vocoder or audio VAE was trained at. The generation pipeline resamples it to the mux rate and fits
its length to the video.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from generation.backends.base import Audio

# Text-to-video-and-audio; image-to-video-and-audio (always a start image); text-and-image-to-video-
# and-audio (the uploaded image or the cameo's face when there is one, else the prompt alone).
SOUND_TEXT_TO_VIDEO = frozenset({"LTX2Pipeline"})
SOUND_IMAGE_TO_VIDEO = frozenset({"LTX2ImageToVideoPipeline"})
OPTIONAL_IMAGE = frozenset({"Kandinsky6TI2VAPipeline"})
SOUND = SOUND_TEXT_TO_VIDEO | SOUND_IMAGE_TO_VIDEO | OPTIONAL_IMAGE

# What the generated width and height must be multiples of, where the pipeline checks more than its
# VAE and patch size imply (LTX-2 refuses any size not divisible by 32).
SIZE_MULTIPLE = {"LTX2Pipeline": 32, "LTX2ImageToVideoPipeline": 32}
MARGIN_S = 0.1  # generated past the request's end: the audio VAEs' causal decoding drops a few hops
DEFAULT_FRAME_RATE = 24.0


def _config(module: Any, key: str) -> Any:
    config = getattr(module, "config", None)
    return None if config is None else getattr(config, key, None)


def has_sound(pipe: Any) -> bool:
    """Whether the loaded pipeline has what decodes sound (an audio VAE and a vocoder)."""
    return getattr(pipe, "audio_vae", None) is not None and getattr(pipe, "vocoder", None) is not None


def audio_rate(pipe: Any) -> int:
    """The rate of the waveform the pipeline returns: its vocoder's output rate (LTX-2), else its
    audio VAE's sample rate (Kandinsky 6's MMAudio)."""
    for value in (
        _config(getattr(pipe, "vocoder", None), "output_sampling_rate"),
        _config(getattr(pipe, "audio_vae", None), "sample_rate"),
        getattr(pipe, "audio_sampling_rate", None),
        getattr(pipe, "audio_sample_rate", None),
    ):
        if isinstance(value, int | float) and value > 0:
            return int(value)
    raise ValueError("The pipeline names no audio sample rate (vocoder or audio VAE config).")


def temporal_scale(pipe: Any) -> int:
    """Frames per latent frame of the pipeline's video VAE (num_frames must be k × this + 1)."""
    for attribute in ("vae_temporal_compression_ratio", "vae_scale_factor_temporal"):
        value = getattr(pipe, attribute, None)
        if isinstance(value, int) and value >= 1:
            return value
    return 1


def clip_length(pipe: Any, parameters: Any, duration_s: float) -> tuple[int, float]:
    """(num_frames, frame_rate): the request's duration and a margin at the model's frame rate,
    rounded up to the frame counts its VAE supports."""
    parameter = parameters.get("frame_rate")
    default = getattr(parameter, "default", None)
    rate = float(default) if isinstance(default, int | float) and default > 0 else DEFAULT_FRAME_RATE
    scale = temporal_scale(pipe)
    wanted = math.ceil((duration_s + MARGIN_S) * rate) + 1
    return math.ceil((wanted - 1) / scale) * scale + 1, rate


def covering(frames: list[np.ndarray], frame_rate: float, count: int, fps: int) -> list[np.ndarray]:
    """The model's frames from the clip's start to the request's last frame (at `fps`), so that
    resampling them to `count` frames keeps the picture in time with the sound."""
    last = round((count - 1) / fps * frame_rate)
    return frames[: max(1, min(len(frames), last + 1))]


def read_audio(output: Any, rate: int) -> Audio | None:
    """The first waveform of a pipeline's output (`output.audio`: torch or numpy, (batch, n) or
    (batch, channels, n)) as float32 in [-1, 1]; None when the pipeline gave no sound."""
    audio = getattr(output, "audio", None)
    if audio is None and isinstance(output, tuple | list) and len(output) > 1:
        audio = output[1]
    if audio is None:
        return None
    if hasattr(audio, "detach"):
        audio = audio.detach().float().cpu().numpy()
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim in (2, 3):  # the first of the batch: (n,) or (channels, n)
        samples = samples[0]
    if samples.ndim == 2 and samples.shape[0] == 1:
        samples = samples[0]
    if samples.ndim not in (1, 2) or samples.shape[-1] == 0:
        return None
    samples = np.clip(np.nan_to_num(samples, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)
    return Audio(samples=np.ascontiguousarray(samples, dtype=np.float32), rate=rate)
