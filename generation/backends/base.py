"""The one interface every video backend implements (DESIGN.md §6).

Pure: numpy arrays and dataclasses in, frames (and optionally sound) out; no ORM, no Django models.
The pipeline (generation/pipeline.py) builds a RenderRequest from a job and streams the frames into
the media pipeline (generation/media/); the sound a backend returns (or, when it returns none, an
ambience bed) is muxed next to them as AAC.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from core.text import instructed

Progress = Callable[[float], None]  # fraction done, 0.0–1.0; cheap to call often


@dataclass(frozen=True)
class CameoRef:
    """A person to show: their handle (as the prompt mentions it), the instructions their owner adds
    to every prompt, and their reference crops (BGR uint8, square, the face centred with a margin
    showing hair and chin, typically 224×224)."""

    handle: str
    instructions: str
    crops: list[np.ndarray] = field(default_factory=list)
    # The owner's voice template (a speaker embedding), for backends that take a reference voice; set
    # only for a cameo the consent gate allowed, like the crops, and None when no voice was enrolled.
    voice: np.ndarray | None = None


@dataclass(frozen=True, eq=False)  # eq=False: comparing sample arrays with == is ambiguous
class Audio:
    """A clip's sound: float32 samples in [-1, 1], shape (n,) for mono or (channels, n), at `rate` Hz.
    The pipeline resamples it, fits it to the video's length and normalises its loudness."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return self.samples.shape[-1] / self.rate


@dataclass(frozen=True)
class RenderRequest:
    prompt: str  # as the author wrote it (with @handles)
    cameos: list[CameoRef]
    image: np.ndarray | None  # BGR uint8: the video's region of an uploaded image (image-to-video), or None
    duration_s: float
    width: int
    height: int
    fps: int
    seed: int

    @property
    def frame_count(self) -> int:
        return max(1, round(self.duration_s * self.fps))

    @property
    def full_prompt(self) -> str:
        """The prompt with each cameo's instructions appended ("@ana: always wearing a blue cap")."""
        extra = [instructed(c.handle, c.instructions) for c in self.cameos if c.instructions]
        return self.prompt if not extra else f"{self.prompt}. " + ". ".join(extra)


# What render() gives: the frames, one at a time; the generator's return value is the clip's sound.
Rendering = Generator[np.ndarray, None, "Audio | None"]


class Backend(Protocol):
    name: str  # recorded on the job and in the Content Credentials ("composite", "diffusers:<class>")

    def render(self, request: RenderRequest, progress: Progress) -> Rendering:
        """Yield exactly request.frame_count BGR uint8 frames of request.height × request.width,
        calling progress() as work is done, then return the clip's Audio, or None when the backend
        makes no sound (the generator's return value: `return Audio(...)`). Deterministic for a given
        request (same seed, same frames and sound) where the backend can be."""
        ...


class BackendError(RuntimeError):
    """The backend cannot render this request (bad configuration, unsupported input): not retried.
    `public`: the message is about the request, for its author to read (the job's `error.detail`);
    otherwise it is for operators (folders, settings, the device) and goes to the worker's log only."""

    def __init__(self, message: str, *, public: bool = False) -> None:
        super().__init__(message)
        self.public = public
